package io.ferry.resp;

import io.netty.handler.codec.DecoderException;

/**
 * Input that is not valid RESP, or that exceeds a {@link RespLimits} bound. Thrown by {@link
 * RespDecoder}, which then discards all further input: the connection cannot be resynchronised and
 * must be closed.
 *
 * <p>{@link #redisMessage()} is worded as Redis words the same failure ({@code Protocol error: invalid
 * bulk length}), so a proxy can reply {@code -ERR <redisMessage>} before closing, exactly as Redis
 * would; {@link #getMessage()} adds the detail for logs, such as {@code length: 2147483647 (expected:
 * <= 536870912)}.
 */
public final class RespProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    private final String redisMessage;

    public RespProtocolException(String redisMessage, String detail) {
        super(detail == null ? redisMessage : redisMessage + "; " + detail);
        this.redisMessage = redisMessage;
    }

    /** The Redis-style message without detail, safe to send to the peer. */
    public String redisMessage() {
        return redisMessage;
    }
}
