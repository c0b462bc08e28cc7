package io.ferry.proxy.kafka;

import java.time.Duration;
import java.util.Objects;

/**
 * How the writes log buffers and what it does when it cannot keep up.
 *
 * @param queueCapacity records waiting for Kafka, at most
 * @param overflowKeyCapacity keys kept for repair while Kafka cannot take records, at most; keys
 *     beyond are counted and reported as lost
 * @param overflow what a write does when its record cannot be queued
 * @param deliveryTimeout how long Kafka may take to acknowledge a record before it counts as failed
 */
public record WriteLogOptions(
        int queueCapacity, int overflowKeyCapacity, WriteLogOverflow overflow, Duration deliveryTimeout) {
    public static final WriteLogOptions DEFAULTS =
            new WriteLogOptions(100_000, 1_000_000, WriteLogOverflow.FLAG_KEYS, Duration.ofSeconds(10));

    public WriteLogOptions {
        Objects.requireNonNull(overflow, "overflow");
        Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        if (overflowKeyCapacity < 0) {
            throw new IllegalArgumentException("overflowKeyCapacity: " + overflowKeyCapacity + " (expected: >= 0)");
        }
        if (deliveryTimeout.toMillis() < 1_000) {
            throw new IllegalArgumentException("deliveryTimeout: " + deliveryTimeout + " (expected: >= 1 s)");
        }
    }
}
