package io.ferry.mover;

import io.ferry.schemas.Event;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.Progress;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A copy's progress on the events topic, for the control plane and dashboards: {@code copy.started},
 * {@code copy.progress} at most every {@link #EVERY}, then {@code copy.completed} or {@code copy.stopped},
 * each with the counters (done, total when known, failed, skipped, bytes, rate) and the details in
 * attributes (scanned, copied, gone, merged, chunked, rate limit, ETA, node). Sending never blocks the
 * copy; an event Kafka refuses is logged and dropped. Not thread-safe: one caller.
 */
final class ProgressEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProgressEvents.class);
    static final Duration EVERY = Duration.ofSeconds(5);

    private final String runId;
    private final String stage;
    private final TopicRegistry topics;
    private final KafkaProducer<String, Event> producer;
    private final String node = ManagementFactory.getRuntimeMXBean().getName();
    private long lastAt = System.nanoTime();
    private long lastHandled;
    private double rate;

    ProgressEvents(String runId, String stage, Map<String, Object> kafka, TopicRegistry topics) {
        this.runId = runId;
        this.stage = stage;
        this.topics = topics;
        this.producer = new KafkaProducer<>(
                ProducerSettings.durable(kafka, "ferry-" + stage + "-events"),
                TypedTopic.EVENTS.keySerde().serializer(),
                TypedTopic.EVENTS.valueSerde().serializer());
    }

    /** A lifecycle event: {@code <stage>.<what>}, e.g. {@code copy.completed}. */
    void publish(String what, EventLevel level, String message, MoveProgress.Snapshot totals) {
        send(stage + "." + what, level, message, totals);
    }

    /** A {@code <stage>.progress} event, when the last one is at least {@link #EVERY} old. */
    void maybeProgress(MoveProgress.Snapshot totals) {
        long now = System.nanoTime();
        if (now - lastAt < EVERY.toNanos()) {
            return;
        }
        rate = (totals.handled() - lastHandled) / ((now - lastAt) / 1e9);
        lastAt = now;
        lastHandled = totals.handled();
        send(
                stage + ".progress",
                EventLevel.INFO,
                String.format(
                        "%,d keys done of %s",
                        totals.handled(), totals.total() < 0 ? "?" : String.format("%,d", totals.total())),
                totals);
    }

    private void send(String type, EventLevel level, String message, MoveProgress.Snapshot totals) {
        Map<String, String> attributes = new HashMap<>();
        attributes.put("node", node);
        attributes.put("scanned", Long.toString(totals.scanned()));
        attributes.put("copied", Long.toString(totals.copied()));
        attributes.put("gone", Long.toString(totals.vanished()));
        attributes.put("merged", Long.toString(totals.merged() + totals.replacedOnMerge()));
        attributes.put("chunked", Long.toString(totals.chunked()));
        attributes.put("fallbacks", Long.toString(totals.fallbacks()));
        attributes.put(
                "rateLimit",
                Double.isInfinite(totals.rateLimit()) ? "none" : String.format("%.0f", totals.rateLimit()));
        long eta = totals.etaSeconds(rate);
        if (eta >= 0) {
            attributes.put("etaSeconds", Long.toString(eta));
        }
        Event event = new Event(
                runId,
                Instant.now(),
                type,
                level,
                message,
                attributes,
                new Progress(
                        stage,
                        totals.handled(),
                        totals.total(),
                        totals.failed(),
                        totals.skipped(),
                        totals.bytes(),
                        rate));
        producer.send(TypedTopic.EVENTS.producerRecord(topics, event), (metadata, e) -> {
            if (e != null) {
                log.warn("could not publish the {} event: {}", type, e.toString());
            }
        });
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
