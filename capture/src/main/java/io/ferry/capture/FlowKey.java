package io.ferry.capture;

/**
 * A TCP connection between a client and a server port, the same whichever way a packet goes.
 * Addresses as two longs each (IPv4 in the low 32 bits of {@code low}). Immutable.
 */
record FlowKey(
        boolean ipv6,
        long clientHigh,
        long clientLow,
        int clientPort,
        long serverHigh,
        long serverLow,
        int serverPort) {}
