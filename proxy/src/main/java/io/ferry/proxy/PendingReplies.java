package io.ferry.proxy;

import java.util.Arrays;

/**
 * What each reply still owed to a client stands for, in order: a first-in first-out queue of small
 * codes, one byte each, growing as a client pipelines. Confined to the session's event loop.
 */
final class PendingReplies {
    /** A client command whose reply is forwarded as it is. */
    static final byte FORWARD = 0;
    /** AUTH: a success authenticates the client. */
    static final byte AUTH = 1;
    /** HELLO with AUTH: a success authenticates the client. */
    static final byte HELLO_AUTH = 2;
    /** QUIT: the client is closed once the reply is written. */
    static final byte QUIT = 3;
    /** RESET: the backend forgets its authentication and database, which Ferry restores. */
    static final byte RESET = 4;
    /** Ferry's own command to the backend (AUTH, SELECT); the reply is not the client's. */
    static final byte INTERNAL = 5;
    /**
     * Ferry replaying on a client's new own connection what the client set while it shared one
     * (CLIENT SETNAME, CLIENT SETINFO); not the client's, and an error is only logged.
     */
    static final byte REPLAY = 6;

    private byte[] ring = new byte[16];
    private int head;
    private int size;

    void add(byte kind) {
        if (size == ring.length) {
            byte[] bigger = new byte[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = kind;
        size++;
    }

    /** The oldest code, removed; -1 when nothing is owed. */
    int poll() {
        if (size == 0) {
            return -1;
        }
        byte kind = ring[head];
        head = (head + 1) & (ring.length - 1);
        size--;
        return kind;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** How many owed replies are the client's (not Ferry's own). */
    int clientReplies() {
        int count = 0;
        for (int i = 0; i < size; i++) {
            byte kind = ring[(head + i) & (ring.length - 1)];
            if (kind != INTERNAL && kind != REPLAY) {
                count++;
            }
        }
        return count;
    }

    void clear() {
        head = 0;
        size = 0;
        Arrays.fill(ring, (byte) 0);
    }
}
