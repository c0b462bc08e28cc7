package io.ferry.control.compat;

/** How much a finding matters. Only {@link Finding#blocking} stops a migration; severity orders the list. */
public enum Severity {
    /** Worth knowing; nothing to do. */
    INFO,
    /** May change behaviour after the move: review, and acknowledge with a note. */
    WARNING,
    /** The migration would fail or lose data as planned. */
    CRITICAL
}
