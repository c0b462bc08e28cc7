package io.ferry.workload;

/** The check could not go on: a server refused a read or did not answer, or cannot be checked as given. */
public final class CheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckException(String message) {
        super(message);
    }

    public CheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
