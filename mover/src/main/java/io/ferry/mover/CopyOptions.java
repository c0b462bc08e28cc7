package io.ferry.mover;

import io.ferry.schemas.ConflictPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * How keys are copied: what to do with a key the target already holds, how many keys one pipelined
 * round trip carries, and how a key that fails is retried before it is reported. Immutable.
 *
 * @param conflictPolicy {@link ConflictPolicy#REPLACE} overwrites, {@link ConflictPolicy#NONE} leaves
 *     the target's key and reports it as skipped; {@code MERGE} is not supported yet and refused
 * @param windowKeys keys whose DUMP payloads are held at once (one pipelined round trip per side)
 * @param maxAttempts tries per key before it goes to the errors topic
 * @param retryBackoff wait before the second try, doubled for each further one
 */
public record CopyOptions(ConflictPolicy conflictPolicy, int windowKeys, int maxAttempts, Duration retryBackoff) {
    public static final CopyOptions DEFAULTS = new CopyOptions(ConflictPolicy.REPLACE, 200, 3, Duration.ofMillis(200));

    public CopyOptions {
        Objects.requireNonNull(conflictPolicy, "conflictPolicy");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (conflictPolicy == ConflictPolicy.MERGE) {
            throw new IllegalArgumentException(
                    "conflict policy MERGE is not supported yet (expected: REPLACE or NONE)");
        }
        if (windowKeys < 1 || windowKeys > 100_000) {
            throw new IllegalArgumentException("windowKeys: " + windowKeys + " (expected: 1 to 100000)");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
    }

    public CopyOptions withConflictPolicy(ConflictPolicy policy) {
        return new CopyOptions(policy, windowKeys, maxAttempts, retryBackoff);
    }

    public CopyOptions withWindowKeys(int keys) {
        return new CopyOptions(conflictPolicy, keys, maxAttempts, retryBackoff);
    }
}
