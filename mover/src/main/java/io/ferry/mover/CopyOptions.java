package io.ferry.mover;

import io.ferry.schemas.ConflictPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * How keys are copied: what to do with a key the target already holds, how much one pipelined round
 * trip carries, which keys are too big to copy whole and how big a chunk of them is, and how a key that
 * fails is retried before it is reported. Immutable; change one field with a {@code with...} method,
 * which validates like the constructor.
 *
 * @param conflictPolicy {@link ConflictPolicy#REPLACE} overwrites, {@link ConflictPolicy#NONE} leaves
 *     the target's key and reports it as skipped, {@link ConflictPolicy#MERGE} combines collections
 *     (see {@link ChunkedCopier})
 * @param windowKeys keys whose DUMP payloads are held at once (one pipelined round trip per side)
 * @param windowBytes the most bytes of DUMP payloads (by the source's MEMORY USAGE estimate) one window
 *     holds; a window is cut short when the next key would go over
 * @param bigKeyBytes a key whose MEMORY USAGE is above this is copied in chunks with its type's own
 *     commands instead of DUMP, so neither the mover nor the source holds it whole in memory
 * @param chunkElements elements (fields, members, list items, stream entries) per chunk of a big key
 * @param chunkBytes bytes per chunk of a big string
 * @param maxAttempts tries per key before it goes to the errors topic
 * @param retryBackoff wait before the second try, doubled for each further one
 * @param resync which keys written through the proxy the reconciler copies again (see {@link Resync})
 * @param outageLimit how long a worker waits for a side that stopped answering (restarting, failing over) before it
 *     stops: keys caught by the outage are copied again once the side is back, not reported as failed
 */
public record CopyOptions(
        ConflictPolicy conflictPolicy,
        int windowKeys,
        long windowBytes,
        long bigKeyBytes,
        int chunkElements,
        int chunkBytes,
        int maxAttempts,
        Duration retryBackoff,
        Resync resync,
        Duration outageLimit) {
    public static final CopyOptions DEFAULTS = new CopyOptions(
            ConflictPolicy.REPLACE,
            200,
            64L << 20,
            64L << 20,
            1000,
            1 << 20,
            3,
            Duration.ofMillis(200),
            Resync.SUSPECT_WRITES,
            Duration.ofSeconds(120));

    /** Which written keys the reconciler copies again from the source. */
    public enum Resync {
        /**
         * The run's target, which the proxy dual-writes: the keys its write may have left wrong (written while the
         * historical copy ran, flagged, not acknowledged by both sides, or racing the reconciler's own copy).
         */
        SUSPECT_WRITES,
        /**
         * A mirror target, which the proxy never writes: every key written is copied again, so the mirror follows
         * the source a moment behind it.
         */
        EVERY_WRITE
    }

    public CopyOptions {
        Objects.requireNonNull(conflictPolicy, "conflictPolicy");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(resync, "resync");
        Objects.requireNonNull(outageLimit, "outageLimit");
        if (windowKeys < 1 || windowKeys > 100_000) {
            throw new IllegalArgumentException("windowKeys: " + windowKeys + " (expected: 1 to 100000)");
        }
        if (windowBytes < 1) {
            throw new IllegalArgumentException("windowBytes: " + windowBytes + " (expected: >= 1)");
        }
        if (bigKeyBytes < 1) {
            throw new IllegalArgumentException("bigKeyBytes: " + bigKeyBytes + " (expected: >= 1)");
        }
        if (chunkElements < 1 || chunkElements > 1_000_000) {
            throw new IllegalArgumentException("chunkElements: " + chunkElements + " (expected: 1 to 1000000)");
        }
        if (chunkBytes < 1024 || chunkBytes > (256 << 20)) {
            throw new IllegalArgumentException("chunkBytes: " + chunkBytes + " (expected: 1024 to 268435456)");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        if (outageLimit.isNegative()) {
            throw new IllegalArgumentException("outageLimit: " + outageLimit + " (expected: >= 0)");
        }
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff: " + retryBackoff + " (expected: >= 0)");
        }
    }

    public CopyOptions withConflictPolicy(ConflictPolicy policy) {
        return new CopyOptions(
                policy,
                windowKeys,
                windowBytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                resync,
                outageLimit);
    }

    public CopyOptions withWindowKeys(int keys) {
        return new CopyOptions(
                conflictPolicy,
                keys,
                windowBytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                resync,
                outageLimit);
    }

    public CopyOptions withWindowBytes(long bytes) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                bytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                resync,
                outageLimit);
    }

    public CopyOptions withBigKeyBytes(long bytes) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                windowBytes,
                bytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                resync,
                outageLimit);
    }

    public CopyOptions withChunks(int elements, int bytes) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                windowBytes,
                bigKeyBytes,
                elements,
                bytes,
                maxAttempts,
                retryBackoff,
                resync,
                outageLimit);
    }

    public CopyOptions withRetries(int attempts, Duration backoff) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                windowBytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                attempts,
                backoff,
                resync,
                outageLimit);
    }

    public CopyOptions withResync(Resync which) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                windowBytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                which,
                outageLimit);
    }

    public CopyOptions withOutageLimit(Duration limit) {
        return new CopyOptions(
                conflictPolicy,
                windowKeys,
                windowBytes,
                bigKeyBytes,
                chunkElements,
                chunkBytes,
                maxAttempts,
                retryBackoff,
                resync,
                limit);
    }
}
