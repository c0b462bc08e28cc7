package io.ferry.comparator.verify;

import io.ferry.resp.KeyPattern;

import java.time.Duration;
import java.util.List;

/**
 * How a keyspace verify compares. Immutable; each value is checked when the record is built.
 *
 * @param workers threads comparing windows of keys, each with its own connections
 * @param windowKeys keys per SCAN page and per comparison round trip
 * @param bigKeyBytes a key above this (by MEMORY USAGE) is never DUMPed: it is compared in chunks
 * @param chunkElements fields, members, list items or stream entries per chunk of a big or differing key
 * @param chunkBytes bytes of a string per GETRANGE chunk
 * @param ttlTolerance how far the two expiries may be apart; a key expiring within it is not missing
 * @param rounds how many times a mismatch is compared before it is confirmed (1: no re-check)
 * @param roundDelay the pause before a re-check round, so writes in flight land on both sides
 * @param findExtra also walk the target to find keys the source does not have
 * @param sampleSize mismatches of each kind kept for the report
 * @param include key patterns to verify (empty: every key), as for {@code ferry copy}
 * @param exclude key patterns never verified
 */
public record VerifyOptions(
        int workers,
        int windowKeys,
        long bigKeyBytes,
        int chunkElements,
        int chunkBytes,
        Duration ttlTolerance,
        int rounds,
        Duration roundDelay,
        boolean findExtra,
        int sampleSize,
        List<KeyPattern> include,
        List<KeyPattern> exclude) {

    public static final VerifyOptions DEFAULTS = new VerifyOptions(
            2,
            200,
            64L << 20,
            1_000,
            1 << 20,
            Duration.ofSeconds(2),
            3,
            Duration.ofSeconds(1),
            false,
            10,
            List.of(),
            List.of());

    public VerifyOptions {
        check("workers", workers, 1, 64);
        check("windowKeys", windowKeys, 1, 100_000);
        check("chunkElements", chunkElements, 1, 1_000_000);
        check("chunkBytes", chunkBytes, 1, 512 << 20);
        check("rounds", rounds, 1, 100);
        check("sampleSize", sampleSize, 0, 10_000);
        if (bigKeyBytes < 1) {
            throw new IllegalArgumentException("bigKeyBytes: " + bigKeyBytes + " (expected: >= 1)");
        }
        if (ttlTolerance.isNegative() || roundDelay.isNegative()) {
            throw new IllegalArgumentException(
                    "ttlTolerance " + ttlTolerance + ", roundDelay " + roundDelay + " (expected: >= 0)");
        }
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: between " + min + " and " + max + ")");
        }
    }

    public VerifyOptions withWorkers(int value) {
        return new VerifyOptions(
                value,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                rounds,
                roundDelay,
                findExtra,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withWindowKeys(int value) {
        return new VerifyOptions(
                workers,
                value,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                rounds,
                roundDelay,
                findExtra,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withBigKeys(long bytes, int elements, int chunk) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bytes,
                elements,
                chunk,
                ttlTolerance,
                rounds,
                roundDelay,
                findExtra,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withTtlTolerance(Duration value) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                value,
                rounds,
                roundDelay,
                findExtra,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withRounds(int value, Duration delay) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                value,
                delay,
                findExtra,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withFindExtra(boolean value) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                rounds,
                roundDelay,
                value,
                sampleSize,
                include,
                exclude);
    }

    public VerifyOptions withSampleSize(int value) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                rounds,
                roundDelay,
                findExtra,
                value,
                include,
                exclude);
    }

    public VerifyOptions withKeys(List<KeyPattern> includes, List<KeyPattern> excludes) {
        return new VerifyOptions(
                workers,
                windowKeys,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                ttlTolerance,
                rounds,
                roundDelay,
                findExtra,
                sampleSize,
                includes,
                excludes);
    }

    /** True when {@code key} is to be verified under the include and exclude patterns. */
    public boolean selects(byte[] key) {
        for (KeyPattern pattern : exclude) {
            if (pattern.matches(key)) {
                return false;
            }
        }
        if (include.isEmpty()) {
            return true;
        }
        for (KeyPattern pattern : include) {
            if (pattern.matches(key)) {
                return true;
            }
        }
        return false;
    }
}
