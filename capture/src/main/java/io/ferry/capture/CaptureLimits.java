package io.ferry.capture;

import java.time.Duration;

/**
 * Bounds on what a capture holds in memory, whatever the capture file throws at it. Immutable,
 * validated when built.
 *
 * @param maxFlows connections followed at once; packets of more are ignored and counted
 * @param maxFlowBytes bytes one connection may hold: segments waiting for a missing one, partly
 *     received commands and replies, commands waiting for their reply. Also the largest command or
 *     reply parsed. Over it, the connection is dropped and counted
 * @param maxTotalBytes bytes all connections together may hold; the connection that pushes the total
 *     over it is dropped and counted
 * @param maxPendingCommands commands of one connection waiting for their reply; over it, pairing is
 *     given up on that connection (its commands are then published without replies)
 * @param flowIdleTimeout a connection with no packet for this long (capture time) is closed
 */
public record CaptureLimits(
        int maxFlows, long maxFlowBytes, long maxTotalBytes, int maxPendingCommands, Duration flowIdleTimeout) {

    public static final int DEFAULT_MAX_FLOWS = 10_000;
    public static final long DEFAULT_MAX_FLOW_BYTES = 32L * 1024 * 1024;
    public static final long DEFAULT_MAX_TOTAL_BYTES = 512L * 1024 * 1024;
    public static final int DEFAULT_MAX_PENDING_COMMANDS = 10_000;
    public static final Duration DEFAULT_FLOW_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** Smallest {@code maxFlowBytes}: room for a command of a few kilobytes and a segment or two. */
    public static final long MIN_FLOW_BYTES = 64 * 1024;

    public static final CaptureLimits DEFAULTS = new CaptureLimits(
            DEFAULT_MAX_FLOWS,
            DEFAULT_MAX_FLOW_BYTES,
            DEFAULT_MAX_TOTAL_BYTES,
            DEFAULT_MAX_PENDING_COMMANDS,
            DEFAULT_FLOW_IDLE_TIMEOUT);

    /** @throws IllegalArgumentException naming the first value out of range */
    public CaptureLimits {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows: " + maxFlows + " (expected: >= 1)");
        }
        if (maxFlowBytes < MIN_FLOW_BYTES || maxFlowBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("maxFlowBytes: " + maxFlowBytes + " (expected: " + MIN_FLOW_BYTES + ".."
                    + (Integer.MAX_VALUE - 64) + ")");
        }
        if (maxTotalBytes < maxFlowBytes) {
            throw new IllegalArgumentException(
                    "maxTotalBytes: " + maxTotalBytes + " (expected: >= maxFlowBytes, " + maxFlowBytes + ")");
        }
        if (maxPendingCommands < 1) {
            throw new IllegalArgumentException("maxPendingCommands: " + maxPendingCommands + " (expected: >= 1)");
        }
        if (flowIdleTimeout.isNegative() || flowIdleTimeout.isZero()) {
            throw new IllegalArgumentException("flowIdleTimeout: " + flowIdleTimeout + " (expected: > 0)");
        }
    }
}
