package io.ferry.proxy;

import io.ferry.resp.RespMessage;
import io.ferry.schemas.Side;
import io.netty.channel.Channel;

import java.util.ArrayDeque;

/**
 * One side of the migration (source or target) as one client uses it: the event loop's shared
 * connections to that side, the client's own connection to it once it has one, and the exchanges
 * in flight there. Commands of one client reach one side in the order the client sent them: a
 * client moves its commands for a side to another connection only when nothing is in flight on that
 * side.
 *
 * <p>Confined to the client's event loop.
 */
final class Lane implements Backend.Listener {
    final Side side;
    final Backend backend;
    /** The event loop's shared connections to this side; null with {@link SourceConnections#PER_CLIENT}. */
    final SharedSource shared;

    private final ClientSession session;

    /** The client's own connection to this side, once open. */
    Channel own;
    /** The own connection is being opened. */
    boolean opening;
    /** The own connection could not be opened: why (mirrored commands then skip this side). */
    String unavailable;
    /** When to try reaching the side again after {@link #unavailable}, in {@link System#nanoTime()}. */
    long retryAt;
    /** Exchanges sent on {@link #own}, in order. */
    final ArrayDeque<Exchange> ownOwed = new ArrayDeque<>();

    /** The shared connection this client's exchanges in flight on this side are on; null: on its own. */
    SharedConnection link;
    /** Exchanges of this client sent to this side and not yet answered. */
    int inFlight;
    /** The shared connection that carried the client's last write to this side; null if none or own. */
    SharedConnection lastWrite;

    Lane(Side side, Backend backend, SharedSource shared, ClientSession session) {
        this.side = side;
        this.backend = backend;
        this.shared = shared;
        this.session = session;
    }

    boolean hasOwn() {
        return own != null;
    }

    /** Whether this side can take more of the client's commands now without queueing without bound. */
    boolean isWritable() {
        if (own != null) {
            return own.isWritable();
        }
        return link == null || link.isWritable();
    }

    void flush() {
        if (own != null) {
            own.flush();
        }
    }

    @Override
    public void onReply(RespMessage reply) {
        session.onOwnReply(this, reply);
    }

    @Override
    public void onReadComplete() {
        session.onOwnReadComplete();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        session.onLaneWritable(this);
    }

    @Override
    public void onInactive() {
        session.onOwnInactive(this);
    }

    @Override
    public void onFailure(Throwable cause) {
        session.onOwnFailure(this, cause);
    }

    @Override
    public String toString() {
        return side.name().toLowerCase(java.util.Locale.ROOT);
    }
}
