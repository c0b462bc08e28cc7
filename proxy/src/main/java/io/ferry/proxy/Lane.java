package io.ferry.proxy;

import io.ferry.resp.RespMessage;
import io.ferry.schemas.Side;
import io.netty.channel.Channel;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
    /**
     * The event loop's shared connections to this side, in the client's protocol; null with {@link
     * SourceConnections#PER_CLIENT}.
     */
    SharedSource shared;
    /**
     * The event loop's connections to this side's Redis Cluster nodes, in the client's protocol; null when the side
     * is one server.
     */
    ClusterConnections cluster;

    private final ClientSession session;

    /** The client's own connection to this side, once open. */
    Channel own;
    /** The endpoint {@link #own} was opened to: {@link #backend}, or a node of a cluster target. */
    Backend ownBackend;
    /**
     * A cluster target: the node the client's next command that needs its own connection must run on (the one
     * serving its keys); null: {@link #backend}, or the node of the connection already open.
     */
    Backend nodeWanted;
    /** A cluster target: the client's MULTI was answered and waits to be sent with its first command. */
    boolean multiDeferred;
    /** The own connection is being opened. */
    boolean opening;
    /** The own connection could not be opened: why (mirrored commands then skip this side). */
    String unavailable;
    /** When to try reaching the side again after {@link #unavailable}, in {@link System#nanoTime()}. */
    long retryAt;
    /** Exchanges sent on {@link #own}, in order. */
    final ArrayDeque<Exchange> ownOwed = new ArrayDeque<>();
    /** The own connection was closed because a command it owed this side did not come back in time. */
    boolean timedOut;

    private ScheduledFuture<?> timeoutCheck;

    /** The shared connection this client's exchanges in flight on this side are on; null: on its own. */
    SharedConnection link;
    /** Exchanges of this client sent to this side and not yet answered. */
    int inFlight;
    /** The shared connection that carried the client's last write to this side; null if none or own. */
    SharedConnection lastWrite;

    // What choose() found for the next command.
    /** The client's own connection ({@link #own}). */
    static final int OWN = 0;
    /** The shared connection in {@link #chosen}. */
    static final int SHARED = 1;
    /** Not sent: a mirrored command that would have to wait, or find the side unwritable. */
    static final int SKIP = 2;
    /** The side could not be reached a moment ago: {@link #unavailable} says why. */
    static final int UNREACHABLE = 3;
    /** Wait: commands in flight on another connection of this side come first. */
    static final int WAIT_REPLIES = 4;
    /** Wait: the client's own connection is being opened. */
    static final int WAIT_OWN = 5;
    /** Wait: the shared connection is being opened; the session is called back when it is ready. */
    static final int WAIT_SHARED = 6;
    /** The side is a Redis Cluster: the command goes to {@link #cluster}, which routes it by slot. */
    static final int CLUSTER = 7;

    /** The shared connection {@link #choose} found. */
    SharedConnection chosen;

    Lane(Side side, Backend backend, SharedSource shared, ClusterConnections cluster, ClientSession session) {
        this.side = side;
        this.backend = backend;
        this.shared = shared;
        this.cluster = cluster;
        this.session = session;
    }

    /**
     * From now on the client's commands for this side go to {@code shared} or {@code cluster}: the event loop's
     * connections speaking the protocol the client chose. Only with nothing in flight on this side.
     */
    void use(SharedSource shared, ClusterConnections cluster) {
        this.shared = shared;
        this.cluster = cluster;
        link = null;
    }

    /**
     * Which connection of this side the client's next command goes to: its own when it has or needs
     * one ({@code ownMode}, or one connection per client), else {@code preferred} or the event loop's
     * shared one. A command waits rather than overtake commands in flight on another connection of
     * this side; a mirrored one is skipped rather than wait for a side that failed a moment ago or
     * cannot take more bytes.
     */
    int choose(boolean ownMode, boolean mirror, SharedConnection preferred) {
        if (cluster != null) {
            // A cluster source: the event loop's node connections until the client uses connection state;
            // then a connection of its own to the node behind its listener, as a cluster client connected to
            // that node. A cluster target: the node connections, except for what needs a connection of the
            // client's own (a transaction, a blocking command, a subscription, ... on a target that is
            // authoritative): one to the node serving the command's keys (nodeWanted).
            boolean needsOwn = session.ownWanted(this);
            if (!needsOwn) {
                if (own != null && !ownOwed.isEmpty()) {
                    // Not before what the client's own connection still owes it.
                    return WAIT_REPLIES;
                }
                return mirror && !cluster.isWritable() ? SKIP : CLUSTER;
            }
            if (inFlight > ownOwed.size()) {
                // Not before what the node connections still owe it.
                return WAIT_REPLIES;
            }
            if (side == Side.TARGET && own != null && nodeWanted != null && nodeWanted != ownBackend) {
                if (inFlight > 0) {
                    return WAIT_REPLIES;
                }
                // Another node's keys: the connection to the node before is closed, one to this node opened.
                retireOwn();
            }
            return chooseOwn(mirror);
        }
        if (ownMode || shared == null) {
            return chooseOwn(mirror);
        }
        SharedConnection connection = preferred != null ? preferred : shared.ready();
        if (connection == null) {
            if (unavailable != null && System.nanoTime() < retryAt) {
                // The side failed to connect a moment ago: a mirrored command skips it (and is
                // flagged for repair) rather than hold the client at every retry.
                return mirror ? SKIP : UNREACHABLE;
            }
            // ready() has begun opening one. Even a mirrored command waits for it: skipping would
            // leave a gap on that side from the very first write.
            shared.await(session);
            return WAIT_SHARED;
        }
        if (connection != link && inFlight > 0) {
            return WAIT_REPLIES;
        }
        if (mirror && !connection.isWritable()) {
            return SKIP;
        }
        chosen = connection;
        return SHARED;
    }

    private int chooseOwn(boolean mirror) {
        if (own != null) {
            if (link != null) {
                if (inFlight > 0) {
                    return WAIT_REPLIES;
                }
                link = null;
            }
            return mirror && !own.isWritable() ? SKIP : OWN;
        }
        if (unavailable != null && System.nanoTime() < retryAt) {
            return mirror ? SKIP : UNREACHABLE;
        }
        if (inFlight > 0) {
            return WAIT_REPLIES;
        }
        if (!opening) {
            session.openOwn(this);
        }
        return WAIT_OWN;
    }

    /**
     * Sends {@code command} (a {@link io.ferry.resp.CommandMessage}, or its RESP bytes) for {@code
     * exchange} over {@code connection}, or over the client's own connection when null.
     */
    void send(SharedConnection connection, Object command, Exchange exchange) {
        inFlight++;
        exchange.owed++;
        if (cluster != null && connection == null && (own == null || !session.ownWanted(this))) {
            cluster.write((io.ferry.resp.CommandMessage) command, exchange);
        } else if (connection == null) {
            ownOwed.add(exchange);
            own.write(command, own.voidPromise());
        } else {
            link = connection;
            connection.write(command, exchange);
        }
    }

    /**
     * Watches the own connection as a shared one is watched: a command this side does not serve (a
     * mirrored write, the other half of a compared read) unanswered past {@code mirrorTimeoutNanos}
     * means the side is stuck; the connection is closed, and its commands count as timed out and are
     * flagged for repair. Commands this side serves wait as they would on Redis itself.
     */
    void watch(long mirrorTimeoutNanos) {
        unwatch();
        if (mirrorTimeoutNanos <= 0 || own == null) {
            return;
        }
        Channel watched = own;
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), mirrorTimeoutNanos / 4);
        timeoutCheck = watched.eventLoop()
                .scheduleAtFixedRate(
                        () -> checkTimeout(watched, mirrorTimeoutNanos), period, period, TimeUnit.NANOSECONDS);
    }

    void unwatch() {
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
            timeoutCheck = null;
        }
    }

    private void checkTimeout(Channel watched, long mirrorTimeoutNanos) {
        if (own != watched) {
            unwatch();
            return;
        }
        Exchange oldest = ownOwed.peek();
        if (oldest != null
                && oldest.visible
                && oldest.served != side
                && System.nanoTime() - oldest.sentNanos > mirrorTimeoutNanos) {
            timedOut = true;
            watched.close();
        }
    }

    boolean hasOwn() {
        return own != null;
    }

    /**
     * Closes the client's own connection, which owes nothing, without counting it lost: its events are ignored
     * from now on ({@link OwnListener}).
     */
    void retireOwn() {
        Channel retired = own;
        own = null;
        ownBackend = null;
        unwatch();
        retired.close();
    }

    /** Whether this side can take more of the client's commands now without queueing without bound. */
    boolean isWritable() {
        if (own == null && cluster != null) {
            return cluster.isWritable();
        }
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

    /** The listener of one own connection being opened: its events reach this lane while it is {@link #own}. */
    OwnListener ownListener() {
        return new OwnListener();
    }

    /** Events of one own connection; those of a connection retired since ({@link #retireOwn}) are dropped. */
    final class OwnListener implements Backend.Listener {
        /** Set as soon as the connection is being opened. */
        Channel channel;

        private boolean current() {
            return own == null || own == channel;
        }

        @Override
        public void onReply(RespMessage reply) {
            if (own == channel) {
                Lane.this.onReply(reply);
            } else {
                io.netty.util.ReferenceCountUtil.release(reply);
            }
        }

        @Override
        public void onReadComplete() {
            if (current()) {
                Lane.this.onReadComplete();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (current()) {
                Lane.this.onWritabilityChanged(writable);
            }
        }

        @Override
        public void onInactive() {
            if (own == channel) {
                Lane.this.onInactive();
            }
        }

        @Override
        public void onFailure(Throwable cause) {
            if (current()) {
                Lane.this.onFailure(cause);
            }
        }
    }
}
