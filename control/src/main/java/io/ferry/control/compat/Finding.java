package io.ferry.control.compat;

import java.util.Objects;

/**
 * One result of a compatibility check. A blocking finding stops approval until what it names is fixed and the
 * checks run again; a non-blocking one is acknowledged by the operator with a note. Never holds a secret.
 *
 * @param check the check's id, e.g. {@code dump-payload}
 * @param severity how much it matters
 * @param blocking true when the migration must not start while it holds
 * @param summary one line saying what was found
 * @param remedy what the operator can do about it; empty when nothing is needed
 */
public record Finding(String check, Severity severity, boolean blocking, String summary, String remedy) {
    public Finding {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(remedy, "remedy");
        if (blocking && severity != Severity.CRITICAL) {
            throw new IllegalArgumentException("a blocking finding is CRITICAL: " + check);
        }
    }

    static Finding blocking(String check, String summary, String remedy) {
        return new Finding(check, Severity.CRITICAL, true, summary, remedy);
    }

    static Finding warning(String check, String summary, String remedy) {
        return new Finding(check, Severity.WARNING, false, summary, remedy);
    }

    static Finding info(String check, String summary) {
        return new Finding(check, Severity.INFO, false, summary, "");
    }
}
