package io.ferry.comparator.verify;

/**
 * How a key compared. The mismatches ({@link #isMismatch}) carry the names of the divergences topic's
 * kinds; the others are not differences.
 */
public enum Verdict {
    /** Same type, value and expiry (within the tolerance). */
    EQUAL,
    /** On neither side any more: deleted or expired between the SCAN and the read. */
    GONE,
    /** Missing on the target, but the source's copy expires within the tolerance: not counted as missing. */
    EXPIRING,
    /** On the source, not on the target. */
    MISSING,
    /** On the target, not on the source. */
    EXTRA,
    /** Of another type on each side. */
    TYPE,
    /** Same type, another value. */
    VALUE,
    /** Same value, expiries further apart than the tolerance (or only one side expires). */
    TTL;

    public boolean isMismatch() {
        return ordinal() >= MISSING.ordinal();
    }
}
