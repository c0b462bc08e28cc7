package io.ferry.analyzer;

import java.time.Duration;
import java.util.Objects;

/**
 * What the analyzer topology measures and how: the window, how often results are published, what
 * counts as a big value, how keys are grouped, which target the traffic is checked against.
 * Immutable; validated when built.
 *
 * @param runId the migration run the analysis belongs to, or null
 * @param window the size of the tumbling windows
 * @param emitInterval how often changed windows and the overall profile are published to the analysis
 *     topic (and partial results are passed on from the traffic partitions)
 * @param windowsKept how many window lengths the windows store covers, back from the newest window
 * @param bigValueBytes a reply or argument at least this big counts as a big value
 * @param prefixSeparators characters that end a key prefix
 * @param maxPrefixes key prefixes tracked one by one; more go to {@value CountMap#OTHER}
 * @param maxCommands command names tracked one by one (counts, latency); more go to {@value
 *     CountMap#OTHER}
 * @param topKeys hot keys reported
 * @param target the target the commands are checked against
 */
public record AnalyzerConfig(
        String runId,
        Duration window,
        Duration emitInterval,
        int windowsKept,
        long bigValueBytes,
        String prefixSeparators,
        int maxPrefixes,
        int maxCommands,
        int topKeys,
        TargetProfile target) {

    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final Duration DEFAULT_EMIT_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_WINDOWS_KEPT = 1440;
    public static final long DEFAULT_BIG_VALUE_BYTES = 1024 * 1024;
    public static final String DEFAULT_PREFIX_SEPARATORS = ":";
    public static final int DEFAULT_MAX_PREFIXES = 100;
    public static final int DEFAULT_MAX_COMMANDS = 256;
    public static final int DEFAULT_TOP_KEYS = 20;

    public static final AnalyzerConfig DEFAULTS = new AnalyzerConfig(
            null,
            DEFAULT_WINDOW,
            DEFAULT_EMIT_INTERVAL,
            DEFAULT_WINDOWS_KEPT,
            DEFAULT_BIG_VALUE_BYTES,
            DEFAULT_PREFIX_SEPARATORS,
            DEFAULT_MAX_PREFIXES,
            DEFAULT_MAX_COMMANDS,
            DEFAULT_TOP_KEYS,
            TargetProfile.REDIS);

    public AnalyzerConfig {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(emitInterval, "emitInterval");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(prefixSeparators, "prefixSeparators");
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("window: " + window.toMillis() + " ms (expected: >= 1000)");
        }
        if (emitInterval.toMillis() < 10) {
            throw new IllegalArgumentException("emit interval: " + emitInterval.toMillis() + " ms (expected: >= 10)");
        }
        range("windows kept", windowsKept, 1, 1_000_000);
        range("big value bytes", bigValueBytes, 1, Long.MAX_VALUE);
        range("max prefixes", maxPrefixes, 1, 10_000);
        range("max commands", maxCommands, 1, 10_000);
        range("top keys", topKeys, 1, 500);
        new KeyPrefix(prefixSeparators);
    }

    private static void range(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: " + min + " to " + max + ")");
        }
    }

    public AnalyzerConfig withRunId(String id) {
        return new AnalyzerConfig(
                id,
                window,
                emitInterval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                target);
    }

    public AnalyzerConfig withWindow(Duration size) {
        return new AnalyzerConfig(
                runId,
                size,
                emitInterval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                target);
    }

    public AnalyzerConfig withEmitInterval(Duration interval) {
        return new AnalyzerConfig(
                runId,
                window,
                interval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                target);
    }

    public AnalyzerConfig withWindowsKept(int kept) {
        return new AnalyzerConfig(
                runId,
                window,
                emitInterval,
                kept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                target);
    }

    public AnalyzerConfig withBigValueBytes(long bytes) {
        return new AnalyzerConfig(
                runId,
                window,
                emitInterval,
                windowsKept,
                bytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                target);
    }

    public AnalyzerConfig withPrefixes(String separators, int max) {
        return new AnalyzerConfig(
                runId, window, emitInterval, windowsKept, bigValueBytes, separators, max, maxCommands, topKeys, target);
    }

    public AnalyzerConfig withMaxCommands(int max) {
        return new AnalyzerConfig(
                runId,
                window,
                emitInterval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                max,
                topKeys,
                target);
    }

    public AnalyzerConfig withTopKeys(int top) {
        return new AnalyzerConfig(
                runId,
                window,
                emitInterval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                top,
                target);
    }

    public AnalyzerConfig withTarget(TargetProfile profile) {
        return new AnalyzerConfig(
                runId,
                window,
                emitInterval,
                windowsKept,
                bigValueBytes,
                prefixSeparators,
                maxPrefixes,
                maxCommands,
                topKeys,
                profile);
    }

    /** The start of the window holding {@code epochMillis}. */
    public long windowStart(long epochMillis) {
        long size = window.toMillis();
        return Math.floorDiv(epochMillis, size) * size;
    }
}
