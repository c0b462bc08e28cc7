package io.ferry.proxy;

import io.ferry.proxy.kafka.WriteLogOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * A proxy node's Kafka: where the writes log, the traffic log and the control topic are, and how
 * they behave.
 *
 * @param bootstrapServers Kafka's bootstrap servers, {@code host:port,...}
 * @param topicPrefix prefix of Ferry's topic names
 * @param writeLog how the writes log buffers and overflows
 * @param trafficSampleRate share of commands captured on the traffic topic, 0 to 1
 * @param trafficQueueCapacity traffic records waiting for Kafka, at most
 * @param runId the migration run whose state the node follows; empty: the highest epoch on the topic
 * @param statsInterval how often the node's figures go to the events topic ({@code stats.proxy}); zero: never
 */
public record ProxyKafka(
        String bootstrapServers,
        String topicPrefix,
        WriteLogOptions writeLog,
        double trafficSampleRate,
        int trafficQueueCapacity,
        String runId,
        Duration statsInterval) {
    /** Stats every five seconds. */
    public ProxyKafka(
            String bootstrapServers,
            String topicPrefix,
            WriteLogOptions writeLog,
            double trafficSampleRate,
            int trafficQueueCapacity,
            String runId) {
        this(bootstrapServers, topicPrefix, writeLog, trafficSampleRate, trafficQueueCapacity, runId, DEFAULT_STATS);
    }

    static final Duration DEFAULT_STATS = Duration.ofSeconds(5);

    public ProxyKafka {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        Objects.requireNonNull(writeLog, "writeLog");
        Objects.requireNonNull(runId, "runId");
        if (statsInterval.isNegative()) {
            throw new IllegalArgumentException("statsInterval: " + statsInterval + " (expected: >= 0)");
        }
        if (!(trafficSampleRate >= 0 && trafficSampleRate <= 1)) {
            throw new IllegalArgumentException("trafficSampleRate: " + trafficSampleRate + " (expected: 0 to 1)");
        }
        if (trafficQueueCapacity < 1) {
            throw new IllegalArgumentException("trafficQueueCapacity: " + trafficQueueCapacity + " (expected: >= 1)");
        }
    }

    /** Defaults for {@code bootstrapServers}: every write logged, every command captured. */
    public static ProxyKafka of(String bootstrapServers, String topicPrefix) {
        return new ProxyKafka(bootstrapServers, topicPrefix, WriteLogOptions.DEFAULTS, 1.0, 50_000, "");
    }

    /** This, with stats events every {@code interval} (zero: none). */
    public ProxyKafka withStatsInterval(Duration interval) {
        return new ProxyKafka(
                bootstrapServers, topicPrefix, writeLog, trafficSampleRate, trafficQueueCapacity, runId, interval);
    }
}
