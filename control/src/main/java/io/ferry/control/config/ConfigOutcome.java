package io.ferry.control.config;

/**
 * What applying one proposal did. {@code message} is the target's error for a refusal (e.g. {@code ERR unknown
 * command 'CONFIG'} on a managed service), or what the target holds after the change.
 */
public record ConfigOutcome(String name, String value, Result result, String message) {
    public enum Result {
        APPLIED,
        REFUSED,
        /** CONFIG SET said OK, but CONFIG GET reads back something else (the server normalised or ignored it). */
        NOT_TAKEN
    }
}
