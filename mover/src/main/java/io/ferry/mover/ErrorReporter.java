package io.ferry.mover;

import io.ferry.schemas.ErrorRecord;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes keys that still fail after their retries to the errors topic, with their context, and
 * waits until Kafka has each one: the caller commits its input only after, so a key is never both
 * unreported and marked done. Not thread-safe: one per worker.
 */
final class ErrorReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ErrorReporter.class);

    private final String runId;
    private final TopicRegistry topics;
    private final KafkaProducer<byte[], ErrorRecord> producer;

    ErrorReporter(String runId, Map<String, Object> kafka, TopicRegistry topics, String clientId) {
        this.runId = runId;
        this.topics = topics;
        this.producer = new KafkaProducer<>(
                ProducerSettings.durable(kafka, clientId),
                TypedTopic.ERRORS.keySerde().serializer(),
                TypedTopic.ERRORS.valueSerde().serializer());
    }

    /** Reports one key; throws if Kafka does not take it, so the caller's input is not committed. */
    void report(
            KeyCopier.Result result,
            int db,
            int attempts,
            Instant firstSeen,
            String sourceNode,
            Map<String, String> context)
            throws InterruptedException {
        ErrorRecord error = new ErrorRecord(
                runId,
                ByteBuffer.wrap(result.key()),
                db,
                result.stage(),
                result.error(),
                attempts,
                firstSeen,
                Instant.now(),
                sourceNode,
                new HashMap<>(context));
        try {
            producer.send(TypedTopic.ERRORS.producerRecord(topics, error)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not report a failed key to the errors topic: " + e, e);
        }
        log.warn(
                "key failed {} times at {}; reported to the errors topic: {}",
                attempts,
                result.stage(),
                result.error());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
