package io.ferry.comparator.replay;

/** A side could not be reached or refused the comparator's session; the message names the endpoint, never a secret. */
public final class ReplayException extends RuntimeException {
    public ReplayException(String message) {
        super(message);
    }

    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
