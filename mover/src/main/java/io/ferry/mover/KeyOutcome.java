package io.ferry.mover;

/** How the copy of one key ended. */
public enum KeyOutcome {
    /** The target now holds the source's value and expiry. */
    COPIED,
    /** MERGE: the target's collection now also holds the source's fields, members or elements. */
    MERGED,
    /** MERGE: the target held a string or stream, which cannot be combined, and now holds the source's. */
    REPLACED_ON_MERGE,
    /** The target already held the key and the conflict policy left it (NONE). */
    SKIPPED,
    /** The key was gone from the source (deleted or expired) by the time it was read: nothing to copy. */
    VANISHED,
    /** The copy failed; the error says why. */
    FAILED
}
