package io.ferry.comparator.replay;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.TopicRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link ShadowReplay} runs. Immutable; built with {@link #builder}, whose setters reject bad values at once.
 *
 * @param runId the migration run: names the consumer group ({@code ferry-comparator.<runId>}) and the divergences
 * @param nodeId this comparator process, for the repair requests it publishes ({@code comparator-<id>})
 * @param kafka Kafka client settings (bootstrap servers, security)
 * @param topics the topic names
 * @param maxReplaysPerSecond replays per second this process never exceeds
 * @param ttlTolerance how far two TTLs may be apart, beyond the time elapsed between them
 * @param recheckAttempts how many times a mismatch is checked again on both sides before it is confirmed
 * @param recheckDelay the pause between two rechecks
 * @param maxReplyBytes the largest reply read from a side; a larger one is skipped and counted
 * @param replyTimeout how long one replayed command may take
 * @param maxInFlight replays sent and not yet compared, at most
 * @param repair whether a confirmed divergence asks the reconciler to copy the key again
 * @param publishTransient whether transient divergences are published too (status TRANSIENT)
 * @param fromEarliest whether a new consumer group starts at the oldest traffic kept instead of new traffic
 */
public record ReplayOptions(
        String runId,
        String nodeId,
        RedisEndpoint source,
        RedisEndpoint target,
        Map<String, Object> kafka,
        TopicRegistry topics,
        double maxReplaysPerSecond,
        Duration ttlTolerance,
        int recheckAttempts,
        Duration recheckDelay,
        long maxReplyBytes,
        Duration replyTimeout,
        int maxInFlight,
        boolean repair,
        boolean publishTransient,
        boolean fromEarliest) {

    public static final double DEFAULT_MAX_REPLAYS_PER_SECOND = 1000;
    public static final Duration DEFAULT_TTL_TOLERANCE = Duration.ofSeconds(2);
    public static final int DEFAULT_RECHECK_ATTEMPTS = 3;
    public static final Duration DEFAULT_RECHECK_DELAY = Duration.ofMillis(200);
    public static final long DEFAULT_MAX_REPLY_BYTES = 4L * 1024 * 1024;
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 32;

    public ReplayOptions {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        kafka = Map.copyOf(kafka);
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(ttlTolerance, "ttlTolerance");
        Objects.requireNonNull(recheckDelay, "recheckDelay");
        Objects.requireNonNull(replyTimeout, "replyTimeout");
    }

    public static Builder builder(
            String runId, RedisEndpoint source, RedisEndpoint target, Map<String, Object> kafka, TopicRegistry topics) {
        return new Builder(runId, source, target, kafka, topics);
    }

    /** Builds {@link ReplayOptions}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private final String runId;
        private final RedisEndpoint source;
        private final RedisEndpoint target;
        private final Map<String, Object> kafka;
        private final TopicRegistry topics;
        private String nodeId = "1";
        private double maxReplaysPerSecond = DEFAULT_MAX_REPLAYS_PER_SECOND;
        private Duration ttlTolerance = DEFAULT_TTL_TOLERANCE;
        private int recheckAttempts = DEFAULT_RECHECK_ATTEMPTS;
        private Duration recheckDelay = DEFAULT_RECHECK_DELAY;
        private long maxReplyBytes = DEFAULT_MAX_REPLY_BYTES;
        private Duration replyTimeout = DEFAULT_REPLY_TIMEOUT;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private boolean repair;
        private boolean publishTransient;
        private boolean fromEarliest;

        private Builder(
                String runId,
                RedisEndpoint source,
                RedisEndpoint target,
                Map<String, Object> kafka,
                TopicRegistry topics) {
            if (runId == null || runId.isBlank()) {
                throw new IllegalArgumentException("run id: '" + runId + "' (expected: not empty)");
            }
            this.runId = runId;
            this.source = Objects.requireNonNull(source, "source");
            this.target = Objects.requireNonNull(target, "target");
            this.kafka = Map.copyOf(kafka);
            this.topics = Objects.requireNonNull(topics, "topics");
        }

        public Builder nodeId(String nodeId) {
            if (nodeId == null || nodeId.isBlank()) {
                throw new IllegalArgumentException("node id: '" + nodeId + "' (expected: not empty)");
            }
            this.nodeId = nodeId;
            return this;
        }

        public Builder maxReplaysPerSecond(double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("max replays per second: " + value + " (expected: > 0)");
            }
            this.maxReplaysPerSecond = value;
            return this;
        }

        public Builder ttlTolerance(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("ttl tolerance: " + value + " (expected: >= 0)");
            }
            this.ttlTolerance = value;
            return this;
        }

        public Builder recheck(int attempts, Duration delay) {
            if (attempts < 1 || attempts > 100) {
                throw new IllegalArgumentException("recheck attempts: " + attempts + " (expected: 1..100)");
            }
            if (delay.isNegative()) {
                throw new IllegalArgumentException("recheck delay: " + delay + " (expected: >= 0)");
            }
            this.recheckAttempts = attempts;
            this.recheckDelay = delay;
            return this;
        }

        public Builder maxReplyBytes(long value) {
            if (value < 1024) {
                throw new IllegalArgumentException("max reply bytes: " + value + " (expected: >= 1024)");
            }
            this.maxReplyBytes = value;
            return this;
        }

        public Builder replyTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("reply timeout: " + value + " (expected: > 0)");
            }
            this.replyTimeout = value;
            return this;
        }

        public Builder maxInFlight(int value) {
            if (value < 1 || value > 10_000) {
                throw new IllegalArgumentException("max in flight: " + value + " (expected: 1..10000)");
            }
            this.maxInFlight = value;
            return this;
        }

        public Builder repair(boolean value) {
            this.repair = value;
            return this;
        }

        public Builder publishTransient(boolean value) {
            this.publishTransient = value;
            return this;
        }

        public Builder fromEarliest(boolean value) {
            this.fromEarliest = value;
            return this;
        }

        public ReplayOptions build() {
            return new ReplayOptions(
                    runId,
                    nodeId,
                    source,
                    target,
                    kafka,
                    topics,
                    maxReplaysPerSecond,
                    ttlTolerance,
                    recheckAttempts,
                    recheckDelay,
                    maxReplyBytes,
                    replyTimeout,
                    maxInFlight,
                    repair,
                    publishTransient,
                    fromEarliest);
        }
    }
}
