package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandInfo;

import java.nio.charset.StandardCharsets;

/**
 * Whether a command may run on a source connection shared with other clients, decided from the
 * command table (invariant 4 of the design: connection-affine commands keep their connection
 * semantics).
 */
enum Affinity {
    /** Means the same on any connection: reads, writes, scripts, PING, ECHO, PUBLISH, INFO, ... */
    SHAREABLE,
    /**
     * WAIT and WAITAOF: they wait for the writes this connection made, so they must run on the
     * connection that carried the client's last write.
     */
    LAST_WRITE,
    /**
     * Needs a connection of the client's own: it changes or reads connection state (SELECT, HELLO,
     * CLIENT, RESET, MULTI/WATCH, SUBSCRIBE, READONLY), may hold the connection (blocking commands,
     * MONITOR, DEBUG SLEEP and other admin commands), or is unknown.
     */
    OWN_CONNECTION;

    private static final byte[] PING = ascii("PING");
    private static final byte[] ECHO = ascii("ECHO");
    private static final byte[] PUBLISH = ascii("PUBLISH");
    private static final byte[] SPUBLISH = ascii("SPUBLISH");
    private static final byte[] PUBSUB = ascii("PUBSUB");
    private static final byte[] WAIT = ascii("WAIT");
    private static final byte[] WAITAOF = ascii("WAITAOF");

    /** The affinity of {@code command}, whose table entry is {@code info}. Allocation-free. */
    static Affinity of(CommandInfo info, CommandMessage command) {
        return switch (info.kindOf(command)) {
            case READ, WRITE, SCRIPTING, SERVER -> SHAREABLE;
            case CONNECTION -> command.nameEquals(PING) || command.nameEquals(ECHO) ? SHAREABLE : OWN_CONNECTION;
            case PUBSUB ->
                command.nameEquals(PUBLISH) || command.nameEquals(SPUBLISH) || command.nameEquals(PUBSUB)
                        ? SHAREABLE
                        : OWN_CONNECTION;
            case BLOCKING -> command.nameEquals(WAIT) || command.nameEquals(WAITAOF) ? LAST_WRITE : OWN_CONNECTION;
            case ADMIN, TRANSACTION, UNKNOWN -> OWN_CONNECTION;
        };
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
