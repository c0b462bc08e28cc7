package io.ferry.comparator.verify;

/** A verify that could not finish: a side failed or refused what the verify needs. The message says which. */
public final class VerifyException extends RuntimeException {
    public VerifyException(String message, Throwable cause) {
        super(message, cause);
    }
}
