package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.ferry.schemas.Side;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One source connection that the clients of one event loop pipeline their commands over. Redis
 * answers a connection's commands in order, so a first-in first-out queue of owners says whose each
 * reply is. Writes are flushed once per pass of the event loop, so the commands of every client
 * read in that pass reach the source in one system call.
 *
 * <p>Confined to its event loop.
 */
final class SharedConnection implements Backend.Listener {
    private static final Logger log = LoggerFactory.getLogger(SharedConnection.class);

    private final SharedSource pool;
    private final ArrayDeque<Exchange> owners = new ArrayDeque<>();
    private final List<ClientSession> awaitingWritable = new ArrayList<>();
    private final Runnable flushTask = this::flushNow;

    private Channel channel;
    private CoalescedWrites out;
    /** Replies owed to Ferry's own handshake (AUTH, SELECT), which come before any client's. */
    private int handshakeReplies;

    private boolean ready;
    private boolean closed;
    /** Not the connection new commands go to (it carried a WAIT); kept open for its clients' next WAIT. */
    private boolean retired;
    /** When the last reply owed arrived, in nanoseconds; for closing connections long unused. */
    private long idleSince = System.nanoTime();

    private boolean flushScheduled;
    private String refusal;
    /** Closed because a command the side does not serve went unanswered too long. */
    private boolean timedOut;

    private ScheduledFuture<?> timeoutCheck;

    SharedConnection(SharedSource pool) {
        this.pool = pool;
    }

    void connect(EventLoop loop, Backend backend) {
        backend.connect(loop, this).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                closed = true;
                pool.onConnectFailed(this, connected.cause());
                return;
            }
            channel = connected.channel();
            out = new CoalescedWrites(channel);
            long timeout = pool.mirrorTimeoutNanos();
            if (timeout > 0) {
                long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), timeout / 4);
                timeoutCheck = channel.eventLoop()
                        .scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
            }
            for (CommandMessage command : backend.handshake()) {
                handshakeReplies++;
                channel.write(command, channel.voidPromise());
            }
            channel.flush();
            // Client commands may follow the handshake at once: Redis runs them in order, and a
            // refused handshake fails them all (onReply).
            ready = true;
            pool.onReady(this);
        });
    }

    boolean isReady() {
        return ready && !closed && !retired;
    }

    boolean isOpen() {
        return ready && !closed;
    }

    /** True when no reply is owed. */
    boolean isIdle() {
        return owners.isEmpty();
    }

    long idleSince() {
        return idleSince;
    }

    boolean isWritable() {
        return channel != null && channel.isWritable();
    }

    /**
     * Sends {@code command} (a {@link CommandMessage}, or its RESP bytes) for {@code exchange}, whose
     * session is handed the reply in order.
     */
    void write(Object command, Exchange exchange) {
        owners.add(exchange);
        out.write(command);
        if (!flushScheduled) {
            flushScheduled = true;
            // Runs after the event loop has read every ready client: one flush for all of them.
            channel.eventLoop().execute(flushTask);
        }
    }

    /** No new commands from now on, except a WAIT of a client whose last write it carried. */
    void retire() {
        retired = true;
    }

    /** Takes new commands again. */
    void reinstate() {
        retired = false;
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    /** Calls {@link ClientSession#onSourceWritable()} for {@code session} when the connection drains. */
    void awaitWritable(ClientSession session) {
        if (!awaitingWritable.contains(session)) {
            awaitingWritable.add(session);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (channel != null && !closed) {
            out.flush();
        }
    }

    @Override
    public void onReply(RespMessage reply) {
        if (handshakeReplies > 0) {
            handshakeReplies--;
            if (reply instanceof ErrorMessage error) {
                refusal = "ERR Ferry: the " + pool.sideName() + " refused the proxy's credentials or database: "
                        + error.text();
                log.error("the {} {} refused Ferry's handshake: {}", pool.sideName(), pool.uri(), error.text());
                channel.close();
            }
            ReferenceCountUtil.release(reply);
            return;
        }
        Exchange owner = owners.poll();
        if (owner == null || reply instanceof PushMessage) {
            // Nothing on a shared connection asks for pushes (no tracking, no subscriptions).
            log.warn("unexpected {} from the shared source connection; ignored", reply.type());
            ReferenceCountUtil.release(reply);
            return;
        }
        if (owners.isEmpty()) {
            idleSince = System.nanoTime();
        }
        owner.session.onSharedReply(owner, pool.side(), reply);
    }

    /**
     * A command this side does not serve (a mirrored write, the other half of a compared read) that
     * goes unanswered past the time limit means the side is stuck (paused, overloaded, partitioned):
     * the connection is closed, its commands count as timed out and are flagged for repair, and the
     * next command opens a new one. Commands this side serves wait as they would on Redis itself.
     */
    private void checkTimeout() {
        Exchange oldest = owners.peek();
        if (oldest == null || retired || closed) {
            return;
        }
        if (oldest.served != pool.side() && System.nanoTime() - oldest.sentNanos > pool.mirrorTimeoutNanos()) {
            log.warn(
                    "the {} did not answer a mirrored command within {} ms; closing the shared connection "
                            + "({} commands in flight are flagged for repair)",
                    pool.sideName(),
                    TimeUnit.NANOSECONDS.toMillis(pool.mirrorTimeoutNanos()),
                    owners.size());
            timedOut = true;
            channel.close();
        }
    }

    @Override
    public void onReadComplete() {
        pool.flushClients();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable) {
            resumeAwaitingWritable();
        }
    }

    @Override
    public void onInactive() {
        closed = true;
        if (out != null) {
            out.discard();
        }
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
        }
        pool.onLost(this);
        if (owners.isEmpty()) {
            // Clients that stopped reading until this connection drained: it never will, they go on.
            resumeAwaitingWritable();
            return;
        }
        if (!retired || refusal != null) {
            log.warn("lost a shared {} connection with {} replies owed", pool.side(), owners.size());
        }
        String error = refusal != null
                ? refusal
                : timedOut
                        ? "ERR Ferry: the " + pool.sideName() + " did not answer within "
                                + TimeUnit.NANOSECONDS.toMillis(pool.mirrorTimeoutNanos()) + " ms"
                        : pool.side() == Side.SOURCE
                                ? ProxyReplies.SOURCE_LOST
                                : "ERR Ferry: the connection to the " + pool.sideName() + " was lost";
        Exchange owner;
        while ((owner = owners.poll()) != null) {
            owner.session.onSharedLost(owner, pool.side(), error, timedOut);
        }
        resumeAwaitingWritable();
    }

    private void resumeAwaitingWritable() {
        if (awaitingWritable.isEmpty()) {
            return;
        }
        List<ClientSession> waiting = new ArrayList<>(awaitingWritable);
        awaitingWritable.clear();
        waiting.forEach(ClientSession::onSourceWritable);
    }

    @Override
    public void onFailure(Throwable cause) {
        if (cause instanceof RespProtocolException protocol) {
            log.warn("closing a shared source connection: reply not accepted: {}", protocol.getMessage());
        } else {
            log.debug("shared source connection error: {}", cause.toString());
        }
    }
}
