package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One application connection and its own backend connection to the source: commands are forwarded
 * in order, replies come back in order, so every connection-scoped behaviour of Redis (SELECT,
 * MULTI/EXEC/WATCH, blocking commands, Pub/Sub, MONITOR, CLIENT state, HELLO/RESP3, scripts) holds
 * as if the client were connected directly.
 *
 * <p>What the proxy itself decides: authentication when the proxy holds the source's credentials
 * (the client must AUTH before anything else, as with Redis), protocol errors and limits, idle
 * timeout, back-pressure between the two connections, and what a client sees when its backend is
 * lost (an error for every command in flight, then its connection closed).
 *
 * <p>Confined to the client channel's event loop, which is also the backend's; only {@link
 * #inFlight()} is read from other threads.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements Backend.Listener {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private static final byte[] AUTH = ascii("AUTH");
    private static final byte[] HELLO = ascii("HELLO");
    private static final byte[] QUIT = ascii("QUIT");
    private static final byte[] RESET = ascii("RESET");
    private static final byte[] SUBSCRIBE = ascii("SUBSCRIBE");
    private static final byte[] PSUBSCRIBE = ascii("PSUBSCRIBE");
    private static final byte[] SSUBSCRIBE = ascii("SSUBSCRIBE");
    private static final byte[] MONITOR = ascii("MONITOR");

    private enum State {
        CONNECTING,
        READY,
        FAILED,
        CLOSED
    }

    private final Backend backend;
    private final boolean requiresAuth;
    private final long outputBufferLimit;
    private final PendingReplies pending = new PendingReplies();

    private Channel client;
    private Channel backendChannel;
    private State state = State.CONNECTING;
    private String failure;
    private boolean authenticated;
    /** Pub/Sub or MONITOR: the backend now sends messages no request asked for. */
    private boolean streaming;

    private boolean quitting;
    private boolean draining;
    /** A reply written by the proxy itself awaits a flush. */
    private boolean repliedLocally;
    /** The client sent a bad frame: this error is its last reply, after those still owed. */
    private String protocolError;
    /** An AUTH (or HELLO AUTH) of a not yet authenticated client is in flight. */
    private boolean authPending;

    private final ArrayDeque<CommandMessage> held = new ArrayDeque<>();
    private volatile int inFlight;

    ClientSession(Backend backend, boolean requiresAuth, long outputBufferLimit) {
        this.backend = backend;
        this.requiresAuth = requiresAuth;
        this.outputBufferLimit = outputBufferLimit;
        this.authenticated = !requiresAuth;
    }

    /** Replies this client is still owed; read by the draining thread. */
    int inFlight() {
        return inFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        backend.connect(client.eventLoop(), this).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                fail(ProxyReplies.sourceUnreachable(backend.uri().toString(), reason(connected.cause())));
                return;
            }
            backendChannel = connected.channel();
            if (state == State.CLOSED) {
                backendChannel.close();
                return;
            }
            for (CommandMessage command : backend.handshake()) {
                pending.add(PendingReplies.INTERNAL);
                backendChannel.write(command);
            }
            backendChannel.flush();
            state = State.READY;
            updateReading();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof CommandMessage command)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (authPending) {
            // Until the AUTH in flight is answered nobody knows whether this command may run:
            // hold it (at most one read's worth; reading is paused meanwhile).
            held.add(command);
            updateReading();
            return;
        }
        handle(command);
    }

    private void handle(CommandMessage command) {
        if (state != State.READY || quitting) {
            command.release();
            if (state == State.FAILED) {
                replyAndClose(failure);
            }
            return;
        }
        byte kind = PendingReplies.FORWARD;
        if (!authenticated) {
            if (command.nameEquals(AUTH)) {
                kind = PendingReplies.AUTH;
                authPending = true;
            } else if (command.nameEquals(HELLO) && hasAuthOption(command)) {
                kind = PendingReplies.HELLO_AUTH;
                authPending = true;
            } else if (command.nameEquals(QUIT)) {
                kind = PendingReplies.QUIT;
                quitting = true;
            } else {
                boolean hello = command.nameEquals(HELLO);
                command.release();
                // Only Ferry's own handshake replies can be owed here, and those are never the
                // client's, so this reply overtakes nothing.
                client.write(ProxyReplies.error(hello ? ProxyReplies.HELLO_NOAUTH : ProxyReplies.NOAUTH));
                repliedLocally = true;
                return;
            }
        } else if (command.nameEquals(QUIT)) {
            kind = PendingReplies.QUIT;
            quitting = true;
        } else if (command.nameEquals(RESET)) {
            kind = PendingReplies.RESET;
        } else if (command.nameEquals(SUBSCRIBE)
                || command.nameEquals(PSUBSCRIBE)
                || command.nameEquals(SSUBSCRIBE)
                || command.nameEquals(MONITOR)) {
            // From here the backend pushes messages nobody asked for: stop pairing replies.
            streaming = true;
        }
        if (!streaming) {
            pending.add(kind);
            inFlight = pending.size();
        }
        backendChannel.write(command, backendChannel.voidPromise());
        if (!backendChannel.isWritable() || authPending || quitting) {
            updateReading();
        }
    }

    private void releaseHeld() {
        authPending = false;
        CommandMessage command;
        while (!authPending && (command = held.poll()) != null) {
            handle(command);
        }
        backendChannel.flush();
        client.flush();
        updateReading();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backendChannel != null) {
            backendChannel.flush();
        }
        if (repliedLocally) {
            repliedLocally = false;
            client.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A slow client: stop reading its replies from the source until it catches up.
        if (backendChannel != null) {
            backendChannel.config().setAutoRead(client.isWritable());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            // Like Redis's timeout: clients blocked in a command or subscribed are not idle.
            if (pending.isEmpty() && !streaming) {
                log.debug("closing idle client {}", client.remoteAddress());
                client.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        held.forEach(CommandMessage::release);
        held.clear();
        state = State.CLOSED;
        pending.clear();
        inFlight = 0;
        if (backendChannel != null) {
            backendChannel.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof RespProtocolException protocol) {
            // As Redis does: the replies to the commands before the bad frame, then the error,
            // then the connection closed. The decoder reads nothing more.
            log.info("closing client {}: {}", client.remoteAddress(), protocol.getMessage());
            protocolError = "ERR " + protocol.redisMessage();
            updateReading();
            if (pending.clientReplies() == 0 && held.isEmpty()) {
                replyAndClose(protocolError);
            }
        } else if (cause instanceof IOException) {
            log.debug("client {} connection error: {}", client.remoteAddress(), cause.toString());
            ctx.close();
        } else {
            log.warn("closing client {} after an unexpected error", client.remoteAddress(), cause);
            ctx.close();
        }
    }

    // --- the backend's side, on the same event loop ---

    @Override
    public void onReply(RespMessage reply) {
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (streaming || reply instanceof PushMessage) {
            writeToClient(reply);
            return;
        }
        int kind = pending.poll();
        inFlight = pending.size();
        switch (kind) {
            case PendingReplies.INTERNAL -> {
                boolean refused = reply instanceof ErrorMessage;
                String text = refused ? ((ErrorMessage) reply).text() : null;
                ReferenceCountUtil.release(reply);
                if (refused) {
                    log.error("the source {} refused Ferry's handshake: {}", backend.uri(), text);
                    failInFlight("ERR Ferry: the source refused the proxy's credentials or database: " + text);
                }
                return;
            }
            case PendingReplies.AUTH, PendingReplies.HELLO_AUTH -> {
                if (!(reply instanceof ErrorMessage)) {
                    authenticated = true;
                }
                writeToClient(reply);
                releaseHeld();
                if (protocolError != null && pending.clientReplies() == 0 && held.isEmpty()) {
                    replyAndClose(protocolError);
                }
                return;
            }
            case PendingReplies.RESET -> afterReset();
            default -> {}
        }
        writeToClient(reply);
        if (protocolError != null && pending.clientReplies() == 0) {
            replyAndClose(protocolError);
        } else if (kind == PendingReplies.QUIT) {
            quitting = true;
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (draining && pending.isEmpty()) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void onReadComplete() {
        if (client != null) {
            client.flush();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        updateReading();
    }

    @Override
    public void onInactive() {
        if (state == State.CLOSED || quitting) {
            client.close();
            return;
        }
        log.warn("lost the source connection of client {}", client.remoteAddress());
        failInFlight(ProxyReplies.SOURCE_LOST);
    }

    @Override
    public void onFailure(Throwable cause) {
        if (cause instanceof RespProtocolException protocol) {
            // A reply over the output buffer limit, or a source speaking something else than RESP.
            log.warn(
                    "closing client {}: reply from the source not accepted: {}",
                    client.remoteAddress(),
                    protocol.getMessage());
        } else {
            log.debug("source connection error for client {}: {}", client.remoteAddress(), cause.toString());
        }
    }

    /** Stop taking commands, close once every reply owed has been written. */
    void drain() {
        client.eventLoop().execute(() -> {
            draining = true;
            updateReading();
            if (pending.isEmpty()) {
                client.close();
            }
        });
    }

    private void afterReset() {
        // RESET logs the backend connection out and back to database 0: restore Ferry's own
        // authentication and database so the next client command runs where it did before.
        authenticated = !requiresAuth;
        streaming = false;
        for (CommandMessage command : backend.handshake()) {
            pending.add(PendingReplies.INTERNAL);
            backendChannel.write(command, backendChannel.voidPromise());
        }
        inFlight = pending.size();
    }

    private void writeToClient(RespMessage reply) {
        client.write(reply, client.voidPromise());
        ChannelOutboundBuffer buffer = client.unsafe().outboundBuffer();
        if (buffer != null && buffer.totalPendingWriteBytes() > outputBufferLimit) {
            log.warn(
                    "closing client {}: more than {} reply bytes queued (client.output-buffer-limit)",
                    client.remoteAddress(),
                    outputBufferLimit);
            client.close();
        }
    }

    private void failInFlight(String error) {
        int owed = streaming ? 1 : Math.max(1, pending.clientReplies());
        pending.clear();
        inFlight = 0;
        state = State.FAILED;
        failure = error;
        for (int i = 0; i < owed; i++) {
            client.write(ProxyReplies.error(error), client.voidPromise());
        }
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void fail(String error) {
        state = State.FAILED;
        failure = error;
        log.warn("client {}: {}", client.remoteAddress(), error);
        // The client hears of it on its first command, as a reply it can match.
        client.config().setAutoRead(true);
    }

    private void replyAndClose(String error) {
        ChannelFuture written =
                client.writeAndFlush(ProxyReplies.error(error.replace('\r', ' ').replace('\n', ' ')));
        written.addListener(ChannelFutureListener.CLOSE);
    }

    private void updateReading() {
        boolean read = state == State.READY
                && protocolError == null
                && !draining
                && !authPending
                && !quitting
                && backendChannel != null
                && backendChannel.isWritable();
        client.config().setAutoRead(read);
    }

    private static boolean hasAuthOption(CommandMessage hello) {
        for (int i = 2; i < hello.argCount(); i++) {
            if (hello.argEqualsIgnoreCase(i, AUTH)) {
                return true;
            }
        }
        return false;
    }

    private static String reason(Throwable cause) {
        String text = cause == null ? "unknown" : cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
