package io.ferry.workload;

/** The check could not go on: a server refused a read or did not answer. */
public final class CheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
