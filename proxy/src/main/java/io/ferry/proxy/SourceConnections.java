package io.ferry.proxy;

/** How client connections map onto connections to the source. */
public enum SourceConnections {
    /**
     * Clients share a pipelined source connection of their event loop for commands without connection
     * state (reads, writes, scripts, PING, PUBLISH, server introspection); a client gets a connection of
     * its own, for good, on its first command whose meaning depends on the connection (SELECT,
     * MULTI/WATCH, blocking commands, SUBSCRIBE, CLIENT, HELLO, RESET, AUTH as another user, unknown
     * commands). What the client sees is the same as with {@link #PER_CLIENT}; the source sees far
     * fewer connections and larger batches.
     */
    SHARED,
    /** Every client connection gets its own source connection when it connects. */
    PER_CLIENT
}
