package io.ferry.mover;

import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where resumable jobs got to, kept in the compacted checkpoints topic: {@link #load} reads the topic
 * to its end and keeps the last record of each id; {@link #save} writes one and waits until Kafka
 * has it. Not thread-safe.
 */
final class Checkpoints implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final String topic;
    private final KafkaProducer<String, Checkpoint> producer;

    Checkpoints(Map<String, Object> kafka, TopicRegistry topics) {
        this.kafka = Map.copyOf(kafka);
        this.topics = topics;
        this.topic = topics.name(TypedTopic.CHECKPOINTS.topic());
        Map<String, Object> config = ProducerSettings.durable(kafka, "ferry-checkpoints");
        this.producer = new KafkaProducer<>(
                config,
                TypedTopic.CHECKPOINTS.keySerde().serializer(),
                TypedTopic.CHECKPOINTS.valueSerde().serializer());
    }

    /** The last checkpoint saved under {@code id}, if any. */
    Optional<Checkpoint> load(String id) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-checkpoints-reader");
        Checkpoint last = null;
        try (KafkaConsumer<String, Checkpoint> consumer = new KafkaConsumer<>(
                config,
                TypedTopic.CHECKPOINTS.keySerde().deserializer(),
                TypedTopic.CHECKPOINTS.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reached(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the checkpoints topic " + topic
                            + " to its end within " + TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, Checkpoint> record : consumer.poll(Duration.ofMillis(200))) {
                    if (id.equals(record.key())) {
                        last = record.value();
                    }
                }
            }
        }
        return Optional.ofNullable(last);
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey(), TIMEOUT) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Saves {@code checkpoint} and returns once Kafka acknowledged it. */
    void save(String id, String runId, String kind, String position, boolean complete, Map<String, Long> counters)
            throws InterruptedException {
        Checkpoint checkpoint =
                new Checkpoint(id, runId, kind, position, complete, new HashMap<>(counters), Instant.now());
        try {
            producer.send(TypedTopic.CHECKPOINTS.producerRecord(topics, checkpoint))
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "could not save checkpoint " + id + " to " + topic + ": "
                            + (e.getCause() == null ? e : e.getCause()),
                    e);
        }
    }

    /** The window of run {@code runId}'s historical copy, if it was ever started. */
    Optional<Reconciler.RunWindow> runWindow(String runId) {
        return load(runKey(runId))
                .map(c -> new Reconciler.RunWindow(
                        c.getCounters().getOrDefault("startedMs", 0L),
                        c.getComplete()
                                ? c.getCounters().getOrDefault("completedMs", Reconciler.RunWindow.NOT_COMPLETE)
                                : Reconciler.RunWindow.NOT_COMPLETE));
    }

    /** Saves the window of run {@code runId}'s historical copy. */
    void saveRunWindow(String runId, Reconciler.RunWindow window) throws InterruptedException {
        Map<String, Long> counters = new HashMap<>();
        counters.put("startedMs", window.startedMs());
        if (window.complete()) {
            counters.put("completedMs", window.completedMs());
        }
        save(runKey(runId), runId, "run", null, window.complete(), counters);
    }

    private static String runKey(String runId) {
        return "run:" + runId;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
