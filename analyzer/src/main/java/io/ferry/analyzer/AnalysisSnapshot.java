package io.ferry.analyzer;

import io.ferry.schemas.AnalysisRecord;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The analysis topic folded: for each metric and dimension the latest record, for the overall profile
 * and for each window (the newest {@code maxWindows} windows). The analyzer republishes a window or the
 * overall profile whole whenever it changes, so the latest record of a key is its current value.
 * Not thread-safe.
 */
public final class AnalysisSnapshot {
    private final int maxWindows;
    private final Map<String, AnalysisRecord> overall = new LinkedHashMap<>();
    private final NavigableMap<Long, Map<String, AnalysisRecord>> windows = new TreeMap<>();

    /** A snapshot keeping the newest {@code maxWindows} windows (0: the overall profile only). */
    public AnalysisSnapshot(int maxWindows) {
        if (maxWindows < 0) {
            throw new IllegalArgumentException("maxWindows: " + maxWindows + " (expected: >= 0)");
        }
        this.maxWindows = maxWindows;
    }

    /** Takes {@code record} as the latest of its metric and dimension; records of another run are ignored. */
    public void add(AnalysisRecord record) {
        String metric = record.getMetric();
        if (metric.startsWith(AnalysisRecords.OVERALL_PREFIX)) {
            overall.put(key(metric.substring(AnalysisRecords.OVERALL_PREFIX.length()), record.getDimension()), record);
            return;
        }
        long start = record.getWindowStartMillis().toEpochMilli();
        if (maxWindows == 0) {
            return;
        }
        if (windows.size() >= maxWindows && !windows.containsKey(start)) {
            if (start < windows.firstKey()) {
                return;
            }
            windows.pollFirstEntry();
        }
        windows.computeIfAbsent(start, s -> new LinkedHashMap<>()).put(key(metric, record.getDimension()), record);
    }

    private static String key(String metric, String dimension) {
        return dimension == null ? metric : metric + "\u0000" + dimension;
    }

    /** True when no overall record was seen. */
    public boolean isEmpty() {
        return overall.isEmpty();
    }

    /** The latest overall record of {@code metric} (a {@link Metric} name) without dimension. */
    public Optional<AnalysisRecord> overall(String metric) {
        return Optional.ofNullable(overall.get(metric));
    }

    /** The overall value of {@code metric}, or {@code otherwise}. */
    public double overallValue(String metric, double otherwise) {
        return overall(metric).map(AnalysisRecord::getValue).orElse(otherwise);
    }

    /** The latest overall record of {@code metric} for {@code dimension}. */
    public Optional<AnalysisRecord> overall(String metric, String dimension) {
        return Optional.ofNullable(overall.get(key(metric, dimension)));
    }

    /** The overall records of {@code metric} by dimension, in the order they came. */
    public Map<String, AnalysisRecord> overallByDimension(String metric) {
        Map<String, AnalysisRecord> byDimension = new LinkedHashMap<>();
        String prefix = metric + "\u0000";
        overall.forEach((key, record) -> {
            if (key.startsWith(prefix)) {
                byDimension.put(record.getDimension(), record);
            }
        });
        return byDimension;
    }

    /** The window records by window start, then by metric (and {@code metric NUL dimension}). */
    public NavigableMap<Long, Map<String, AnalysisRecord>> windows() {
        return Collections.unmodifiableNavigableMap(windows);
    }

    /** The value of {@code metric} without dimension in the window starting at {@code windowStart}. */
    public Optional<Double> windowValue(long windowStart, String metric) {
        Map<String, AnalysisRecord> window = windows.get(windowStart);
        return window == null
                ? Optional.empty()
                : Optional.ofNullable(window.get(metric)).map(AnalysisRecord::getValue);
    }
}
