package io.ferry.proxy;

import io.ferry.schemas.Side;
import io.ferry.settings.RedisUri;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The shared connections to one side (source or target) of one event loop ({@link SourceConnections#SHARED}): the active
 * one, which new commands go to, opened when first needed and again after it is lost; and retired
 * ones. A connection is retired when it carries a WAIT, so that the wait holds up no other client;
 * it stays open, because WAIT counts the writes of the connection it runs on and a client's next
 * WAIT must run where its last write went. A retired connection with nothing owed becomes the
 * active one again when one is needed, and is closed after {@link #PARKED_IDLE_CLOSE} unused.
 *
 * <p>Confined to its event loop.
 */
final class SharedSource {
    private final EventLoop loop;
    private final Backend backend;
    private final Side side;
    private final long mirrorTimeoutNanos;
    private final ArrayDeque<ClientSession> waiters = new ArrayDeque<>();
    private final List<ClientSession> replied = new ArrayList<>();

    static final Duration PARKED_IDLE_CLOSE = Duration.ofSeconds(60);

    private final List<SharedConnection> parked = new ArrayList<>();
    private SharedConnection active;
    private boolean sweepScheduled;

    SharedSource(EventLoop loop, Backend backend, Side side, Duration mirrorTimeout) {
        this.loop = loop;
        this.backend = backend;
        this.side = side;
        this.mirrorTimeoutNanos = mirrorTimeout.toNanos();
    }

    Side side() {
        return side;
    }

    /** "source" or "target", for messages. */
    String sideName() {
        return side.name().toLowerCase(Locale.ROOT);
    }

    long mirrorTimeoutNanos() {
        return mirrorTimeoutNanos;
    }

    RedisUri uri() {
        return backend.uri();
    }

    /** The connection ready for new commands, or null (one is then being opened: see {@link #await}). */
    SharedConnection ready() {
        if (active != null && active.isReady()) {
            return active;
        }
        if (active == null && !reinstateParked()) {
            open();
            return null;
        }
        return active != null && active.isReady() ? active : null;
    }

    /** Calls {@link ClientSession#onSharedReady} or {@link ClientSession#onSharedUnavailable} later. */
    void await(ClientSession session) {
        waiters.add(session);
        if (active == null && !reinstateParked()) {
            open();
        }
    }

    /** {@code connection} takes no new commands; the next ones go to another connection. */
    void retire(SharedConnection connection) {
        if (connection == active) {
            active = null;
        }
        if (!parked.contains(connection)) {
            connection.retire();
            parked.add(connection);
            scheduleSweep();
        }
    }

    private boolean reinstateParked() {
        for (int i = 0; i < parked.size(); i++) {
            SharedConnection connection = parked.get(i);
            if (connection.isOpen() && connection.isIdle()) {
                parked.remove(i);
                connection.reinstate();
                active = connection;
                return true;
            }
        }
        return false;
    }

    private void scheduleSweep() {
        if (!sweepScheduled) {
            sweepScheduled = true;
            loop.schedule(this::sweep, PARKED_IDLE_CLOSE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        sweepScheduled = false;
        long now = System.nanoTime();
        for (Iterator<SharedConnection> it = parked.iterator(); it.hasNext(); ) {
            SharedConnection connection = it.next();
            if (!connection.isOpen()) {
                it.remove();
            } else if (connection.isIdle() && now - connection.idleSince() >= PARKED_IDLE_CLOSE.toNanos()) {
                it.remove();
                connection.close();
            }
        }
        if (!parked.isEmpty()) {
            scheduleSweep();
        }
    }

    /** Notes that {@code session} was written a reply, to be flushed when this read completes. */
    void replied(ClientSession session) {
        replied.add(session);
    }

    void flushClients() {
        for (int i = 0; i < replied.size(); i++) {
            replied.get(i).flushReplies();
        }
        replied.clear();
    }

    void onReady(SharedConnection connection) {
        if (connection != active) {
            return;
        }
        ClientSession session;
        while (active == connection && connection.isReady() && (session = waiters.poll()) != null) {
            session.onSharedReady(connection);
        }
    }

    void onConnectFailed(SharedConnection connection, Throwable cause) {
        if (connection == active) {
            active = null;
        }
        String reason = ClientCommands.reason(cause);
        ClientSession session;
        while ((session = waiters.poll()) != null) {
            session.onSharedUnavailable(side, reason);
        }
    }

    void onLost(SharedConnection connection) {
        if (connection == active) {
            active = null;
        }
        parked.remove(connection);
    }

    private void open() {
        active = new SharedConnection(this);
        active.connect(loop, backend);
    }
}
