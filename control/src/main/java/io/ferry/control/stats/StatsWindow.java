package io.ferry.control.stats;

import io.ferry.schemas.stats.StatsAttributes;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recent stats events of every run, summed across nodes per time bucket of {@link #bucket} for charts. A node's
 * rates (ops/s, keys/s) hold for the whole interval its event covers: a node's rate in a bucket is the average of
 * its events' rates over the part of the bucket each covers, and the nodes' rates are summed. Latencies (p50, p99)
 * are the worst a node reported in the bucket, and the worst node's is shown: percentiles of several nodes cannot be
 * added. Counts (errors, divergences,
 * error keys, dual-write failures, throttle waits) go to the bucket of the last moment the event covers and are summed. Buckets
 * older than {@link #window} are dropped; at most {@value #MAX_RUNS} runs are kept (the one updated longest ago goes
 * first). Thread-safe.
 */
public final class StatsWindow {
    static final int MAX_RUNS = 256;

    /** Figures of one node, the latest of a bucket: summed across nodes. */
    private static final List<String> RATES = List.of(
            StatsAttributes.side("source", StatsAttributes.OPS_PER_SECOND),
            StatsAttributes.side("target", StatsAttributes.OPS_PER_SECOND),
            StatsAttributes.KEYS_PER_SECOND,
            StatsAttributes.BYTES_PER_SECOND,
            StatsAttributes.RECONCILED_PER_SECOND,
            StatsAttributes.REPLAYED_PER_SECOND,
            StatsAttributes.CONNECTIONS);
    /** Figures of one node, the latest of a bucket: the largest across nodes. */
    private static final List<String> LATENCIES = List.of(
            StatsAttributes.side("source", StatsAttributes.P50_MS),
            StatsAttributes.side("source", StatsAttributes.P99_MS),
            StatsAttributes.side("target", StatsAttributes.P50_MS),
            StatsAttributes.side("target", StatsAttributes.P99_MS));
    /** Counts over an event's interval: summed over every event of a bucket. */
    private static final List<String> COUNTS = List.of(
            StatsAttributes.side("source", StatsAttributes.ERRORS),
            StatsAttributes.side("target", StatsAttributes.ERRORS),
            StatsAttributes.DUAL_WRITE_FAILURES,
            StatsAttributes.DIVERGENCES,
            StatsAttributes.ERROR_KEYS,
            StatsAttributes.THROTTLE_SLEEP_MS);

    private static final String THROTTLED = "throttled";
    private static final String THROTTLE_LIMIT = "throttleLimit";

    /** The series' names in {@link Row#values}, in order. */
    public static final List<String> SERIES = List.of(
            "source_ops_per_second",
            "target_ops_per_second",
            "source_p50_ms",
            "source_p99_ms",
            "target_p50_ms",
            "target_p99_ms",
            "source_errors",
            "target_errors",
            "dual_write_failures",
            "divergences",
            "error_keys",
            "mover_keys_per_second",
            "mover_bytes_per_second",
            "reconciled_per_second",
            "replayed_per_second",
            "throttled_movers",
            "throttle_limit",
            "throttle_sleep_ms",
            "connections",
            "nodes");

    private final Duration bucket;
    private final Duration window;
    private final long bucketMs;
    private final Map<String, Run> runs = new LinkedHashMap<>(16, 0.75f, true);

    public StatsWindow(Duration bucket, Duration window) {
        if (bucket.toMillis() < 1 || window.compareTo(bucket) < 0) {
            throw new IllegalArgumentException(
                    "bucket " + bucket + ", window " + window + " (expected: bucket >= 1 ms, window >= bucket)");
        }
        this.bucket = bucket;
        this.window = window;
        this.bucketMs = bucket.toMillis();
    }

    public Duration bucket() {
        return bucket;
    }

    public Duration window() {
        return window;
    }

    /** One bucket: its start, and a value for each of {@link #SERIES}. */
    public record Row(Instant start, double[] values) {
        public double value(String series) {
            return values[SERIES.indexOf(series)];
        }
    }

    /** Takes a stats event of {@code runId} sent at {@code at}; events of other types are ignored. */
    public synchronized void add(String runId, Instant at, String type, Map<String, String> attributes) {
        if (runId == null || !type.startsWith(StatsAttributes.PREFIX)) {
            return;
        }
        Run run = runs.computeIfAbsent(runId, id -> new Run());
        if (runs.size() > MAX_RUNS) {
            String eldest = runs.keySet().iterator().next();
            runs.remove(eldest);
        }
        long atMs = at.toEpochMilli();
        double intervalSeconds = number(attributes.get(StatsAttributes.INTERVAL_SECONDS));
        // [coveredFrom, atMs): the moments the figures are about (the event is sent as its interval ends).
        long coveredFrom = atMs - Math.max(1, Math.round(intervalSeconds * 1000));
        String node = type + "/" + attributes.getOrDefault(StatsAttributes.NODE, "?");
        Map<String, Double> rates = new HashMap<>();
        for (String name : RATES) {
            put(rates, name, attributes);
        }
        if (type.equals(StatsAttributes.MOVER)) {
            boolean throttled = Boolean.parseBoolean(attributes.get(StatsAttributes.THROTTLED));
            rates.put(THROTTLED, throttled ? 1.0 : 0.0);
            rates.put(THROTTLE_LIMIT, throttled ? number(attributes.get(StatsAttributes.THROTTLE_LIMIT)) : 0.0);
        }
        Map<String, Double> latencies = new HashMap<>();
        for (String name : LATENCIES) {
            put(latencies, name, attributes);
        }
        long lastMoment = atMs - 1;
        for (long index = Math.floorDiv(coveredFrom, bucketMs); index <= Math.floorDiv(lastMoment, bucketMs); index++) {
            long overlap = Math.min(atMs, index * bucketMs + bucketMs) - Math.max(coveredFrom, index * bucketMs);
            run.bucket(index)
                    .nodes
                    .computeIfAbsent(node, n -> new NodeFigures())
                    .add(rates, latencies, overlap);
        }
        Bucket last = run.bucket(Math.floorDiv(lastMoment, bucketMs));
        for (String name : COUNTS) {
            double value = number(attributes.get(name));
            if (value > 0) {
                last.counts.merge(name, value, Double::sum);
            }
        }
        run.prune(Math.floorDiv(atMs - window.toMillis(), bucketMs));
    }

    /**
     * The buckets of {@code runId} that ended by {@code now} and are within the window, oldest first, empty ones
     * included (all zeros) from the first with figures on.
     */
    public synchronized List<Row> rows(String runId, Instant now) {
        Run run = runs.get(runId);
        List<Row> rows = new ArrayList<>();
        if (run == null || run.buckets.isEmpty()) {
            return rows;
        }
        long nowMs = now.toEpochMilli();
        long last = Math.floorDiv(nowMs, bucketMs) - 1;
        long first = Math.max(run.buckets.firstKey(), Math.floorDiv(nowMs - window.toMillis(), bucketMs));
        for (long index = first; index <= last; index++) {
            Bucket bucket = run.buckets.get(index);
            rows.add(new Row(
                    Instant.ofEpochMilli(index * bucketMs),
                    bucket == null ? new double[SERIES.size()] : bucket.values()));
        }
        return rows;
    }

    private static void put(Map<String, Double> levels, String name, Map<String, String> attributes) {
        String value = attributes.get(name);
        if (value != null) {
            levels.put(name, number(value));
        }
    }

    /** An attribute as a number; 0 when absent or not a number (e.g. a throttle limit of "none"). */
    private static double number(String value) {
        if (value == null) {
            return 0;
        }
        try {
            double parsed = Double.parseDouble(value);
            return Double.isFinite(parsed) ? parsed : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final class Run {
        final TreeMap<Long, Bucket> buckets = new TreeMap<>();

        Bucket bucket(long index) {
            return buckets.computeIfAbsent(index, i -> new Bucket());
        }

        void prune(long before) {
            buckets.headMap(before, false).clear();
        }
    }

    /**
     * One node's figures in one bucket: its rates averaged over the part of the bucket its events cover (weighted by
     * how much of it each covers), its latencies the worst it reported.
     */
    private static final class NodeFigures {
        final Map<String, Double> weighted = new HashMap<>();
        final Map<String, Double> latencies = new HashMap<>();
        long coveredMs;

        void add(Map<String, Double> rates, Map<String, Double> latest, long overlapMs) {
            rates.forEach((name, value) -> weighted.merge(name, value * overlapMs, Double::sum));
            latest.forEach((name, value) -> latencies.merge(name, value, Math::max));
            coveredMs += overlapMs;
        }

        double rate(String name) {
            return coveredMs == 0 ? 0 : weighted.getOrDefault(name, 0.0) / coveredMs;
        }

        double latency(String name) {
            return latencies.getOrDefault(name, 0.0);
        }
    }

    private static final class Bucket {
        /** Each node's figures in this bucket. */
        final Map<String, NodeFigures> nodes = new HashMap<>();
        /** Counts summed over the events sent in this bucket. */
        final Map<String, Double> counts = new HashMap<>();

        double[] values() {
            double[] values = new double[SERIES.size()];
            for (NodeFigures node : nodes.values()) {
                values[0] += node.rate(RATES.get(0));
                values[1] += node.rate(RATES.get(1));
                values[2] = Math.max(values[2], node.latency(LATENCIES.get(0)));
                values[3] = Math.max(values[3], node.latency(LATENCIES.get(1)));
                values[4] = Math.max(values[4], node.latency(LATENCIES.get(2)));
                values[5] = Math.max(values[5], node.latency(LATENCIES.get(3)));
                values[11] += node.rate(StatsAttributes.KEYS_PER_SECOND);
                values[12] += node.rate(StatsAttributes.BYTES_PER_SECOND);
                values[13] += node.rate(StatsAttributes.RECONCILED_PER_SECOND);
                values[14] += node.rate(StatsAttributes.REPLAYED_PER_SECOND);
                values[15] += node.rate(THROTTLED);
                values[16] += node.rate(THROTTLE_LIMIT);
                values[18] += node.rate(StatsAttributes.CONNECTIONS);
            }
            values[6] = counts.getOrDefault(COUNTS.get(0), 0.0);
            values[7] = counts.getOrDefault(COUNTS.get(1), 0.0);
            values[8] = counts.getOrDefault(StatsAttributes.DUAL_WRITE_FAILURES, 0.0);
            values[9] = counts.getOrDefault(StatsAttributes.DIVERGENCES, 0.0);
            values[10] = counts.getOrDefault(StatsAttributes.ERROR_KEYS, 0.0);
            values[17] = counts.getOrDefault(StatsAttributes.THROTTLE_SLEEP_MS, 0.0);
            values[19] = nodes.size();
            return values;
        }
    }
}
