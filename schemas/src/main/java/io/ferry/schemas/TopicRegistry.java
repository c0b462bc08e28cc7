package io.ferry.schemas;

import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The full names and creation settings of Ferry's topics in one Kafka cluster: a name prefix (default {@value
 * #DEFAULT_PREFIX}, so {@link Topic#WRITES} is {@code ferry.writes}), partitions, replication factor and retention.
 * Every process of one migration must use the same prefix.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()}, whose setters reject bad values at once.
 */
public final class TopicRegistry {
    public static final String DEFAULT_PREFIX = "ferry";
    public static final short DEFAULT_REPLICATION_FACTOR = 3;

    /** Kafka's own limit on topic names. */
    private static final int MAX_TOPIC_NAME_LENGTH = 249;

    private static final Pattern LEGAL_PREFIX = Pattern.compile("[a-zA-Z0-9._-]*");
    private static final int LONGEST_BASE_NAME = Arrays.stream(Topic.values())
            .mapToInt(t -> t.baseName().length())
            .max()
            .orElse(0);

    private final String prefix;
    private final short replicationFactor;
    private final Map<Topic, Integer> partitions;
    private final Map<Topic, Duration> retention;

    private TopicRegistry(Builder builder) {
        this.prefix = builder.prefix;
        this.replicationFactor = builder.replicationFactor;
        this.partitions = new EnumMap<>(builder.partitions);
        this.retention = new EnumMap<>(builder.retention);
    }

    /** Ferry's defaults: prefix {@value #DEFAULT_PREFIX}, replication factor 3, each topic's default partitions. */
    public static TopicRegistry defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The prefix, without the separating dot; empty when topics carry no prefix. */
    public String prefix() {
        return prefix;
    }

    /** The replication factor new topics get. */
    public short replicationFactor() {
        return replicationFactor;
    }

    /** The full Kafka topic name, e.g. {@code ferry.writes}. */
    public String name(Topic topic) {
        return prefix.isEmpty() ? topic.baseName() : prefix + "." + topic.baseName();
    }

    /** The full names of every topic, in {@link Topic} order. */
    public List<String> names() {
        return Arrays.stream(Topic.values()).map(this::name).toList();
    }

    /** The topic a full Kafka topic name stands for under this prefix, if any. */
    public Optional<Topic> topicNamed(String fullName) {
        for (Topic topic : Topic.values()) {
            if (name(topic).equals(fullName)) {
                return Optional.of(topic);
            }
        }
        return Optional.empty();
    }

    /** The partitions a new topic gets. */
    public int partitions(Topic topic) {
        return partitions.getOrDefault(topic, topic.defaultPartitions());
    }

    /** How long a new topic keeps records; empty for compacted topics. */
    public Optional<Duration> retention(Topic topic) {
        if (topic.isCompacted()) {
            return Optional.empty();
        }
        return Optional.of(
                retention.getOrDefault(topic, topic.defaultRetention().orElseThrow()));
    }

    /** The topic configs a new topic gets: {@code cleanup.policy}, and {@code retention.ms} unless compacted. */
    public Map<String, String> configs(Topic topic) {
        return topic.creationConfigs(retention(topic).orElse(null));
    }

    /** What {@link org.apache.kafka.clients.admin.Admin#createTopics} needs to create the topic. */
    public NewTopic newTopic(Topic topic) {
        return new NewTopic(name(topic), partitions(topic), replicationFactor).configs(configs(topic));
    }

    @Override
    public String toString() {
        return "TopicRegistry{prefix='" + prefix + "', replicationFactor=" + replicationFactor + ", partitions="
                + partitions + ", retention=" + retention + "}";
    }

    /** Builds a {@link TopicRegistry}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private String prefix = DEFAULT_PREFIX;
        private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private final Map<Topic, Integer> partitions = new EnumMap<>(Topic.class);
        private final Map<Topic, Duration> retention = new EnumMap<>(Topic.class);

        private Builder() {}

        /**
         * The name prefix, e.g. {@code "ferry"} or {@code "ferry.staging"}; empty for none. Letters, digits, '.', '_'
         * and '-' only, as Kafka allows, not ending in '.', and short enough for every full name to fit Kafka's limit.
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!LEGAL_PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException(
                        "topic prefix: '" + prefix + "' (expected: only letters, digits, '.', '_' and '-')");
            }
            if (prefix.endsWith(".")) {
                throw new IllegalArgumentException(
                        "topic prefix: '" + prefix + "' (expected: no trailing '.'; the separator is added)");
            }
            int longest = prefix.length() + 1 + LONGEST_BASE_NAME;
            if (longest > MAX_TOPIC_NAME_LENGTH) {
                throw new IllegalArgumentException("topic prefix length: " + prefix.length() + " (expected: <= "
                        + (MAX_TOPIC_NAME_LENGTH - 1 - LONGEST_BASE_NAME) + ")");
            }
            this.prefix = prefix;
            return this;
        }

        /** The replication factor of new topics: 1 for a single broker, 3 in production. */
        public Builder replicationFactor(int replicationFactor) {
            if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "replication factor: " + replicationFactor + " (expected: 1.." + Short.MAX_VALUE + ")");
            }
            this.replicationFactor = (short) replicationFactor;
            return this;
        }

        /** The partitions a new {@code topic} gets, instead of {@link Topic#defaultPartitions()}. */
        public Builder partitions(Topic topic, int count) {
            Objects.requireNonNull(topic, "topic");
            if (count < 1) {
                throw new IllegalArgumentException(
                        "partitions of " + topic.baseName() + ": " + count + " (expected: >= 1)");
            }
            partitions.put(topic, count);
            return this;
        }

        /** How long a new {@code topic} keeps records, instead of {@link Topic#defaultRetention()}. */
        public Builder retention(Topic topic, Duration duration) {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(duration, "duration");
            if (topic.isCompacted()) {
                throw new IllegalArgumentException(
                        "retention of " + topic.baseName() + ": the topic is compacted and keeps its records");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(
                        "retention of " + topic.baseName() + ": " + duration + " (expected: > 0)");
            }
            retention.put(topic, duration);
            return this;
        }

        public TopicRegistry build() {
            return new TopicRegistry(this);
        }
    }
}
