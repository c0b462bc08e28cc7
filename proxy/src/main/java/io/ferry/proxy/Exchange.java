package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespMessage;
import io.ferry.schemas.Side;
import io.netty.util.ReferenceCountUtil;

/**
 * One command in flight for a client: which side's reply is the client's, what the other side's
 * reply is for, and the client's reply once it is decided. A connection (shared or the client's
 * own) keeps its exchanges first in first out, since Redis answers a connection in order; the client
 * keeps its visible exchanges in the order it sent the commands, and gets each reply when every
 * earlier one has been written.
 *
 * <p>Confined to the client's event loop.
 */
final class Exchange {
    /** One side; its reply is the client's. */
    static final byte SINGLE = 0;
    /** Both sides; the served side's reply is the client's as soon as it comes, the other's is tracked. */
    static final byte MIRRORED = 1;
    /** Both sides; the client's reply waits for both, and is an error naming a side that failed. */
    static final byte BOTH_REQUIRED = 2;
    /** The target first; when it has nothing, the source is asked and its reply is the client's. */
    static final byte FALLBACK = 3;
    /** Both sides read; the served side's reply is the client's at once, the two are compared. */
    static final byte COMPARED = 4;

    /** What the reply stands for ({@link ReplyKind} codes). */
    final byte kind;
    /** A reply the client is owed; false for Ferry's own commands (handshake, replays, syncs). */
    final boolean visible;

    ClientSession session;
    /** The client is gone or was failed: replies still coming are dropped. */
    boolean dead;
    /** When the command was sent, for the time limit on the side that does not serve it and for latency. */
    long sentNanos;
    /** Where each side's reply time is recorded; null for Ferry's own commands and replies it decides itself. */
    CommandLatency.Command latency;

    byte plan = SINGLE;
    Side served = Side.SOURCE;
    /** Replies still to come, from either side. */
    int owed;

    /** The client's reply, once decided. */
    RespMessage reply;

    boolean ready;

    /** The served side's reply, kept for a comparison or a decision needing both (owned here). */
    RespMessage servedCopy;
    /** The other side's reply (owned here until compared or released). */
    RespMessage other;
    /** The other side failed: the connection was lost, timed out, or the command was not sent. */
    String otherFailure;

    boolean otherDone;

    /** FALLBACK: the command, retained, to send to the source on a miss. */
    CommandMessage retry;

    /** The write or read being traced for the writes log and divergence reports; null when not traced. */
    WriteTrace trace;

    /** The command being captured for the traffic log; null when not sampled. */
    TrafficTrace traffic;

    /** For SELECT and HELLO: the database or protocol asked for. */
    int argument;

    Exchange(byte kind, boolean visible) {
        this.kind = kind;
        this.visible = visible;
    }

    /** A reply the proxy decides itself, ready at once. */
    static Exchange answered(byte kind, RespMessage reply) {
        Exchange exchange = new Exchange(kind, true);
        exchange.reply = reply;
        exchange.ready = true;
        return exchange;
    }

    /** Releases every message still held (the client is gone or was failed). */
    void discard() {
        ReferenceCountUtil.release(reply);
        ReferenceCountUtil.release(servedCopy);
        ReferenceCountUtil.release(other);
        ReferenceCountUtil.release(retry);
        reply = null;
        servedCopy = null;
        other = null;
        retry = null;
    }
}
