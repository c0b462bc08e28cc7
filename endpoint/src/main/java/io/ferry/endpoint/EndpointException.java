package io.ferry.endpoint;

/** A Redis endpoint could not be reached, logged into, or asked what it is; the message names the endpoint. */
public final class EndpointException extends RuntimeException {
    public EndpointException(String message, Throwable cause) {
        super(message, cause);
    }

    public EndpointException(String message) {
        super(message);
    }
}
