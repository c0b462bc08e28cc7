package io.ferry.proxy.kafka;

import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows the compacted control topic, so a proxy node takes every change of its migration's route
 * within a second, with no restart. Every node reads the whole topic (no consumer group): the
 * migration state it follows is the one of {@code runId}, or, with no run id, the migration state
 * with the highest epoch on the topic. A state reaches the listener only when its epoch is higher
 * than the last one's; an older or equal epoch, or a tombstone, never rolls the route back (it is
 * logged). Nothing reaches the listener before a state is read: the follower never invents one.
 *
 * <p>When Kafka becomes unreachable the node keeps its last state and says so at ERROR, again every
 * 30 s while it lasts ({@link #status()}); it resumes on its own. Runs on a thread of its own; the
 * listener is called on that thread.
 */
public final class ControlFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CHECK = Duration.ofSeconds(2);
    private static final Duration REPEAT_WARNING = Duration.ofSeconds(30);

    /** Whether the control topic could be read lately, and the epoch of the last state taken. */
    public record Status(boolean connected, long epoch, Instant disconnectedSince, String lastError) {}

    private final KafkaConsumer<String, ControlRecord> consumer;
    private final String topic;
    private final String runId;
    private final Consumer<MigrationState> listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean connected;
    private volatile long epoch = -1;
    private volatile Instant disconnectedSince = Instant.now();
    private volatile String lastError;
    private long lastCheckNanos;
    private long lastWarningNanos;

    public ControlFollower(
            Map<String, Object> kafka, TopicRegistry topics, String runId, Consumer<MigrationState> listener) {
        this.topic = topics.name(TypedTopic.CONTROL.topic());
        this.runId = runId == null || runId.isBlank() ? null : runId;
        this.listener = listener;
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-control-follower");
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(
                config,
                TypedTopic.CONTROL.keySerde().deserializer(),
                TypedTopic.CONTROL.valueSerde().deserializer());
        this.thread = new Thread(this::run, "ferry-control-follower");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public Status status() {
        return new Status(connected, epoch, connected ? null : disconnectedSince, lastError);
    }

    private void run() {
        boolean assigned = false;
        while (running) {
            try {
                if (!assigned) {
                    assigned = assign();
                    if (!assigned) {
                        sleep(Duration.ofSeconds(1));
                        continue;
                    }
                }
                for (ConsumerRecord<String, ControlRecord> record : consumer.poll(POLL)) {
                    take(record);
                }
                checkReachable();
            } catch (WakeupException e) {
                break;
            } catch (KafkaException e) {
                unreachable(e);
                sleep(Duration.ofSeconds(1));
            }
        }
        consumer.close(Duration.ofSeconds(2));
    }

    private boolean assign() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, CHECK);
        if (partitions == null || partitions.isEmpty()) {
            unreachable(new KafkaException("the control topic " + topic + " does not exist (yet)"));
            return false;
        }
        List<TopicPartition> assignment = partitions.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(assignment);
        consumer.seekToBeginning(assignment);
        reachable();
        return true;
    }

    /** A poll returns nothing both when all is read and when Kafka is gone: ask now and then. */
    private void checkReachable() {
        long now = System.nanoTime();
        if (now - lastCheckNanos < CHECK.toNanos()) {
            return;
        }
        lastCheckNanos = now;
        consumer.endOffsets(consumer.assignment(), CHECK);
        reachable();
    }

    private void take(ConsumerRecord<String, ControlRecord> record) {
        ControlRecord value = record.value();
        if (value == null) {
            log.warn("control topic: tombstone for {} ignored; the route stays at epoch {}", record.key(), epoch);
            return;
        }
        if (!(value.getPayload() instanceof MigrationState state)) {
            return;
        }
        if (runId != null && !runId.equals(state.getRunId())) {
            return;
        }
        if (state.getEpoch() <= epoch) {
            if (state.getEpoch() < epoch) {
                log.info(
                        "control topic: state of run {} at epoch {} ignored; epoch {} is in force",
                        state.getRunId(),
                        state.getEpoch(),
                        epoch);
            }
            return;
        }
        try {
            listener.accept(state);
            epoch = state.getEpoch();
        } catch (RuntimeException e) {
            // A state this node cannot serve (it would lose writes, or needs a target it lacks):
            // the route in force stays, and the operator hears of it.
            log.error(
                    "control topic: state of run {} at epoch {} refused: {}",
                    state.getRunId(),
                    state.getEpoch(),
                    e.getMessage());
            epoch = state.getEpoch();
        }
    }

    private void reachable() {
        if (!connected) {
            if (epoch >= 0) {
                log.info("control topic {} readable again; following it from epoch {}", topic, epoch);
            }
            connected = true;
            lastError = null;
        }
    }

    private void unreachable(Exception cause) {
        lastError = cause.getMessage();
        long now = System.nanoTime();
        if (connected) {
            connected = false;
            disconnectedSince = Instant.now();
        } else if (now - lastWarningNanos < REPEAT_WARNING.toNanos()) {
            return;
        }
        lastWarningNanos = now;
        log.error(
                "control topic {} unreachable ({}): serving the last known route{}; it is followed again when "
                        + "Kafka answers",
                topic,
                cause.getMessage(),
                epoch >= 0 ? " (epoch " + epoch + ")" : " (the flags': no state read yet)");
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
