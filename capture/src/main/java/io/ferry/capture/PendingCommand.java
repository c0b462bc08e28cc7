package io.ferry.capture;

import io.ferry.traffic.CapturedCommand;

import java.nio.ByteBuffer;

/**
 * A command of one connection waiting for its reply, with what it will change on the connection once
 * answered ({@link ConnectionState}). Owned by the connection's {@link RespPairer}; not thread-safe.
 */
final class PendingCommand {
    /** Rough bytes a waiting command costs beyond its copied keys and arguments. */
    private static final int OVERHEAD = 256;

    /** What a command changes on its connection once it succeeds. */
    enum Effect {
        NONE,
        SELECT,
        HELLO,
        RESET
    }

    final CapturedCommand command;
    final long sequence;
    final long timestampNanos;
    /** Bytes held, roughly: copied keys and arguments and the overhead. */
    final long bytes;
    /** True when the server sends no reply to it (CLIENT REPLY OFF or SKIP). */
    final boolean noReply;

    Effect effect = Effect.NONE;
    int effectValue;
    /** For the subscribe family: the index in {@link ConnectionState}'s subscribe kinds, else -1. */
    int subscribeKind = -1;
    /** Confirmations still expected (one per channel of a SUBSCRIBE). */
    int confirmationsLeft;
    /** True once its record was published (with the first confirmation). */
    boolean recorded;

    PendingCommand(CapturedCommand command, long sequence, long timestampNanos, boolean noReply) {
        this.command = command;
        this.sequence = sequence;
        this.timestampNanos = timestampNanos;
        this.noReply = noReply;
        long size = OVERHEAD;
        for (ByteBuffer key : command.keys()) {
            size += key.remaining();
        }
        for (ByteBuffer arg : command.args()) {
            size += arg.remaining();
        }
        this.bytes = size;
    }
}
