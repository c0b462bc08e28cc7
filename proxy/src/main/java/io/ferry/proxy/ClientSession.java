package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
import java.security.MessageDigest;
import java.util.ArrayDeque;

/**
 * One application connection. Its commands reach the source in order and its replies come back in
 * order, so every connection-scoped behaviour of Redis (SELECT, MULTI/EXEC/WATCH, blocking
 * commands, Pub/Sub, MONITOR, CLIENT state, HELLO/RESP3, scripts, WAIT) holds as if the client were
 * connected directly.
 *
 * <p>Where commands go ({@link SourceConnections}): with {@code PER_CLIENT} the client has its own
 * source connection from the start. With {@code SHARED} its commands ride the event loop's shared
 * connection ({@link SharedSource}) until the first command that needs a connection of its own
 * ({@link Affinity}); the client then gets one, for good, once the replies it is owed have arrived.
 * The replies owed always come from one connection at a time, so a queue of what each stands for
 * ({@link PendingReplies}) keeps them in order. Two things a shared client does are answered by the
 * proxy itself: AUTH with the very credentials the proxy uses for the source, and CLIENT SETNAME /
 * SETINFO, which are replayed on the client's own connection if it gets one.
 *
 * <p>What the proxy decides itself: authentication when the proxy holds the source's credentials
 * (the client must AUTH before anything else, as with Redis), protocol errors and limits, idle
 * timeout, back-pressure, and what a client sees when its source connection is lost (an error for
 * every command in flight, then its connection closed).
 *
 * <p>Confined to the client channel's event loop, which is also that of its source connections.
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
    private static final byte[] UNSUBSCRIBE = ascii("UNSUBSCRIBE");
    private static final byte[] PUNSUBSCRIBE = ascii("PUNSUBSCRIBE");
    private static final byte[] SUNSUBSCRIBE = ascii("SUNSUBSCRIBE");
    private static final byte[] MONITOR = ascii("MONITOR");
    private static final byte[] CLIENT = ascii("CLIENT");
    private static final byte[] SETNAME = ascii("SETNAME");
    private static final byte[] SETINFO = ascii("SETINFO");
    private static final byte[] LIB_NAME = ascii("LIB-NAME");
    private static final byte[] LIB_VER = ascii("LIB-VER");

    private enum State {
        CONNECTING,
        READY,
        FAILED,
        CLOSED
    }

    /** Why the client's next commands wait (in {@link #held}, with reading paused). */
    private enum Wait {
        NONE,
        /** An AUTH of a not yet authenticated client: nobody knows yet whether the next may run. */
        AUTH_REPLY,
        /** The next command goes to another connection than the replies owed: they come first. */
        REPLIES_OWED,
        /** The client's own source connection is being opened. */
        OWN_CONNECTION,
        /** The event loop's shared connection is being (re)opened. */
        SHARED_CONNECTION
    }

    private final Backend backend;
    /** The event loop's shared connections; null with {@link SourceConnections#PER_CLIENT}. */
    private final SharedSource shared;

    private final CommandTable commands;
    /** The table was read from the source itself, so what it lacks the source lacks. */
    private final boolean commandsFromSource;

    private final boolean requiresAuth;
    private final long outputBufferLimit;
    private final PendingReplies pending = new PendingReplies();
    private final ArrayDeque<CommandMessage> held = new ArrayDeque<>();

    private Channel client;
    /** The client's own source connection, once it has one. */
    private Channel own;
    /** The shared connection the replies owed come from; null when they come from {@link #own}. */
    private SharedConnection link;
    /** The shared connection that carried the client's last write; null if that was its own. */
    private SharedConnection lastWrite;

    private State state = State.CONNECTING;
    private Wait waiting = Wait.NONE;
    private String failure;
    private boolean authenticated;
    /** The client has Pub/Sub subscriptions: the source sends messages no request asked for. */
    private boolean subscribed;
    /** The client sent a (un)subscribe command: look out for subscription frames among replies. */
    private boolean pubSubUsed;
    /** MONITOR: from now on everything the source sends is passed on as it comes. */
    private boolean monitoring;

    private boolean quitting;
    private boolean draining;
    private boolean releasing;
    /** A reply written by the proxy itself awaits a flush. */
    private boolean repliedLocally;
    /** Replies from a shared connection await a flush at the end of its read. */
    private boolean flushQueued;
    /** The client sent a bad frame: this error is its last reply, after those still owed. */
    private String protocolError;

    /** Set while sharing, replayed on the client's own connection. */
    private byte[] clientName;

    private byte[] libName;
    private byte[] libVersion;

    ClientSession(
            Backend backend,
            SharedSource shared,
            SourceCommandTable commands,
            boolean requiresAuth,
            long outputBufferLimit) {
        this.backend = backend;
        this.shared = shared;
        this.commands = commands.table();
        this.commandsFromSource = commands.fromSource();
        this.requiresAuth = requiresAuth;
        this.outputBufferLimit = outputBufferLimit;
        this.authenticated = !requiresAuth;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        if (shared == null) {
            openOwnConnection();
            return;
        }
        SharedConnection ready = shared.ready();
        if (ready != null) {
            onSharedReady(ready);
        } else {
            shared.await(this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof CommandMessage command)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (waiting == Wait.NONE && held.isEmpty()) {
            if (handle(command)) {
                if (!sourceWritable()) {
                    updateReading();
                }
                return;
            }
            held.add(command);
            // A connection may have become ready while the command was being handled.
            if (waiting == Wait.NONE) {
                releaseHeld();
            } else {
                updateReading();
            }
            return;
        }
        // At most one read's worth of commands waits here: reading is paused meanwhile.
        held.add(command);
        updateReading();
    }

    /**
     * Sends, answers or refuses {@code command}; false when it must wait ({@link #waiting} says for
     * what), in which case it is left untouched for the caller to hold.
     */
    private boolean handle(CommandMessage command) {
        if (state != State.READY || quitting) {
            command.release();
            if (state == State.FAILED) {
                replyAndClose(failure);
            }
            return true;
        }
        if (command.nameEquals(QUIT)) {
            return own == null ? quitLocally(command) : forwardOwn(command, PendingReplies.QUIT);
        }
        if (command.nameEquals(AUTH)) {
            if (own == null && matchesSourceCredentials(command)) {
                return replyLocally(command, SimpleStringMessage.OK, () -> authenticated = true);
            }
            return forwardOwn(command, authenticated ? PendingReplies.FORWARD : PendingReplies.AUTH);
        }
        if (!authenticated) {
            if (command.nameEquals(HELLO) && hasAuthOption(command)) {
                return forwardOwn(command, PendingReplies.HELLO_AUTH);
            }
            boolean hello = command.nameEquals(HELLO);
            command.release();
            // Only Ferry's own handshake replies can be owed here, and those are never the
            // client's, so this reply overtakes nothing.
            client.write(ProxyReplies.error(hello ? ProxyReplies.HELLO_NOAUTH : ProxyReplies.NOAUTH));
            repliedLocally = true;
            return true;
        }
        if (own != null) {
            if (lastWrite != null) {
                // Until it writes on its own connection, the client's WAIT must go where its last
                // write went: WAIT counts the writes of the connection it runs on.
                CommandInfo info = commands.lookup(command);
                if (info.isWrite()) {
                    lastWrite = null;
                } else if (Affinity.of(info, command) == Affinity.LAST_WRITE && lastWrite.isOpen()) {
                    return forwardShared(command, lastWrite, false, true);
                }
            }
            return forwardOwn(command, ownKind(command));
        }
        if (command.nameEquals(CLIENT)) {
            if (isLocalClientAttribute(command)) {
                return replyLocally(command, SimpleStringMessage.OK, () -> rememberClientAttribute(command));
            }
            if (isUnknownClientSubcommand(command)) {
                // Client libraries send new subcommands on connect (SETINFO before Redis 7.2,
                // MAINT_NOTIFICATIONS) and ignore the error of a server that lacks them: answer
                // with that server's own error rather than leave the shared connection for it.
                String given = command.arg(1).toString(StandardCharsets.US_ASCII);
                return replyLocally(
                        command,
                        ProxyReplies.error("ERR unknown subcommand '" + given + "'. Try CLIENT HELP."),
                        () -> {});
            }
        }
        CommandInfo info = commands.lookup(command);
        return switch (Affinity.of(info, command)) {
            case SHAREABLE -> forwardShared(command, shared.ready(), info.isWrite(), false);
            case LAST_WRITE -> {
                SharedConnection target = lastWrite != null && lastWrite.isOpen() ? lastWrite : shared.ready();
                yield forwardShared(command, target, false, true);
            }
            case OWN_CONNECTION -> forwardOwn(command, ownKind(command));
        };
    }

    private boolean forwardShared(CommandMessage command, SharedConnection target, boolean write, boolean retire) {
        if (target == null || (target != link && !pending.isEmpty())) {
            if (!pending.isEmpty()) {
                waiting = Wait.REPLIES_OWED;
            } else {
                waiting = Wait.SHARED_CONNECTION;
                shared.await(this);
            }
            return false;
        }
        link = target;
        pending.add(PendingReplies.FORWARD);
        if (write) {
            lastWrite = target;
        }
        target.write(command, this);
        if (retire) {
            // The wait may take long: the connection takes no other client's commands after it.
            shared.retire(target);
        }
        return true;
    }

    private boolean forwardOwn(CommandMessage command, byte kind) {
        if (own == null) {
            if (!pending.isEmpty()) {
                waiting = Wait.REPLIES_OWED;
            } else {
                if (log.isDebugEnabled()) {
                    log.debug(
                            "client {} gets its own source connection for {}",
                            client.remoteAddress(),
                            commandName(command));
                }
                waiting = Wait.OWN_CONNECTION;
                openOwnConnection();
            }
            return false;
        }
        if (link != null) {
            if (!pending.isEmpty()) {
                waiting = Wait.REPLIES_OWED;
                return false;
            }
            link = null;
        }
        switch (kind) {
            case PendingReplies.AUTH, PendingReplies.HELLO_AUTH -> waiting = Wait.AUTH_REPLY;
            case PendingReplies.QUIT -> quitting = true;
            default -> {}
        }
        // (Un)subscribing is answered by one confirmation frame per channel, which carries the
        // subscriptions left; those frames are recognised as they come rather than counted here.
        boolean subscription = isSubscription(command);
        pubSubUsed |= subscription;
        monitoring |= command.nameEquals(MONITOR);
        if (!subscription && !monitoring) {
            pending.add(kind);
        }
        own.write(command, own.voidPromise());
        return true;
    }

    private static boolean isSubscription(CommandMessage command) {
        return command.nameEquals(SUBSCRIBE)
                || command.nameEquals(PSUBSCRIBE)
                || command.nameEquals(SSUBSCRIBE)
                || command.nameEquals(UNSUBSCRIBE)
                || command.nameEquals(PUNSUBSCRIBE)
                || command.nameEquals(SUNSUBSCRIBE);
    }

    private static byte ownKind(CommandMessage command) {
        return command.nameEquals(RESET) ? PendingReplies.RESET : PendingReplies.FORWARD;
    }

    /** The proxy answers {@code command} itself, in order: after every reply owed. */
    private boolean replyLocally(CommandMessage command, RespMessage reply, Runnable effect) {
        if (!pending.isEmpty()) {
            waiting = Wait.REPLIES_OWED;
            return false;
        }
        effect.run();
        command.release();
        client.write(reply, client.voidPromise());
        repliedLocally = true;
        return true;
    }

    private boolean quitLocally(CommandMessage command) {
        if (!pending.isEmpty()) {
            waiting = Wait.REPLIES_OWED;
            return false;
        }
        command.release();
        quitting = true;
        client.writeAndFlush(SimpleStringMessage.OK).addListener(ChannelFutureListener.CLOSE);
        return true;
    }

    private void openOwnConnection() {
        backend.connect(client.eventLoop(), this).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                String error = ProxyReplies.sourceUnreachable(backend.uri().toString(), reason(connected.cause()));
                if (waiting == Wait.OWN_CONNECTION) {
                    waiting = Wait.NONE;
                }
                fail(error);
                releaseHeld();
                return;
            }
            Channel channel = connected.channel();
            if (state == State.CLOSED) {
                channel.close();
                return;
            }
            own = channel;
            link = null;
            for (CommandMessage command : backend.handshake()) {
                pending.add(PendingReplies.INTERNAL);
                own.write(command, own.voidPromise());
            }
            replayClientAttributes();
            own.flush();
            if (state == State.CONNECTING) {
                state = State.READY;
            }
            if (waiting == Wait.OWN_CONNECTION) {
                waiting = Wait.NONE;
            }
            releaseHeld();
        });
    }

    private void replayClientAttributes() {
        if (clientName != null && clientName.length > 0) {
            replay(CommandMessage.of(wrap(CLIENT), wrap(SETNAME), wrap(clientName)));
        }
        if (libName != null) {
            replay(CommandMessage.of(wrap(CLIENT), wrap(SETINFO), wrap(LIB_NAME), wrap(libName)));
        }
        if (libVersion != null) {
            replay(CommandMessage.of(wrap(CLIENT), wrap(SETINFO), wrap(LIB_VER), wrap(libVersion)));
        }
    }

    private void replay(CommandMessage command) {
        pending.add(PendingReplies.REPLAY);
        own.write(command, own.voidPromise());
    }

    /** Handles the commands held, in order, until one has to wait again. */
    private void releaseHeld() {
        if (releasing) {
            // Called back while handling a held command: the loop below goes on.
            return;
        }
        releasing = true;
        try {
            CommandMessage command;
            while (waiting == Wait.NONE && (command = held.peek()) != null) {
                if (handle(command)) {
                    held.poll();
                }
            }
        } finally {
            releasing = false;
        }
        if (own != null) {
            own.flush();
        }
        if (repliedLocally) {
            repliedLocally = false;
            client.flush();
        }
        updateReading();
        closeAfterProtocolErrorIfDue();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (own != null) {
            own.flush();
        }
        if (repliedLocally) {
            repliedLocally = false;
            client.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A slow client: stop reading its replies from its own source connection until it catches
        // up; on a shared one, stop taking its commands instead.
        if (own != null) {
            own.config().setAutoRead(client.isWritable());
        }
        updateReading();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            // Like Redis's timeout: clients blocked in a command or subscribed are not idle.
            if (pending.isEmpty() && !subscribed && !monitoring && held.isEmpty()) {
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
        if (own != null) {
            own.close();
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
            closeAfterProtocolErrorIfDue();
        } else if (cause instanceof IOException) {
            log.debug("client {} connection error: {}", client.remoteAddress(), cause.toString());
            ctx.close();
        } else {
            log.warn("closing client {} after an unexpected error", client.remoteAddress(), cause);
            ctx.close();
        }
    }

    // --- the source's side, on the same event loop ---

    @Override
    public void onReply(RespMessage reply) {
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (monitoring) {
            writeToClient(reply);
            return;
        }
        if (pubSubUsed || reply instanceof PushMessage) {
            long frame = PubSubFrames.classify(reply, subscribed);
            if (frame != PubSubFrames.NONE) {
                if (frame >= 0) {
                    subscribed = frame > 0;
                }
                writeToClient(reply);
                return;
            }
        }
        int kind = pending.poll();
        switch (kind) {
            case -1 -> {
                // Owed to nobody any more (the client was failed meanwhile).
                ReferenceCountUtil.release(reply);
                return;
            }
            case PendingReplies.INTERNAL -> {
                boolean refused = reply instanceof ErrorMessage;
                String text = refused ? ((ErrorMessage) reply).text() : null;
                ReferenceCountUtil.release(reply);
                if (refused) {
                    log.error("the source {} refused Ferry's handshake: {}", backend.uri(), text);
                    failInFlight("ERR Ferry: the source refused the proxy's credentials or database: " + text);
                    return;
                }
                afterReply();
                return;
            }
            case PendingReplies.REPLAY -> {
                if (reply instanceof ErrorMessage error) {
                    log.debug("client {}: replaying its client attributes: {}", client.remoteAddress(), error.text());
                }
                ReferenceCountUtil.release(reply);
                afterReply();
                return;
            }
            case PendingReplies.AUTH, PendingReplies.HELLO_AUTH -> {
                if (!(reply instanceof ErrorMessage)) {
                    authenticated = true;
                }
                writeToClient(reply);
                if (waiting == Wait.AUTH_REPLY) {
                    waiting = Wait.NONE;
                }
                client.flush();
                releaseHeld();
                return;
            }
            case PendingReplies.RESET -> afterReset();
            default -> {}
        }
        writeToClient(reply);
        if (kind == PendingReplies.QUIT) {
            quitting = true;
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        afterReply();
    }

    private void afterReply() {
        if (pending.isEmpty() && waiting == Wait.REPLIES_OWED) {
            waiting = Wait.NONE;
            releaseHeld();
            return;
        }
        if (closeAfterProtocolErrorIfDue()) {
            return;
        }
        if (draining && pending.isEmpty()) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private boolean closeAfterProtocolErrorIfDue() {
        if (protocolError != null && state != State.CLOSED && pending.clientReplies() == 0 && held.isEmpty()) {
            replyAndClose(protocolError);
            return true;
        }
        return false;
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

    // --- the shared connections' side, on the same event loop ---

    /** A reply from the shared connection, in the order this client's commands were written to it. */
    void onSharedReply(RespMessage reply) {
        onReply(reply);
        if (!flushQueued && state != State.CLOSED) {
            flushQueued = true;
            shared.replied(this);
        }
    }

    /** Flushes the replies written since the shared connection's read began. */
    void flushReplies() {
        flushQueued = false;
        client.flush();
    }

    /** The event loop's shared connection can take commands. */
    void onSharedReady(SharedConnection connection) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.CONNECTING) {
            link = connection;
            state = State.READY;
            updateReading();
        } else if (waiting == Wait.SHARED_CONNECTION) {
            waiting = Wait.NONE;
            releaseHeld();
        }
    }

    /** The shared connection could not be opened. */
    void onSharedUnavailable(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        String error = ProxyReplies.sourceUnreachable(backend.uri().toString(), reason);
        if (state == State.CONNECTING) {
            fail(error);
        } else if (waiting == Wait.SHARED_CONNECTION) {
            waiting = Wait.NONE;
            fail(error);
            releaseHeld();
        }
    }

    /** {@code connection} closed; if this client's replies were owed by it, they never come. */
    void onSharedLost(SharedConnection connection, String error) {
        if (state != State.CLOSED && link == connection && !pending.isEmpty()) {
            log.warn("lost the shared source connection of client {}", client.remoteAddress());
            failInFlight(error);
        }
    }

    /** The shared connection this client writes to drained its write buffer. */
    void onSourceWritable() {
        if (state != State.CLOSED) {
            updateReading();
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
        // RESET logs the source connection out and back to database 0: restore Ferry's own
        // authentication and database so the next client command runs where it did before.
        authenticated = !requiresAuth;
        subscribed = false;
        monitoring = false;
        clientName = null;
        for (CommandMessage command : backend.handshake()) {
            pending.add(PendingReplies.INTERNAL);
            own.write(command, own.voidPromise());
        }
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
        int owed = Math.max(1, pending.clientReplies());
        pending.clear();
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
        // The client hears of it on its next command, as a reply it can match.
        client.config().setAutoRead(true);
    }

    private void replyAndClose(String error) {
        ChannelFuture written =
                client.writeAndFlush(ProxyReplies.error(error.replace('\r', ' ').replace('\n', ' ')));
        written.addListener(ChannelFutureListener.CLOSE);
    }

    private boolean sourceWritable() {
        if (link != null) {
            if (!client.isWritable()) {
                return false;
            }
            if (!link.isWritable()) {
                link.awaitWritable(this);
                return false;
            }
            return true;
        }
        return own != null && own.isWritable();
    }

    private void updateReading() {
        boolean read = state == State.READY
                && protocolError == null
                && !draining
                && !quitting
                && waiting == Wait.NONE
                && held.isEmpty()
                && sourceWritable();
        if (state == State.FAILED) {
            // The client hears of the failure on its next command.
            read = true;
        }
        client.config().setAutoRead(read);
    }

    /** AUTH [user] password with exactly the credentials the proxy uses for the source. */
    private boolean matchesSourceCredentials(CommandMessage auth) {
        if (backend.uri().password().isEmpty() || auth.argCount() < 2 || auth.argCount() > 3) {
            return false;
        }
        String user = backend.uri().username().orElse("default");
        boolean userMatches = auth.argCount() == 2 ? user.equals("default") : equalBytes(auth.arg(1), user);
        boolean passwordMatches = equalBytes(
                auth.arg(auth.argCount() - 1), backend.uri().password().get());
        return userMatches & passwordMatches;
    }

    private static boolean equalBytes(ByteBuf given, String expected) {
        return MessageDigest.isEqual(ByteBufUtil.getBytes(given), expected.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * CLIENT SETNAME name, or CLIENT SETINFO LIB-NAME|LIB-VER value on a server that knows SETINFO,
     * with a value Redis accepts: the proxy answers it (anything else goes to the source, which
     * answers with its own error).
     */
    private boolean isLocalClientAttribute(CommandMessage command) {
        if (command.argCount() == 3 && command.argEqualsIgnoreCase(1, SETNAME)) {
            return isAttributeValue(command.arg(2));
        }
        return command.argCount() == 4
                && command.argEqualsIgnoreCase(1, SETINFO)
                && (command.argEqualsIgnoreCase(2, LIB_NAME) || command.argEqualsIgnoreCase(2, LIB_VER))
                && commands.lookup(command).isSubcommand()
                && isAttributeValue(command.arg(3));
    }

    /**
     * A CLIENT subcommand the source does not have (its command table says so, having been read
     * from it), with a name that is plain ASCII letters, digits, '-' and '_' as every real one is.
     */
    private boolean isUnknownClientSubcommand(CommandMessage command) {
        if (!commandsFromSource
                || command.argCount() < 2
                || commands.lookup(command).isSubcommand()) {
            return false;
        }
        ByteBuf name = command.arg(1);
        if (name.readableBytes() == 0 || name.readableBytes() > 64) {
            return false;
        }
        for (int i = name.readerIndex(); i < name.writerIndex(); i++) {
            byte b = name.getByte(i);
            boolean plain =
                    (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
            if (!plain) {
                return false;
            }
        }
        return true;
    }

    private void rememberClientAttribute(CommandMessage command) {
        if (command.argCount() == 3) {
            clientName = ByteBufUtil.getBytes(command.arg(2));
        } else if (command.argEqualsIgnoreCase(2, LIB_NAME)) {
            libName = ByteBufUtil.getBytes(command.arg(3));
        } else {
            libVersion = ByteBufUtil.getBytes(command.arg(3));
        }
    }

    /** Redis refuses spaces, newlines and anything outside printable ASCII in names. */
    private static boolean isAttributeValue(ByteBuf value) {
        for (int i = value.readerIndex(); i < value.writerIndex(); i++) {
            byte b = value.getByte(i);
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }

    /** The command's name, and its subcommand for a container: never an argument that may be a secret. */
    private String commandName(CommandMessage command) {
        CommandInfo info = commands.lookup(command);
        return info.isKnown() ? info.name() : "an unknown command";
    }

    private static boolean hasAuthOption(CommandMessage hello) {
        for (int i = 2; i < hello.argCount(); i++) {
            if (hello.argEqualsIgnoreCase(i, AUTH)) {
                return true;
            }
        }
        return false;
    }

    static String reason(Throwable cause) {
        String text = cause == null ? "unknown" : cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    private static ByteBuf wrap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
