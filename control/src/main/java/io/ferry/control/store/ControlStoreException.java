package io.ferry.control.store;

/** Kafka could not be read or did not take a change: the control plane's state is not what was asked. */
public final class ControlStoreException extends RuntimeException {
    public ControlStoreException(String message) {
        super(message);
    }

    public ControlStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
