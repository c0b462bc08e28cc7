package io.ferry.analyzer;

/**
 * The metric names of the analysis topic. A window's records use these names; the overall profile's
 * the same prefixed with {@code overall.}. Values are per window (or overall) unless said otherwise;
 * {@code count} is the number of observations behind the value.
 */
public final class Metric {
    /** Commands seen. */
    public static final String OPS = "ops";
    /** Commands per second over the window (overall: over the span from the first window to the last). */
    public static final String OPS_RATE = "ops.rate";
    /** Overall only: the busiest window's commands per second. */
    public static final String OPS_RATE_PEAK = "ops.rate.peak";
    /** The busiest second's commands (a window's windows are averages; sizing needs the bursts). */
    public static final String OPS_SECOND_MAX = "ops.second.max";
    /** Traffic records that could not be decoded, skipped. */
    public static final String RECORDS_BAD = "records.bad";
    /** Commands by name (dimension: {@code GET}, {@code CLIENT SETNAME}, ...). */
    public static final String COMMAND_OPS = "command.ops";
    /** Commands by the command table's kind (dimension: READ, WRITE, TRANSACTION, ...). */
    public static final String KIND_OPS = "kind.ops";
    /** Commands by documented data-type group (dimension: string, hash, list, ...). */
    public static final String TYPE_OPS = "type.ops";
    /** Commands by database number. */
    public static final String DB_OPS = "db.ops";
    /** Read-only commands. */
    public static final String READ_OPS = "read.ops";
    /** Commands that may write (unknown commands included). */
    public static final String WRITE_OPS = "write.ops";
    /** Reads / (reads + writes), 0 to 1. */
    public static final String READ_RATIO = "read.ratio";
    /** Latency percentiles and maximum in µs, per command (dimension) and over all (no dimension). */
    public static final String LATENCY_P50 = "latency.p50";

    public static final String LATENCY_P90 = "latency.p90";
    public static final String LATENCY_P99 = "latency.p99";
    public static final String LATENCY_P999 = "latency.p999";
    public static final String LATENCY_MAX = "latency.max";
    /** Hot keys (dimension: the key, redis-cli escaped): estimated operations, bounds in the detail. */
    public static final String KEY_HOT = "key.hot";
    /** Distinct keys (HyperLogLog estimate, bounds in the detail). */
    public static final String KEYS_DISTINCT = "keys.distinct";
    /** Operations by key prefix (dimension). */
    public static final String PREFIX_OPS = "prefix.ops";
    /** Distinct keys by key prefix (dimension; estimate). */
    public static final String PREFIX_KEYS = "prefix.keys";
    /** Distinct key prefixes (estimate). */
    public static final String PREFIXES_DISTINCT = "prefixes.distinct";
    /** Distinct client connections (node/connection; estimate). */
    public static final String CONNECTIONS_DISTINCT = "connections.distinct";
    /**
     * Distinct client hosts (estimate), from pcap records only, whose connection is the client's
     * address and port; absent when no pcap record was seen (the proxy's connections are numbered).
     */
    public static final String CLIENTS_DISTINCT = "clients.distinct";
    /** Distinct proxy nodes or capture processes (estimate). */
    public static final String NODES_DISTINCT = "nodes.distinct";
    /** Commands with a reply or argument at or over the big-value threshold; examples in the detail. */
    public static final String VALUE_BIG = "value.big";
    /** The largest such value, in bytes. */
    public static final String VALUE_BIG_MAX = "value.big.max";
    /** Commands raising a {@link MigrationRisk} (dimension: its name); commands in the detail. */
    public static final String RISK = "risk";

    private Metric() {}
}
