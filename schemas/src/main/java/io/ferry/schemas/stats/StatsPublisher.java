package io.ferry.schemas.stats;

import io.ferry.schemas.Event;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.settings.Settings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes one service's stats event (type {@code stats.<kind>}, see {@link StatsAttributes}) on the events topic
 * every {@code stats.interval-seconds}, keyed by the run id so the control plane charts it with the run. The figures
 * come from a {@link Sampler}, called on this publisher's own thread: nothing here runs on the caller's threads (a
 * Netty event loop never waits for Kafka), and a send Kafka refuses is counted and logged at most once a minute,
 * never retried. Thread-safe; {@link #close} publishes the last, shorter interval, then stops.
 */
public final class StatsPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatsPublisher.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** The setting: seconds between two stats events of a service; 0: none. */
    public static final String INTERVAL_SECONDS = "stats.interval-seconds";

    /** The figures of the interval that just ended. */
    @FunctionalInterface
    public interface Sampler {
        /**
         * The attributes of the event closing an interval of {@code seconds} (rates are per second of it). Called on
         * the publisher's thread, one call at a time.
         */
        Map<String, String> sample(double seconds);
    }

    private final String type;
    private final String runId;
    private final String node;
    private final TopicRegistry topics;
    private final Sampler sampler;
    private final Producer<String, Event> producer;
    private final ScheduledExecutorService thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private long lastSample = System.nanoTime();
    private boolean closed;

    /** Adds {@value #INTERVAL_SECONDS} to a service's settings. */
    public static ConfigDef define(ConfigDef definition) {
        return definition.define(
                INTERVAL_SECONDS,
                Type.INT,
                5,
                Range.between(0, 3600),
                Importance.LOW,
                "Seconds between two stats events of this service on the events topic (throughput, latency, "
                        + "errors, copy rate: what the dashboard charts); 0: none.");
    }

    /** The interval {@code settings} ask for; zero: no stats events. */
    public static Duration interval(Settings settings) {
        return Duration.ofSeconds(settings.getInt(INTERVAL_SECONDS));
    }

    /**
     * Starts publishing every {@code interval}.
     *
     * @param type the event type, e.g. {@link StatsAttributes#PROXY}
     * @param runId the run the figures belong to; null for none
     * @param node which process sends them
     * @param kafka the Kafka client settings (bootstrap servers at least)
     */
    public StatsPublisher(
            String type,
            String runId,
            String node,
            Duration interval,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Sampler sampler) {
        if (!type.startsWith(StatsAttributes.PREFIX)) {
            throw new IllegalArgumentException("type: " + type + " (expected: stats.*)");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.type = type;
        this.runId = runId == null || runId.isEmpty() ? null : runId;
        this.node = node;
        this.topics = topics;
        this.sampler = sampler;
        Map<String, Object> config = new HashMap<>(kafka);
        // Figures are worth little late: one acknowledgement, no idempotence, a small buffer, bounded waits.
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 1024 * 1024L);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-" + type.replace('.', '-') + "-" + node);
        this.producer = new KafkaProducer<>(
                config,
                TypedTopic.EVENTS.keySerde().serializer(),
                TypedTopic.EVENTS.valueSerde().serializer());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-" + type.replace('.', '-'));
            t.setDaemon(true);
            return t;
        });
        long period = interval.toMillis();
        thread.scheduleAtFixedRate(this::publish, period, period, TimeUnit.MILLISECONDS);
    }

    /** Events Kafka acknowledged. */
    public long sent() {
        return sent.get();
    }

    /** Events Kafka did not take, or whose figures could not be read. */
    public long failed() {
        return failed.get();
    }

    private synchronized void publish() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        double seconds = (now - lastSample) / 1e9;
        lastSample = now;
        Map<String, String> attributes;
        try {
            attributes = new HashMap<>(sampler.sample(seconds));
        } catch (RuntimeException e) {
            failed(new IllegalStateException("reading the figures failed: " + e, e));
            return;
        }
        attributes.put(StatsAttributes.NODE, node);
        attributes.put(StatsAttributes.INTERVAL_SECONDS, StatsAttributes.number(seconds));
        Event event = Event.newBuilder()
                .setRunId(runId)
                .setTimestampMicros(Instant.now())
                .setType(type)
                .setLevel(EventLevel.INFO)
                .setMessage(type + " of " + node)
                .setAttributes(attributes)
                .setProgress(null)
                .build();
        try {
            producer.send(TypedTopic.EVENTS.producerRecord(topics, event), (metadata, error) -> {
                if (error == null) {
                    sent.incrementAndGet();
                } else {
                    failed(error);
                }
            });
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Exception cause) {
        failed.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            log.warn("{} of {} not published ({} so far): {}", type, node, failed.get(), cause.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publish();
        synchronized (this) {
            closed = true;
        }
        producer.close(Duration.ofSeconds(5));
    }
}
