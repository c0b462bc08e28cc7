package io.ferry.schemas.stats;

import java.util.Locale;

/**
 * The types and attribute keys of stats events. Every figure is about the interval the event closes (its {@link
 * #INTERVAL_SECONDS} seconds), never a running total, so figures of several nodes for the same moment add up. Numbers
 * are written with {@link #number}: plain decimal, a dot, at most three decimals.
 */
public final class StatsAttributes {
    private StatsAttributes() {}

    /** A proxy node's figures ({@code ferry proxy}, {@code ferry interlay}). */
    public static final String PROXY = "stats.proxy";
    /** A mover process's figures: its copy workers and its reconciler ({@code ferry mover}, {@code ferry copy}). */
    public static final String MOVER = "stats.mover";
    /** A comparator's figures (shadow replay). */
    public static final String COMPARATOR = "stats.comparator";
    /** What every stats event type starts with. */
    public static final String PREFIX = "stats.";

    // Every stats event.
    /** Which process sent it (the proxy's node id, or {@code pid@host}). */
    public static final String NODE = "node";
    /** Seconds the figures cover. */
    public static final String INTERVAL_SECONDS = "intervalSeconds";

    // stats.proxy: per side (prefixed "source" or "target", see side()).
    /** Replies counted from the side (commands it answered, errors included). */
    public static final String OPS = "Ops";
    /** {@link #OPS} per second. */
    public static final String OPS_PER_SECOND = "OpsPerSecond";
    /** Error replies from the side, and commands whose connection to it was lost. */
    public static final String ERRORS = "Errors";
    /** Median latency of the side's replies, in milliseconds (0 without replies). */
    public static final String P50_MS = "P50Ms";
    /** 99th percentile latency of the side's replies, in milliseconds (0 without replies). */
    public static final String P99_MS = "P99Ms";
    /** Writes that may have left the two sides different: flagged for repair by the reconciler. */
    public static final String DUAL_WRITE_FAILURES = "dualWriteFailures";
    /** Reads whose two sides answered differently (proxy: VERSION_COMPARE, REPLICATED; comparator: confirmed). */
    public static final String DIVERGENCES = "divergences";
    /** Client connections open at the end of the interval. */
    public static final String CONNECTIONS = "connections";

    // stats.mover
    /** Keys the copy workers handled, whatever the outcome, per second. */
    public static final String KEYS_PER_SECOND = "keysPerSecond";
    /** DUMP payload bytes copied per second. */
    public static final String BYTES_PER_SECOND = "bytesPerSecond";
    /** Keys reported to the errors topic (copy workers and reconciler). */
    public static final String ERROR_KEYS = "errorKeys";
    /** Keys the reconciler copied again or deleted, per second. */
    public static final String RECONCILED_PER_SECOND = "reconciledPerSecond";
    /** The throttle's limit in keys/s at the end of the interval; {@code none} when the copy is not held back. */
    public static final String THROTTLE_LIMIT = "throttleLimit";
    /** {@code true} when the throttle held the copy back at the end of the interval. */
    public static final String THROTTLED = "throttled";
    /** Milliseconds the workers waited for the throttle during the interval, all workers together. */
    public static final String THROTTLE_SLEEP_MS = "throttleSleepMs";
    /** Seconds between the newest write the reconciler handled and its handling. */
    public static final String RECONCILER_LAG_SECONDS = "reconcilerLagSeconds";

    // stats.comparator (DIVERGENCES too)
    /** Reads replayed and compared, per second. */
    public static final String REPLAYED_PER_SECOND = "replayedPerSecond";
    /** Repair requests published to the writes log. */
    public static final String REPAIRS_REQUESTED = "repairsRequested";
    /** Seconds between the capture of the newest record replayed and its replay. */
    public static final String LAG_SECONDS = "lagSeconds";

    /** A per-side key of stats.proxy: {@code side("source", OPS)} is {@code sourceOps}. */
    public static String side(String side, String figure) {
        return side.toLowerCase(Locale.ROOT) + figure;
    }

    /** {@code value} as attributes carry numbers: {@code 12}, {@code 0.25}, {@code 1234.5}. */
    public static String number(double value) {
        if (!Double.isFinite(value)) {
            return "0";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return java.math.BigDecimal.valueOf(value)
                .setScale(3, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }
}
