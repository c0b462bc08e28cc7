package io.ferry.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every Kafka topic Ferry uses: its base name, the Avro record its values hold, what its key is, and how it is
 * created. The full topic name adds a configurable prefix, see {@link TopicRegistry}; typed serdes and the key of a
 * record come from {@link TypedTopic}.
 *
 * <p>Immutable and thread-safe.
 */
public enum Topic {
    /**
     * Captured commands with their replies, from proxies and pcap capture. Keyed by the connection ({@code
     * node/connection}) so a connection's commands stay in order, which shadow replay needs for SELECT, MULTI/EXEC
     * and the like.
     */
    TRAFFIC("traffic", TrafficRecord.class, KeyKind.STRING_ID, 12, CleanupPolicy.DELETE, Duration.ofDays(1)),
    /**
     * Every write through a proxy with its outcome on each side. Keyed by the Redis key (the first key of a
     * multi-key command, empty for keyless writes) so per-key order holds for the reconciler.
     */
    WRITES("writes", WriteRecord.class, KeyKind.REDIS_KEY, 12, CleanupPolicy.DELETE, Duration.ofDays(7)),
    /**
     * Batches of keys to copy. Keyed by task id: tasks spread evenly over movers, and a retried task lands on the
     * partition of its first attempt.
     */
    MOVE_TASKS("move.tasks", MoveTask.class, KeyKind.STRING_ID, 12, CleanupPolicy.DELETE, Duration.ofDays(7)),
    /** Keys that failed to migrate. Keyed by the Redis key, so the failures of one key are in order. */
    ERRORS("errors", ErrorRecord.class, KeyKind.REDIS_KEY, 3, CleanupPolicy.DELETE, Duration.ofDays(30)),
    /** Keys whose value differs between the sides. Keyed by the Redis key. */
    DIVERGENCES("divergences", Divergence.class, KeyKind.REDIS_KEY, 3, CleanupPolicy.DELETE, Duration.ofDays(30)),
    /**
     * Control-plane entities (endpoints, interlays, migration states), compacted and keyed by entity id. One
     * partition, so every reader sees all entity changes in one order.
     */
    CONTROL("control", ControlRecord.class, KeyKind.STRING_ID, 1, CleanupPolicy.COMPACT, null),
    /** Workflow events and progress. Keyed by run id (empty for events outside a run), so a run's events are in order. */
    EVENTS("events", Event.class, KeyKind.STRING_ID, 3, CleanupPolicy.DELETE, Duration.ofDays(30)),
    /** Where resumable jobs got to, compacted and keyed by checkpoint id. */
    CHECKPOINTS("checkpoints", Checkpoint.class, KeyKind.STRING_ID, 3, CleanupPolicy.COMPACT, null),
    /** The analyzer's traffic profile. Keyed by metric ({@code metric} or {@code metric/dimension}). */
    ANALYSIS("analysis", AnalysisRecord.class, KeyKind.STRING_ID, 3, CleanupPolicy.DELETE, Duration.ofDays(7));

    private final String baseName;
    private final Class<? extends SpecificRecord> valueClass;
    private final KeyKind keyKind;
    private final int defaultPartitions;
    private final CleanupPolicy cleanupPolicy;
    private final Duration defaultRetention;

    Topic(
            String baseName,
            Class<? extends SpecificRecord> valueClass,
            KeyKind keyKind,
            int defaultPartitions,
            CleanupPolicy cleanupPolicy,
            Duration defaultRetention) {
        this.baseName = baseName;
        this.valueClass = valueClass;
        this.keyKind = keyKind;
        this.defaultPartitions = defaultPartitions;
        this.cleanupPolicy = cleanupPolicy;
        this.defaultRetention = defaultRetention;
    }

    /** The name without prefix, e.g. {@code "move.tasks"}. */
    public String baseName() {
        return baseName;
    }

    /** The generated Avro class of the topic's values. */
    public Class<? extends SpecificRecord> valueClass() {
        return valueClass;
    }

    /** What the record key is. */
    public KeyKind keyKind() {
        return keyKind;
    }

    /** Partitions a new topic gets unless configured otherwise. */
    public int defaultPartitions() {
        return defaultPartitions;
    }

    /** How old records are discarded. */
    public CleanupPolicy cleanupPolicy() {
        return cleanupPolicy;
    }

    /** How long records are kept unless configured otherwise; empty for compacted topics, which keep them. */
    public Optional<Duration> defaultRetention() {
        return Optional.ofNullable(defaultRetention);
    }

    /** Whether a null value (tombstone) is meaningful: it deletes the key from a compacted topic. */
    public boolean isCompacted() {
        return cleanupPolicy == CleanupPolicy.COMPACT;
    }

    /** The serde of this topic's values; {@link TypedTopic#valueSerde()} gives it typed. */
    public AvroSerde<? extends SpecificRecord> valueSerde() {
        return TypedTopic.of(this).valueSerde();
    }

    /** The serde of this topic's keys; {@link TypedTopic#keySerde()} gives it typed. */
    public Serde<?> keySerde() {
        return TypedTopic.of(this).keySerde();
    }

    /** The topic with this base name, e.g. {@code "move.tasks"}. */
    public static Optional<Topic> forBaseName(String baseName) {
        for (Topic topic : values()) {
            if (topic.baseName.equals(baseName)) {
                return Optional.of(topic);
            }
        }
        return Optional.empty();
    }

    /** The topic configs a new topic is created with, given its retention (ignored for compacted topics). */
    Map<String, String> creationConfigs(Duration retention) {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy.configValue());
        if (!isCompacted()) {
            configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
        }
        return configs;
    }
}
