package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.KeySlot;
import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkErrorMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Side;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WritePolicy;
import io.netty.buffer.ByteBuf;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ferry.proxy.ClientCommands.*;

/**
 * One application connection. Its commands reach each side (source, target) in the order it sent
 * them, and its replies come back in that order, so every connection-scoped behaviour of Redis
 * (SELECT, MULTI/EXEC/WATCH, blocking commands, Pub/Sub, MONITOR, CLIENT state, HELLO/RESP3, scripts,
 * WAIT) holds as if the client were connected directly.
 *
 * <p>Where commands go: the {@link MigrationRoute} in force when each command arrives says which side
 * serves it and whether the other side gets it too (see docs/migration.md for the rules). On each
 * side ({@link Lane}) the client's commands ride the event loop's shared connection ({@link
 * SharedSource}) until its first command that needs a connection of its own ({@link Affinity}); from
 * then on it has its own connection on every side it uses, each opened with the client's database,
 * protocol and name replayed. Commands that hold connection state (a transaction, WATCH,
 * subscriptions, MONITOR) pin the client to the side they ran on until it leaves that state; its
 * writes meanwhile reach that side only and are flagged for repair.
 *
 * <p>Each command in flight is an {@link Exchange}; the client gets the replies of its visible
 * exchanges in order, each as soon as it and every earlier one are decided.
 *
 * <p>What the proxy decides itself: authentication when the proxy holds the source's credentials
 * (the client must AUTH before anything else, as with Redis), protocol errors and limits, idle
 * timeout, back-pressure, and what a client sees when a connection that owes it replies is lost (an
 * error for every command in flight, then its connection closed).
 *
 * <p>Confined to the client channel's event loop, which is also that of its backend connections.
 */
final class ClientSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /** How long a side that could not be reached is skipped by mirrored commands before it is tried again. */
    private static final long RETRY_NANOS = 1_000_000_000L;

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
        /** The next command goes to another connection of a side than commands in flight there. */
        REPLIES_OWED,
        /** The client's own connection to a side is being opened. */
        OWN_CONNECTION,
        /** The event loop's shared connection to a side is being (re)opened. */
        SHARED_CONNECTION
    }

    // Outcomes of choosing the connection for a command on one side.
    private static final int WAIT = 0;
    private static final int SKIP = 1;
    private static final int OWN = 2;
    private static final int SHARED = 3;
    private static final int UNREACHABLE = 4;

    private final SessionContext context;
    private final Lane source;
    /** Null when the proxy has no target. */
    private final Lane target;

    private final CommandTable commands;
    /** The source's Redis Cluster as shown to clients; null when the source is one server. */
    private final ClusterListeners sourceListeners;
    /** The connections this event loop's clients share with the sides, per protocol. */
    private final LoopConnections shared;
    /** The source node behind the listener the client connected to; null when the source is one server. */
    private final ClusterNode home;
    /** The address the client reached the proxy at, for the addresses of CLUSTER SLOTS and MOVED. */
    private String localHost;
    /** The table was read from the source itself, so what it lacks the source lacks. */
    private final boolean commandsFromSource;

    private final boolean requiresAuth;
    private final long outputBufferLimit;
    private final long mirrorTimeoutNanos;

    /** The client's visible exchanges, in the order it sent the commands. */
    private final ArrayDeque<Exchange> order = new ArrayDeque<>();

    private final ArrayDeque<CommandMessage> held = new ArrayDeque<>();
    private final KeyPositions keys = new KeyPositions();
    private final CommandRouter.Decision decision = new CommandRouter.Decision();
    private final String connectionId;

    private Channel client;
    /** What is written to the client between flushes. */
    private CoalescedWrites clientOut;

    private State state = State.CONNECTING;
    private Wait waiting = Wait.NONE;
    private String failure;
    private boolean authenticated;

    /** The client uses connections of its own (it used connection state once). */
    private boolean ownMode;
    /** What the client set on its connection: what pins it to a side, and what is replayed. */
    private final ClientState conn = new ClientState();

    private boolean quitting;
    private boolean draining;
    private boolean releasing;
    /** A reply written by the proxy itself awaits a flush. */
    private boolean repliedLocally;
    /** Replies from a shared connection await a flush at the end of its read. */
    private boolean flushQueued;
    /** The client sent a bad frame: this error is its last reply, after those still owed. */
    private String protocolError;

    private long sequence;
    /** See {@link #ownWanted}; for the command being handled only. */
    private boolean ownTarget;
    /** See {@link #ownWanted}; for the command being handled only. */
    private boolean ownSource;

    ClientSession(
            SessionContext context,
            Backend sourceBackend,
            ClusterListeners sourceListeners,
            ClusterNode home,
            Backend targetBackend,
            LoopConnections shared,
            SourceCommandTable commands,
            boolean requiresAuth,
            long outputBufferLimit,
            long mirrorTimeoutNanos) {
        this.context = context;
        this.shared = shared;
        this.source = new Lane(
                Side.SOURCE, sourceBackend, shared.shared(Side.SOURCE, 2), shared.cluster(Side.SOURCE, 2), this);
        this.sourceListeners = sourceListeners;
        this.home = home;
        this.target = targetBackend == null
                ? null
                : new Lane(
                        Side.TARGET,
                        targetBackend,
                        shared.shared(Side.TARGET, 2),
                        shared.cluster(Side.TARGET, 2),
                        this);
        this.commands = commands.table();
        this.commandsFromSource = commands.fromSource();
        this.requiresAuth = requiresAuth;
        this.outputBufferLimit = outputBufferLimit;
        this.mirrorTimeoutNanos = mirrorTimeoutNanos;
        this.authenticated = !requiresAuth;
        this.connectionId = context.nextConnectionId();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        clientOut = new CoalescedWrites(client);
        if (source.cluster != null) {
            // Node connections open as commands need them; a connection of the client's own opens
            // when it first uses connection state.
            localHost = client.localAddress() instanceof java.net.InetSocketAddress local
                    ? local.getAddress().getHostAddress()
                    : "127.0.0.1";
            state = State.READY;
            updateReading();
            return;
        }
        if (source.shared == null) {
            ownMode = true;
            openOwn(source);
            return;
        }
        SharedConnection ready = source.shared.ready();
        if (ready != null) {
            onSharedReady(ready);
        } else {
            source.shared.await(this);
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
                if (!writable()) {
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
        ownTarget = false;
        ownSource = false;
        if (state != State.READY || quitting) {
            command.release();
            if (state == State.FAILED) {
                replyAndClose(failure);
            }
            return true;
        }
        if (command.nameEquals(QUIT)) {
            Lane quitLane = pinnedOr(authoritativeLane());
            if (ownMode && (quitLane != target || target.cluster == null || target.hasOwn())) {
                if (quitLane == target && target.cluster != null) {
                    ownTarget = true;
                    target.nodeWanted = target.ownBackend;
                }
                return sendSingle(command, quitLane, ReplyKind.QUIT, null);
            }
            command.release();
            quitting = true;
            order.add(answered(ReplyKind.QUIT, SimpleStringMessage.OK));
            drainOrder();
            return true;
        }
        if (command.nameEquals(AUTH)) {
            if (!ownMode && matchesCredentials(command, source.backend.uri())) {
                authenticated = true;
                return answer(command, SimpleStringMessage.OK);
            }
            // AUTH changes who the connection is: it needs a connection of the client's own.
            ownMode = true;
            return sendSingle(command, source, authenticated ? ReplyKind.FORWARD : ReplyKind.AUTH, null);
        }
        if (!authenticated) {
            if (command.nameEquals(HELLO)
                    && !ownMode
                    && sharesConnections()
                    && commands.lookup(command).isKnown()) {
                int protocol = sharedHelloProtocol(command, conn.protocol, false, source.backend.uri());
                if (protocol > 0) {
                    // HELLO … AUTH with the source's credentials: as AUTH with them, the client stays on shared
                    // connections.
                    authenticated = true;
                    return sendSharedHello(command, protocol);
                }
            }
            if (command.nameEquals(HELLO) && hasAuthOption(command)) {
                ownMode = true;
                // Kept for the sides the client opens connections to later (HELLO replayed there).
                conn.helloAuthProtocol = parseInt(command, 1, conn.protocol);
                return sendSingle(command, source, ReplyKind.HELLO_AUTH, null);
            }
            boolean hello = command.nameEquals(HELLO);
            command.release();
            order.add(answered(
                    ReplyKind.FORWARD, ProxyReplies.error(hello ? ProxyReplies.HELLO_NOAUTH : ProxyReplies.NOAUTH)));
            drainOrder();
            return true;
        }
        MigrationRoute route = context.route();
        boolean withTarget = target != null && route.usesTarget();
        CommandInfo info = commands.lookup(command);
        if (!ownMode && command.nameEquals(HELLO) && sharesConnections() && info.isKnown()) {
            int protocol = sharedHelloProtocol(command, conn.protocol, true, source.backend.uri());
            if (protocol > 0) {
                return sendSharedHello(command, protocol);
            }
        }
        if (sourceListeners != null && conn.pinned == null) {
            RespMessage local = sourceListeners.answer(command, localHost, home);
            if (local != null) {
                return answer(command, local);
            }
            if (ownMode) {
                // The client's commands run on the node behind its listener, as with a direct
                // connection: a key of another node's slot gets MOVED to that node's listener, before
                // anything is sent (a write must not reach the target when the source refuses it).
                int slot = sourceListeners.foreignSlot(command, info, keys, home);
                if (slot >= 0) {
                    return answer(command, sourceListeners.moved(slot, localHost));
                }
            }
        }
        if (conn.pinned != null) {
            return sendPinned(command, info, route, withTarget);
        }
        Affinity affinity = Affinity.of(info, command);
        if (affinity == Affinity.LAST_WRITE) {
            return sendWait(command, authoritativeLane(route, withTarget));
        }
        if (!ownMode && command.nameEquals(CLIENT)) {
            if (isLocalClientAttribute(command, commands)) {
                conn.remember(command);
                return answer(command, SimpleStringMessage.OK);
            }
            if (isUnknownClientSubcommand(command, commands, commandsFromSource)) {
                // Client libraries send new subcommands on connect (SETINFO before Redis 7.2,
                // MAINT_NOTIFICATIONS) and ignore the error of a server that lacks them: answer
                // with that server's own error rather than leave the shared connection for it.
                String given = command.arg(1).toString(StandardCharsets.US_ASCII);
                return answer(command, ProxyReplies.error("ERR unknown subcommand '" + given + "'. Try CLIENT HELP."));
            }
        }
        if (affinity == Affinity.OWN_CONNECTION) {
            return sendConnectionBound(command, info, route, withTarget);
        }
        if (info.isWrite() && !context.journal.accepting()) {
            // writes.overflow REJECT_WRITES: no write runs without its record in the writes log.
            return answer(command, ProxyReplies.error(ProxyReplies.WRITES_LOG_FULL));
        }
        if (!withTarget) {
            if (info.isWrite()) {
                source.lastWrite = null;
            }
            WriteTrace trace = info.isWrite() ? traceIfJournaled(command, info, route) : null;
            return sendSingle(command, source, ReplyKind.FORWARD, trace, info.isWrite());
        }
        return sendRouted(command, info, route);
    }

    // --- routing with a target ---

    /** A command any connection may carry, with a target in use: as {@link CommandRouter} decides. */
    private boolean sendRouted(CommandMessage command, CommandInfo info, MigrationRoute route) {
        CommandRouter.decide(route, context.targetReadsHeld(), info, command, keys, decision);
        if (target.cluster != null
                && (decision.served == Side.TARGET || decision.plan != Exchange.SINGLE)
                && route.writePolicy() != WritePolicy.TARGET_ONLY
                && (conn.db != 0 || !target.cluster.splits(command, info))) {
            return sendAcrossTargetSlots(command, info, route);
        }
        Lane served = lane(decision.served);
        WriteTrace trace = decision.plan == Exchange.COMPARED
                ? trace(command, info, route)
                : decision.traced ? traceIfJournaled(command, info, route) : null;
        if (decision.repairOther) {
            if (trace == null) {
                context.countUntracedRepair();
            } else {
                trace.flag(WriteFlag.SCRIPT);
                trace.flag(WriteFlag.REPAIR);
                trace.failed(other(served).side, Outcome.NOT_SENT, "scripts run on the authoritative side only");
            }
        }
        return switch (decision.plan) {
            case Exchange.SINGLE -> sendSingle(command, served, ReplyKind.FORWARD, trace, decision.write);
            case Exchange.FALLBACK -> sendFallback(command);
            default -> sendBoth(command, served, decision.plan, trace, decision.write);
        };
    }

    /**
     * A command whose keys lie in different slots of the target's cluster, which would refuse it
     * (CROSSSLOT) and which cannot be split by slot, or of a client that selected a database a cluster
     * does not have: the source serves it alone, and a write's keys are flagged for repair on the
     * target (docs/proxy.md, "Redis Cluster").
     */
    private boolean sendAcrossTargetSlots(CommandMessage command, CommandInfo info, MigrationRoute route) {
        WriteTrace trace = null;
        if (info.isWrite() && route.dualWrites()) {
            trace = traceIfJournaled(command, info, route);
            if (trace == null) {
                context.countUntracedRepair();
            } else {
                trace.flag(WriteFlag.REPAIR);
                trace.failed(
                        Side.TARGET,
                        Outcome.NOT_SENT,
                        conn.db != 0
                                ? "the target cluster has database 0 only"
                                : "keys in different slots of the target cluster");
            }
        }
        return sendSingle(command, source, ReplyKind.FORWARD, trace, info.isWrite());
    }

    /**
     * A command that needs a connection of the client's own: SELECT, HELLO and RESET go to every side
     * the client has a connection on (they shape how later commands run there); transactions, WATCH,
     * subscriptions and MONITOR pin the client to the authoritative side; anything else runs on the
     * authoritative side, a write among them flagged for repair.
     */
    private boolean sendConnectionBound(
            CommandMessage command, CommandInfo info, MigrationRoute route, boolean withTarget) {
        ownMode = true;
        Lane lane = authoritativeLane(route, withTarget);
        if (command.nameEquals(SELECT) || command.nameEquals(HELLO) || command.nameEquals(RESET)) {
            return sendStateChange(command, lane, withTarget);
        }
        if (lane == target && target.cluster != null && command.nameEquals(MULTI) && !conn.inMulti) {
            // A transaction on a cluster target runs on the node serving its keys, known at its first command:
            // MULTI is sent there with it (answered now, as Redis answers it).
            target.multiDeferred = true;
            conn.apply(ClientState.effectOf(command), target);
            return answer(command, SimpleStringMessage.OK);
        }
        wantOwnTarget(lane, command, info);
        WriteTrace trace = null;
        if (withTarget && route.dualWrites() && changesData(command, info)) {
            trace = traceIfJournaled(command, info, route);
            if (trace == null) {
                context.countUntracedRepair();
            } else {
                trace.failed(other(lane).side, Outcome.NOT_SENT, "runs on the authoritative side only");
            }
        }
        // Read before sending: the command is released once written.
        int effect = ClientState.effectOf(command);
        if (!sendSingle(command, lane, ownKind(command), trace, info.isWrite())) {
            return false;
        }
        conn.apply(effect, lane);
        return true;
    }

    /**
     * Whether a command that runs on one side only may leave the sides' data different: a write, but not a
     * CLIENT subcommand (they shape the connection, never data). A CLIENT subcommand the source does not
     * know (CLIENT SETINFO before Redis 7.2, which client libraries send on connect) counts as a write in
     * the command table, as every unknown command does.
     */
    private static boolean changesData(CommandMessage command, CommandInfo info) {
        return info.isWrite() && !command.nameEquals(CLIENT);
    }

    /** While conn.pinned, every command goes to the conn.pinned side; writes are flagged for repair there. */
    private boolean sendPinned(CommandMessage command, CommandInfo info, MigrationRoute route, boolean withTarget) {
        if (conn.pinned == target && target.multiDeferred) {
            if (command.nameEquals(EXEC) || command.nameEquals(DISCARD)) {
                // Nothing was queued: an empty transaction, as Redis ends it.
                target.multiDeferred = false;
                boolean exec = command.nameEquals(EXEC);
                conn.apply(ClientState.effectOf(command), target);
                conn.unpinIfStateless();
                return answer(command, exec ? ArrayMessage.of(List.of()) : SimpleStringMessage.OK);
            }
            wantOwnTarget(target, command, info);
            int how = pick(target, false, null);
            if (how == WAIT) {
                return false;
            }
            if (how == UNREACHABLE) {
                return answer(command, ProxyReplies.error(target.unavailable));
            }
            // The client's MULTI, answered already.
            Exchange multi = new Exchange(ReplyKind.SYNC, false);
            multi.session = this;
            transmit(target, how, null, CommandMessage.of("MULTI"), multi);
            target.multiDeferred = false;
        }
        wantOwnTarget(conn.pinned, command, info);
        WriteTrace trace = null;
        if (withTarget && route.dualWrites() && changesData(command, info)) {
            trace = traceIfJournaled(command, info, route);
            if (trace == null) {
                context.countUntracedRepair();
            } else {
                if (conn.inMulti) {
                    trace.flag(WriteFlag.TRANSACTION);
                }
                trace.failed(other(conn.pinned).side, Outcome.NOT_SENT, "the client is conn.pinned to one side");
            }
        }
        Lane lane = conn.pinned;
        // Read before sending: the command is released once written.
        int effect = ClientState.effectOf(command);
        if (command.nameEquals(SELECT) || command.nameEquals(HELLO) || command.nameEquals(RESET)) {
            if (!sendStateChange(command, lane, withTarget)) {
                return false;
            }
        } else if (!sendSingle(command, lane, ownKind(command), trace, info.isWrite())) {
            return false;
        }
        conn.apply(effect, lane);
        conn.unpinIfStateless();
        return true;
    }

    /**
     * SELECT, HELLO, RESET: to {@code lane}, whose reply is the client's, and to every other side the
     * client has a connection of its own on, so the client's later commands run alike there. A side
     * it has no connection on yet gets the new state when it opens one.
     */
    private boolean sendStateChange(CommandMessage command, Lane lane, boolean withTarget) {
        Lane other = withTarget || (target != null && target.hasOwn()) ? other(lane) : null;
        if (target != null && target.cluster != null && (lane == target || target.hasOwn())) {
            // Never on node connections other clients share: on the client's own one.
            ownTarget = true;
            target.nodeWanted = target.hasOwn() ? target.ownBackend : target.nodeWanted;
        }
        int how = pick(lane, false, null);
        if (how == WAIT) {
            return false;
        }
        SharedConnection connection = picked(lane, how);
        int otherHow = other != null && other.hasOwn() ? pick(other, true, null) : SKIP;
        if (otherHow == WAIT) {
            return false;
        }
        if (how == UNREACHABLE) {
            return answer(command, ProxyReplies.error(lane.unavailable));
        }
        byte kind = command.nameEquals(RESET)
                ? ReplyKind.RESET
                : command.nameEquals(SELECT) ? ReplyKind.SELECT : ReplyKind.HELLO;
        Exchange exchange = newExchange(command, kind, lane.side, Exchange.SINGLE);
        if (kind == ReplyKind.SELECT) {
            exchange.argument = parseInt(command, 1, conn.db);
            conn.db = exchange.argument;
        } else if (kind == ReplyKind.HELLO) {
            exchange.argument = parseInt(command, 1, conn.protocol);
            if (target != null
                    && target.cluster != null
                    && target.inFlight == 0
                    && (exchange.argument == 2 || exchange.argument == 3)) {
                // A cluster target takes the client's commands on node connections shared by the event loop's
                // clients: from now on those speaking the client's protocol.
                target.use(null, shared.cluster(Side.TARGET, exchange.argument));
            }
        }
        if (otherHow == OWN || otherHow == SHARED) {
            // Not the client's reply; the sides answer alike, and a refusal there is logged.
            Exchange sync = new Exchange(ReplyKind.SYNC, false);
            sync.session = this;
            transmit(other, otherHow, picked, stateCommandFor(command), sync);
        }
        order.add(exchange);
        transmit(lane, how, connection, command, exchange);
        return true;
    }

    /**
     * Whether the command being handled goes to the client's own connection to {@code lane}, a cluster side,
     * rather than to the node connections every client of the thread shares ({@link Lane#choose}): on a cluster
     * source, once the client uses connection state ({@link #ownMode}: the node behind its listener), or for a
     * WAIT; on a cluster target, for what needs a connection of the client's own there (a transaction, a blocking
     * command, a subscription, ... that the target runs), on the target's {@link Lane#nodeWanted}.
     */
    boolean ownWanted(Lane lane) {
        return lane == source ? ownMode || ownSource : ownTarget;
    }

    /**
     * Before a command that needs the client's own connection goes to {@code lane} when it is a cluster target:
     * the node it runs on is the one serving its first key; a keyless one, or one in a transaction or
     * subscription already running there, runs where the client's connection is (the target URI's node when it
     * has none yet).
     */
    private void wantOwnTarget(Lane lane, CommandMessage command, CommandInfo info) {
        if (lane != target || target.cluster == null) {
            return;
        }
        ownTarget = true;
        boolean staying = conn.pinned == target && !target.multiDeferred;
        info.findKeys(command, keys);
        if (staying || keys.isEmpty()) {
            if (target.own != null) {
                target.nodeWanted = target.ownBackend;
            }
            return;
        }
        ClusterView view = target.cluster.view();
        ClusterNode owner = view.topology().ownerOf(KeySlot.of(command.arg(keys.index(0))));
        if (owner != null) {
            target.nodeWanted = view.backend(owner.host(), owner.port());
        }
    }

    /** Whether the client's commands go over the event loop's shared connections (or cluster node connections). */
    private boolean sharesConnections() {
        return (source.shared != null || source.cluster != null)
                && (target == null || target.shared != null || target.cluster != null);
    }

    /**
     * A HELLO the client's shared connections can take ({@link ClientCommands#sharedHelloProtocol}): from now on
     * its commands go to the event loop's connections speaking the protocol it asked for, on each side, so every
     * reply is in that protocol; the authoritative side answers a HELLO of that protocol (its server, version,
     * mode), which changes nothing on that connection. The switch waits until nothing is in flight on the
     * connections the client leaves. A SETNAME option is kept as CLIENT SETNAME is.
     */
    private boolean sendSharedHello(CommandMessage command, int protocol) {
        if (source.inFlight > 0 || (target != null && target.inFlight > 0)) {
            waiting = Wait.REPLIES_OWED;
            return false;
        }
        conn.protocol = protocol;
        source.use(shared.shared(Side.SOURCE, protocol), shared.cluster(Side.SOURCE, protocol));
        if (target != null) {
            target.use(shared.shared(Side.TARGET, protocol), shared.cluster(Side.TARGET, protocol));
        }
        MigrationRoute route = context.route();
        Lane lane = authoritativeLane(route, target != null && route.usesTarget());
        CommandMessage hello = CommandMessage.of("HELLO", Integer.toString(protocol));
        if (!sendSingle(hello, lane, ReplyKind.FORWARD, null)) {
            // The connections of that protocol are being opened: the client's HELLO is handled again then.
            hello.release();
            return false;
        }
        ByteBuf name = helloName(command);
        if (name != null) {
            conn.rememberName(name);
        }
        command.release();
        return true;
    }

    /** What another side gets for the client's SELECT, HELLO or RESET (never its credentials). */
    private static CommandMessage stateCommandFor(CommandMessage command) {
        if (command.nameEquals(HELLO)) {
            return command.argCount() >= 2
                    ? CommandMessage.of(
                            Unpooled.wrappedBuffer(HELLO), command.arg(1).retainedDuplicate())
                    : CommandMessage.of("PING");
        }
        return (CommandMessage) command.retain();
    }

    /** WAIT / WAITAOF: on the connection that carried the client's last write to {@code lane}'s side. */
    private boolean sendWait(CommandMessage command, Lane lane) {
        SharedConnection last = lane.lastWrite != null && lane.lastWrite.isOpen() ? lane.lastWrite : null;
        if (ownMode && last == null) {
            return sendSingle(command, lane, ReplyKind.FORWARD, null);
        }
        SharedConnection chosen = last != null ? last : lane.shared == null ? null : lane.shared.ready();
        if (lane.cluster != null) {
            // The client's writes went over node connections every client shares: a WAIT there would hold them all
            // up. It runs on a connection of the client's own (docs/proxy.md, "WAIT on a cluster").
            if (lane == target) {
                ownTarget = true;
                target.nodeWanted = target.hasOwn() ? target.ownBackend : target.nodeWanted;
            } else {
                ownSource = true;
            }
        }
        if (lane.shared == null) {
            return sendSingle(command, lane, ReplyKind.FORWARD, null);
        }
        // On that shared connection even once the client has connections of its own.
        int how = pick(lane, false, false, chosen);
        if (how == WAIT) {
            return false;
        }
        if (how == UNREACHABLE) {
            return answer(command, ProxyReplies.error(lane.unavailable));
        }
        Exchange exchange = newExchange(command, ReplyKind.FORWARD, lane.side, Exchange.SINGLE);
        order.add(exchange);
        SharedConnection connection = picked;
        transmit(lane, SHARED, connection, command, exchange);
        // The wait may take long: the connection takes no other client's commands after it.
        lane.shared.retire(connection);
        return true;
    }

    // --- sending ---

    private boolean sendSingle(CommandMessage command, Lane lane, byte kind, WriteTrace trace) {
        return sendSingle(command, lane, kind, trace, false);
    }

    private boolean sendSingle(CommandMessage command, Lane lane, byte kind, WriteTrace trace, boolean write) {
        int how = pick(lane, false, null);
        if (how == WAIT) {
            return false;
        }
        if (how == UNREACHABLE) {
            return answer(command, ProxyReplies.error(lane.unavailable));
        }
        switch (kind) {
            case ReplyKind.AUTH, ReplyKind.HELLO_AUTH -> waiting = Wait.AUTH_REPLY;
            case ReplyKind.QUIT -> quitting = true;
            default -> {}
        }
        Exchange exchange = newExchange(command, kind, lane.side, Exchange.SINGLE);
        exchange.trace = trace;
        SharedConnection connection = picked(lane, how);
        if (write) {
            lane.lastWrite = how == SHARED ? connection : null;
        }
        // (Un)subscribing is answered by one confirmation frame per channel, which carries the
        // subscriptions left; those frames are recognised as they come rather than counted here.
        boolean subscription = isSubscription(command);
        conn.pubSubUsed |= subscription;
        boolean monitor = command.nameEquals(MONITOR);
        conn.monitoring |= monitor;
        if (subscription || monitor) {
            exchange.owed = 0;
            sendUnanswered(lane, how, connection, command);
            if (trace != null) {
                finishTrace(exchange);
            }
            return true;
        }
        order.add(exchange);
        transmit(lane, how, connection, command, exchange);
        return true;
    }

    /** Sends {@code command} to {@code served} and to the other side; the plan says how replies combine. */
    private boolean sendBoth(CommandMessage command, Lane served, byte plan, WriteTrace trace, boolean write) {
        Lane other = other(served);
        int how = pick(served, false, null);
        if (how == WAIT) {
            return false;
        }
        SharedConnection servedConnection = picked(served, how);
        int otherHow = pick(other, true, null);
        if (otherHow == WAIT) {
            return false;
        }
        if (how == UNREACHABLE) {
            return answer(command, ProxyReplies.error(served.unavailable));
        }
        SharedConnection otherConnection = picked(other, otherHow);
        Exchange exchange = newExchange(command, ReplyKind.FORWARD, served.side, plan);
        exchange.trace = trace;
        order.add(exchange);
        if (otherHow == OWN || otherHow == SHARED) {
            if (write) {
                other.lastWrite = otherHow == SHARED ? otherConnection : null;
            }
            if (other.cluster != null || served.cluster != null) {
                // A cluster side routes the command by its keys: both get the command itself.
                command.retain();
                transmit(other, otherHow, otherConnection, command, exchange);
                if (write) {
                    served.lastWrite = how == SHARED ? servedConnection : null;
                }
                transmit(served, how, servedConnection, command, exchange);
                return true;
            }
            // Encoded once for both sides: each connection gets its own view of the same bytes.
            ByteBuf encoded = RespEncoder.encode(client.alloc(), command);
            command.release();
            transmit(other, otherHow, otherConnection, encoded.retainedDuplicate(), exchange);
            if (write) {
                served.lastWrite = how == SHARED ? servedConnection : null;
            }
            transmit(served, how, servedConnection, encoded, exchange);
            return true;
        }
        otherSkipped(exchange, other, otherHow);
        if (write) {
            served.lastWrite = how == SHARED ? servedConnection : null;
        }
        transmit(served, how, servedConnection, command, exchange);
        return true;
    }

    /** FALLBACK_ON_MISS: the target first; on nil, the source (see {@link #servedReply}). */
    private boolean sendFallback(CommandMessage command) {
        int how = pick(target, false, null);
        if (how == WAIT) {
            return false;
        }
        if (how == UNREACHABLE) {
            // The target cannot be reached: the source still has the answer.
            return sendSingle(command, source, ReplyKind.FORWARD, null);
        }
        Exchange exchange = newExchange(command, ReplyKind.FORWARD, Side.TARGET, Exchange.FALLBACK);
        exchange.retry = (CommandMessage) command.retain();
        order.add(exchange);
        transmit(target, how, picked(target, how), command, exchange);
        return true;
    }

    private SharedConnection picked;

    /**
     * Chooses the connection of {@code lane} for the next command ({@link Lane#choose}): the client's
     * own ({@link #OWN}), the shared one in {@link #picked} ({@link #SHARED}); or {@link #WAIT} (with
     * {@link #waiting} set), {@link #UNREACHABLE} (the side cannot be reached; {@link
     * Lane#unavailable} says why), or, for a mirrored command, which never waits, {@link #SKIP}.
     */
    private int pick(Lane lane, boolean mirror, SharedConnection preferred) {
        return pick(lane, ownMode, mirror, preferred);
    }

    private int pick(Lane lane, boolean own, boolean mirror, SharedConnection preferred) {
        int choice = lane.choose(own, mirror, preferred);
        switch (choice) {
            case Lane.WAIT_REPLIES -> waiting = Wait.REPLIES_OWED;
            case Lane.WAIT_OWN -> waiting = Wait.OWN_CONNECTION;
            case Lane.WAIT_SHARED -> waiting = Wait.SHARED_CONNECTION;
            case Lane.SHARED -> {
                picked = lane.chosen;
                return SHARED;
            }
            case Lane.OWN -> {
                return OWN;
            }
            case Lane.CLUSTER -> {
                picked = null;
                return SHARED;
            }
            case Lane.SKIP -> {
                return SKIP;
            }
            default -> {
                return UNREACHABLE;
            }
        }
        return WAIT;
    }

    private SharedConnection picked(Lane lane, int how) {
        return how == SHARED ? picked : null;
    }

    private void transmit(Lane lane, int how, SharedConnection connection, Object command, Exchange exchange) {
        lane.send(how == OWN ? null : connection, command, exchange);
    }

    /** SUBSCRIBE and friends, MONITOR: no reply is counted for them (see {@link #onOwnReply}). */
    private void sendUnanswered(Lane lane, int how, SharedConnection connection, CommandMessage command) {
        if (how == OWN) {
            lane.own.write(command, lane.own.voidPromise());
        } else {
            // Only connection-bound clients subscribe or monitor, and those have their own connections.
            command.release();
            log.error("client {}: a subscription command reached a shared connection; dropped", client.remoteAddress());
        }
    }

    private void otherSkipped(Exchange exchange, Lane other, int how) {
        context.mirrorsSkipped.increment();
        exchange.otherDone = true;
        exchange.otherFailure = "ERR Ferry: the " + other + " cannot take commands now"
                + (other.unavailable != null ? " (" + other.unavailable + ")" : " (connection busy or opening)");
        if (exchange.trace != null) {
            exchange.trace.failed(other.side, Outcome.NOT_SENT, exchange.otherFailure);
        }
        if (exchange.trace == null && exchange.plan != Exchange.COMPARED) {
            context.countUntracedRepair();
        }
    }

    private Exchange newExchange(CommandMessage command, byte kind, Side served, byte plan) {
        Exchange exchange = new Exchange(kind, true);
        exchange.session = this;
        exchange.served = served;
        exchange.plan = plan;
        exchange.sentNanos = System.nanoTime();
        CommandInfo info = commands.lookup(command);
        exchange.latency = context.latency.of(info);
        if (context.traffic.sample()) {
            // Copied now: the command is released once written.
            info.findKeys(command, keys);
            exchange.traffic = new TrafficTrace(
                    command, info, keys, context.nodeId, connectionId, sequence, conn.db, conn.protocol);
        }
        sequence++;
        return exchange;
    }

    private Exchange answered(byte kind, RespMessage reply) {
        Exchange exchange = Exchange.answered(kind, reply);
        exchange.session = this;
        sequence++;
        return exchange;
    }

    /** The proxy answers {@code command} itself, in order: after every reply owed. */
    private boolean answer(CommandMessage command, RespMessage reply) {
        command.release();
        order.add(answered(ReplyKind.FORWARD, reply));
        drainOrder();
        return true;
    }

    private WriteTrace traceIfJournaled(CommandMessage command, CommandInfo info, MigrationRoute route) {
        return context.journal.isDurable() ? trace(command, info, route) : null;
    }

    private WriteTrace trace(CommandMessage command, CommandInfo info, MigrationRoute route) {
        info.findKeys(command, keys);
        return new WriteTrace(
                command, info, keys, connectionId, sequence, conn.db, route.epoch(), route.authoritative());
    }

    /** Opens the client's own connection to {@code lane}'s side; commands wait for it ({@link Lane#choose}). */
    void openOwn(Lane lane) {
        lane.opening = true;
        Backend backend = lane.nodeWanted != null ? lane.nodeWanted : lane.backend;
        Lane.OwnListener listener = lane.ownListener();
        io.netty.channel.ChannelFuture connecting = backend.connect(client.eventLoop(), listener);
        listener.channel = connecting.channel();
        connecting.addListener((ChannelFutureListener) connected -> {
            lane.opening = false;
            if (!connected.isSuccess()) {
                String error = unreachable(lane, reason(connected.cause()));
                lane.unavailable = error;
                lane.retryAt = System.nanoTime() + RETRY_NANOS;
                if (waiting == Wait.OWN_CONNECTION) {
                    waiting = Wait.NONE;
                }
                if (lane == source && (state == State.CONNECTING || target == null)) {
                    fail(error);
                } else {
                    log.warn("client {}: {}", remote(), error);
                }
                releaseHeld();
                return;
            }
            Channel channel = connected.channel();
            if (state == State.CLOSED) {
                channel.close();
                return;
            }
            lane.own = channel;
            lane.ownBackend = backend;
            lane.link = null;
            lane.unavailable = null;
            lane.timedOut = false;
            lane.watch(mirrorTimeoutNanos);
            for (CommandMessage command : backend.handshake()) {
                sendInternal(lane, command, ReplyKind.INTERNAL);
            }
            for (CommandMessage command : conn.replay(backend.uri().db())) {
                sendInternal(lane, command, ReplyKind.REPLAY);
            }
            lane.own.flush();
            if (state == State.CONNECTING) {
                state = State.READY;
            }
            if (waiting == Wait.OWN_CONNECTION) {
                waiting = Wait.NONE;
            }
            releaseHeld();
        });
    }

    private void sendInternal(Lane lane, CommandMessage command, byte kind) {
        Exchange exchange = new Exchange(kind, false);
        exchange.session = this;
        lane.send(null, command, exchange);
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
        flushLanes();
        if (repliedLocally) {
            repliedLocally = false;
            clientOut.flush();
        }
        updateReading();
        closeAfterProtocolErrorIfDue();
    }

    private void flushLanes() {
        source.flush();
        if (target != null) {
            target.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushLanes();
        if (repliedLocally) {
            repliedLocally = false;
            clientOut.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A slow client: stop reading its replies from its own connections until it catches up; on a
        // shared one, stop taking its commands instead.
        boolean writable = client.isWritable();
        if (source.own != null) {
            source.own.config().setAutoRead(writable);
        }
        if (target != null && target.own != null) {
            target.own.config().setAutoRead(writable);
        }
        updateReading();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            // Like Redis's timeout: clients blocked in a command or subscribed are not idle.
            if (order.isEmpty() && !conn.subscribed && !conn.monitoring && held.isEmpty()) {
                log.debug("closing idle client {}", remote());
                client.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clientOut.discard();
        held.forEach(CommandMessage::release);
        held.clear();
        state = State.CLOSED;
        discardOrder();
        if (source.own != null) {
            source.own.close();
        }
        if (target != null && target.own != null) {
            target.own.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof RespProtocolException protocolException) {
            // As Redis does: the replies to the commands before the bad frame, then the error,
            // then the connection closed. The decoder reads nothing more.
            log.info("closing client {}: {}", remote(), protocolException.getMessage());
            protocolError = "ERR " + protocolException.redisMessage();
            updateReading();
            closeAfterProtocolErrorIfDue();
        } else if (cause instanceof IOException) {
            log.debug("client {} connection error: {}", remote(), cause.toString());
            ctx.close();
        } else {
            log.warn("closing client {} after an unexpected error", remote(), cause);
            ctx.close();
        }
    }

    // --- replies, on the same event loop ---

    /** A reply on the client's own connection to {@code lane}'s side. */
    void onOwnReply(Lane lane, RespMessage reply) {
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (conn.monitoring && lane == conn.pinned) {
            writeToClient(reply);
            return;
        }
        if (conn.pubSubUsed || reply instanceof PushMessage) {
            long frame = PubSubFrames.classify(reply, conn.subscribed);
            if (frame != PubSubFrames.NONE) {
                if (frame >= 0) {
                    conn.subscribed = frame > 0;
                    if (!conn.subscribed) {
                        conn.subscribing = false;
                        conn.unpinIfStateless();
                    }
                }
                writeToClient(reply);
                return;
            }
        }
        Exchange exchange = lane.ownOwed.poll();
        if (exchange == null) {
            // Owed to nobody any more (the client was failed meanwhile).
            ReferenceCountUtil.release(reply);
            return;
        }
        onExchangeReply(exchange, lane, reply);
    }

    /** A reply from a shared connection to {@code side}, in the order the commands were written to it. */
    void onSharedReply(Exchange exchange, Side side, RespMessage reply) {
        Lane lane = lane(side);
        onExchangeReply(exchange, lane, reply);
        if (!flushQueued && state != State.CLOSED) {
            flushQueued = true;
            if (lane.cluster != null) {
                lane.cluster.replied(this);
            } else {
                lane.shared.replied(this);
            }
        }
    }

    private void onExchangeReply(Exchange exchange, Lane lane, RespMessage reply) {
        lane.inFlight--;
        exchange.owed--;
        if (exchange.dead || state == State.CLOSED) {
            ReferenceCountUtil.release(reply);
            resumeIfWaitingForReplies();
            return;
        }
        if (!exchange.visible) {
            onInternalReply(exchange, lane, reply);
            resumeIfWaitingForReplies();
            return;
        }
        if (exchange.latency != null) {
            exchange.latency.record(
                    lane.side,
                    System.nanoTime() - exchange.sentNanos,
                    reply instanceof ErrorMessage || reply instanceof BulkErrorMessage);
        }
        if (sourceListeners != null
                && lane == source
                && exchange.plan != Exchange.SINGLE
                && reply instanceof ErrorMessage error
                && (error.text().startsWith("MOVED ") || error.text().startsWith("ASK "))) {
            // The source node refused a command the other side ran: its keys may differ now.
            if (exchange.trace != null) {
                exchange.trace.flag(WriteFlag.REPAIR);
            } else {
                context.countUntracedRepair();
            }
        }
        if (lane.side == exchange.served) {
            servedReply(exchange, lane, reply);
        } else {
            otherReply(exchange, lane, reply);
        }
        drainOrder();
        resumeIfWaitingForReplies();
    }

    private void servedReply(Exchange exchange, Lane lane, RespMessage reply) {
        switch (exchange.plan) {
            case Exchange.FALLBACK -> {
                if (isMiss(reply) && exchange.retry != null && resendToSource(exchange)) {
                    ReferenceCountUtil.release(reply);
                    return;
                }
                ReferenceCountUtil.release(exchange.retry);
                exchange.retry = null;
                exchange.reply = reply;
                exchange.ready = true;
            }
            case Exchange.BOTH_REQUIRED -> {
                if (exchange.trace != null) {
                    exchange.trace.replied(lane.side, reply);
                }
                exchange.servedCopy = reply;
                if (exchange.otherDone) {
                    decideBoth(exchange);
                }
            }
            default -> {
                if (exchange.trace != null) {
                    exchange.trace.replied(lane.side, reply);
                }
                exchange.reply = reply;
                exchange.ready = true;
            }
        }
        if (exchange.owed == 0 && exchange.trace != null) {
            finishTrace(exchange);
        }
    }

    private void otherReply(Exchange exchange, Lane lane, RespMessage reply) {
        exchange.otherDone = true;
        if (exchange.trace != null && context.route().writePolicy() != WritePolicy.BEST_EFFORT) {
            exchange.trace.replied(lane.side, reply);
        }
        if (exchange.plan == Exchange.BOTH_REQUIRED) {
            exchange.other = reply;
            if (exchange.servedCopy != null) {
                decideBoth(exchange);
            }
        } else {
            ReferenceCountUtil.release(reply);
        }
        if (exchange.owed == 0 && exchange.trace != null) {
            finishTrace(exchange);
        }
    }

    /** FALLBACK_ON_MISS: the target had nothing; ask the source, if that can be done at once. */
    private boolean resendToSource(Exchange exchange) {
        Wait before = waiting;
        int how = pick(source, true, null);
        waiting = before;
        if (how != OWN && how != SHARED) {
            return false;
        }
        CommandMessage command = exchange.retry;
        exchange.retry = null;
        exchange.served = Side.SOURCE;
        exchange.plan = Exchange.SINGLE;
        // The target's time was recorded; the source's counts from now.
        exchange.sentNanos = System.nanoTime();
        transmit(source, how, picked(source, how), command, exchange);
        source.flush();
        return true;
    }

    /** BOTH_REQUIRED: both sides answered (or one failed); the client's reply says which side failed. */
    private void decideBoth(Exchange exchange) {
        RespMessage sourceReply = exchange.servedCopy;
        RespMessage targetReply = exchange.other;
        exchange.servedCopy = null;
        exchange.other = null;
        String sourceError = sourceReply instanceof ErrorMessage error ? error.text() : null;
        String targetError = exchange.otherFailure != null
                ? exchange.otherFailure
                : targetReply instanceof ErrorMessage error ? error.text() : null;
        if (targetError != null && (sourceError == null || !sourceError.equals(targetError))) {
            ReferenceCountUtil.release(sourceReply);
            ReferenceCountUtil.release(targetReply);
            exchange.reply = ProxyReplies.error("ERR Ferry: the write failed on the target: " + oneLine(targetError));
        } else if (sourceError != null && targetError == null) {
            ReferenceCountUtil.release(sourceReply);
            ReferenceCountUtil.release(targetReply);
            exchange.reply = ProxyReplies.error("ERR Ferry: the write failed on the source: " + oneLine(sourceError));
        } else {
            // Both succeeded, or both refused it alike (a wrong type, a syntax error): the source's reply.
            ReferenceCountUtil.release(targetReply);
            exchange.reply = sourceReply;
        }
        exchange.ready = true;
    }

    private void finishTrace(Exchange exchange) {
        WriteTrace trace = exchange.trace;
        exchange.trace = null;
        if (exchange.plan == Exchange.COMPARED) {
            if (!trace.mismatched()) {
                return;
            }
            context.divergences.increment();
            if (context.route().readMode() == ReadMode.REPLICATED) {
                log.warn(
                        "divergence: {} {} answered {} bytes on the source and {} bytes on the target",
                        trace.command(),
                        trace.firstKeyForLog(),
                        trace.replySize(Side.SOURCE),
                        trace.replySize(Side.TARGET));
                return;
            }
            trace.flag(WriteFlag.MISMATCH);
            trace.flag(WriteFlag.REPAIR);
        }
        var record = trace.toRecord(context.nodeId);
        context.record(record, record.getFlags().contains(WriteFlag.REPAIR));
    }

    private void onInternalReply(Exchange exchange, Lane lane, RespMessage reply) {
        boolean refused = reply instanceof ErrorMessage;
        String text = refused ? ((ErrorMessage) reply).text() : null;
        ReferenceCountUtil.release(reply);
        if (!refused) {
            return;
        }
        switch (exchange.kind) {
            case ReplyKind.INTERNAL -> {
                log.error("the {} {} refused Ferry's handshake: {}", lane, lane.backend.uri(), text);
                failInFlight("ERR Ferry: the " + lane + " refused the proxy's credentials or database: " + text);
            }
            case ReplyKind.REPLAY -> log.debug("client {}: replaying its state on the {}: {}", remote(), lane, text);
            default ->
                log.warn("client {}: the {} refused a connection setting the client made: {}", remote(), lane, text);
        }
    }

    /** Writes the replies that are decided, in order, up to the first that is not. */
    private void drainOrder() {
        Exchange head;
        boolean wrote = false;
        while ((head = order.peek()) != null && head.ready) {
            order.poll();
            deliver(head);
            wrote = true;
            if (state == State.CLOSED || state == State.FAILED) {
                return;
            }
        }
        if (wrote) {
            repliedLocally = true;
            afterReply();
        }
    }

    private void deliver(Exchange exchange) {
        RespMessage reply = exchange.reply;
        exchange.reply = null;
        if (exchange.traffic != null) {
            context.traffic.record(exchange.traffic.complete(reply, exchange.served));
            exchange.traffic = null;
        }
        switch (exchange.kind) {
            case ReplyKind.AUTH, ReplyKind.HELLO_AUTH -> {
                if (!(reply instanceof ErrorMessage)) {
                    authenticated = true;
                    if (exchange.kind == ReplyKind.HELLO_AUTH) {
                        conn.protocol = conn.helloAuthProtocol;
                    }
                }
                writeToClient(reply);
                if (waiting == Wait.AUTH_REPLY) {
                    waiting = Wait.NONE;
                    clientOut.flush();
                    client.eventLoop().execute(this::releaseHeld);
                }
                return;
            }
            case ReplyKind.SELECT -> {
                if (reply instanceof ErrorMessage error) {
                    log.debug("client {}: SELECT {} refused: {}", remote(), exchange.argument, error.text());
                }
            }
            case ReplyKind.HELLO -> {
                if (!(reply instanceof ErrorMessage)) {
                    conn.protocol = exchange.argument;
                }
            }
            case ReplyKind.RESET -> afterReset();
            default -> {}
        }
        if (sourceListeners != null && reply instanceof ErrorMessage error) {
            reply = sourceListeners.rewrite(error, localHost);
        }
        writeToClient(reply);
        if (exchange.kind == ReplyKind.QUIT) {
            quitting = true;
            clientOut.handOver();
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            state = State.CLOSED;
        }
    }

    private void resumeIfWaitingForReplies() {
        if (waiting == Wait.REPLIES_OWED) {
            waiting = Wait.NONE;
            releaseHeld();
        }
    }

    private void afterReply() {
        if (closeAfterProtocolErrorIfDue()) {
            return;
        }
        if (draining && order.isEmpty()) {
            clientOut.handOver();
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private boolean closeAfterProtocolErrorIfDue() {
        if (protocolError != null && state != State.CLOSED && order.isEmpty() && held.isEmpty()) {
            replyAndClose(protocolError);
            return true;
        }
        return false;
    }

    void onOwnReadComplete() {
        if (client != null) {
            clientOut.flush();
        }
    }

    void onLaneWritable(Lane lane) {
        updateReading();
    }

    /** The client's own connection to {@code lane}'s side closed. */
    void onOwnInactive(Lane lane) {
        if (lane.own == null) {
            return;
        }
        lane.own = null;
        lane.unwatch();
        boolean timedOut = lane.timedOut;
        lane.timedOut = false;
        if (state == State.CLOSED || quitting) {
            client.close();
            return;
        }
        if (lane.side == Side.TARGET) {
            // The target dropped it (restarting, failing over) or did not answer in time: its reads go to the
            // source until it answers again as the same server.
            context.targetConnectionLost();
        }
        boolean owesClient = lane == conn.pinned || lane == source && target == null;
        for (Exchange exchange : lane.ownOwed) {
            owesClient |= exchange.visible && !exchange.ready && exchange.served == lane.side;
        }
        String error = timedOut
                ? "ERR Ferry: the " + lane + " did not answer within "
                        + TimeUnit.NANOSECONDS.toMillis(mirrorTimeoutNanos) + " ms"
                : lost(lane);
        if (timedOut) {
            log.warn(
                    "the {} did not answer a mirrored command of client {} within {} ms; closed the client's "
                            + "own connection to it ({} commands in flight are flagged for repair)",
                    lane,
                    remote(),
                    TimeUnit.NANOSECONDS.toMillis(mirrorTimeoutNanos),
                    lane.ownOwed.size());
        }
        if (owesClient) {
            log.warn("lost the {} connection of client {}", lane, remote());
            lane.ownOwed.clear();
            failInFlight(error);
            return;
        }
        // Only mirrored commands were owed there: they count as failed, the client goes on.
        log.warn(
                "lost the {} connection of client {}; the writes in flight there are flagged for repair",
                lane,
                remote());
        Exchange exchange;
        while ((exchange = lane.ownOwed.poll()) != null) {
            onLost(exchange, lane, error, timedOut);
        }
        drainOrder();
        flushIfReplied();
        resumeIfWaitingForReplies();
    }

    void onOwnFailure(Lane lane, Throwable cause) {
        if (cause instanceof RespProtocolException protocolException) {
            // A reply over the output buffer limit, or a server speaking something else than RESP.
            log.warn(
                    "closing client {}: reply from the {} not accepted: {}",
                    remote(),
                    lane,
                    protocolException.getMessage());
        } else {
            log.debug("{} connection error for client {}: {}", lane, remote(), cause.toString());
        }
    }

    /** A shared connection to {@code side} that owed {@code exchange} a reply was lost, or timed out. */
    void onSharedLost(Exchange exchange, Side side, String error, boolean timedOut) {
        Lane lane = lane(side);
        if (state == State.CLOSED || exchange.dead) {
            lane.inFlight--;
            exchange.owed--;
            return;
        }
        if (exchange.visible && exchange.served == side && !exchange.ready) {
            lane.inFlight--;
            exchange.owed--;
            recordLost(exchange, lane);
            if (state != State.FAILED) {
                log.warn("lost the shared {} connection of client {}", lane, remote());
                failInFlight(error);
            }
            return;
        }
        onLost(exchange, lane, error, timedOut);
        drainOrder();
        flushIfReplied();
        resumeIfWaitingForReplies();
    }

    /** A side's connection was lost (or timed out) before it answered: an error for that side's figures. */
    private static void recordLost(Exchange exchange, Lane lane) {
        if (exchange.latency != null) {
            exchange.latency.record(lane.side, System.nanoTime() - exchange.sentNanos, true);
        }
    }

    /** Flushes what was written to the client outside a read of one of its connections. */
    private void flushIfReplied() {
        if (repliedLocally && state != State.CLOSED) {
            repliedLocally = false;
            clientOut.flush();
        }
    }

    private void onLost(Exchange exchange, Lane lane, String error, boolean timedOut) {
        lane.inFlight--;
        exchange.owed--;
        if (exchange.dead || !exchange.visible) {
            return;
        }
        recordLost(exchange, lane);
        exchange.otherDone = true;
        exchange.otherFailure = error;
        if (timedOut) {
            context.mirrorTimeouts.increment();
        }
        if (exchange.trace != null) {
            exchange.trace.failed(lane.side, timedOut ? Outcome.TIMEOUT : Outcome.ERROR, error);
        }
        if (exchange.plan == Exchange.BOTH_REQUIRED && exchange.servedCopy != null) {
            decideBoth(exchange);
        }
        if (exchange.owed == 0 && exchange.trace != null) {
            finishTrace(exchange);
        } else if (exchange.trace == null && exchange.plan != Exchange.COMPARED) {
            context.countUntracedRepair();
        }
    }

    /** The event loop's shared connection to a side can take commands. */
    void onSharedReady(SharedConnection connection) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.CONNECTING) {
            state = State.READY;
            updateReading();
        } else if (waiting == Wait.SHARED_CONNECTION) {
            waiting = Wait.NONE;
            releaseHeld();
        }
    }

    /** The shared connection to {@code side} could not be opened. */
    void onSharedUnavailable(Side side, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        Lane lane = lane(side);
        String error = unreachable(lane, reason);
        if (state == State.CONNECTING) {
            fail(error);
        } else if (waiting == Wait.SHARED_CONNECTION) {
            waiting = Wait.NONE;
            if (side == Side.SOURCE && target == null) {
                fail(error);
            } else {
                lane.unavailable = error;
                lane.retryAt = System.nanoTime() + RETRY_NANOS;
            }
            releaseHeld();
        }
    }

    /** Flushes the replies written since the shared connection's read began. */
    void flushReplies() {
        flushQueued = false;
        clientOut.flush();
    }

    /** A shared connection this client writes to drained its write buffer. */
    void onSourceWritable() {
        if (state != State.CLOSED) {
            updateReading();
        }
    }

    /** How long a side that does not serve a command may take to answer it; see {@link SharedConnection}. */
    long mirrorTimeoutNanos() {
        return mirrorTimeoutNanos;
    }

    /** Stop taking commands, close once every reply owed has been written. */
    void drain() {
        client.eventLoop().execute(() -> {
            draining = true;
            updateReading();
            if (order.isEmpty()) {
                clientOut.handOver();
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    private void afterReset() {
        // RESET logs the connections out and back to database 0 and RESP2: restore Ferry's own
        // authentication and database so the next client command runs where it did before.
        authenticated = !requiresAuth;
        conn.reset(source.backend.uri().db());
        for (Lane lane : lanes()) {
            if (lane.own != null) {
                for (CommandMessage command : lane.backend.handshake()) {
                    sendInternal(lane, command, ReplyKind.INTERNAL);
                }
                lane.flush();
            }
        }
    }

    private void writeToClient(RespMessage reply) {
        clientOut.write(reply);
        ChannelOutboundBuffer buffer = client.unsafe().outboundBuffer();
        if (buffer != null && buffer.totalPendingWriteBytes() + clientOut.gatheredBytes() > outputBufferLimit) {
            log.warn(
                    "closing client {}: more than {} reply bytes queued (client.output-buffer-limit)",
                    remote(),
                    outputBufferLimit);
            client.close();
        }
    }

    private void failInFlight(String error) {
        if (state == State.FAILED || state == State.CLOSED) {
            return;
        }
        int owed = 0;
        for (Exchange exchange : order) {
            if (!exchange.ready) {
                owed++;
            }
        }
        // Replies already decided come first, in order; then an error for each still owed.
        Exchange exchange;
        while ((exchange = order.peek()) != null && exchange.ready) {
            order.poll();
            writeToClient(exchange.reply);
            exchange.reply = null;
        }
        discardOrder();
        state = State.FAILED;
        failure = error;
        for (int i = 0; i < Math.max(1, owed); i++) {
            clientOut.write(ProxyReplies.error(error));
        }
        clientOut.handOver();
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void discardOrder() {
        Exchange exchange;
        while ((exchange = order.poll()) != null) {
            exchange.dead = true;
            exchange.discard();
        }
    }

    private void fail(String error) {
        state = State.FAILED;
        failure = error;
        log.warn("client {}: {}", remote(), error);
        // The client hears of it on its next command, as a reply it can match.
        client.config().setAutoRead(true);
    }

    private void replyAndClose(String error) {
        clientOut.handOver();
        ChannelFuture written = client.writeAndFlush(ProxyReplies.error(oneLine(error)));
        written.addListener(ChannelFutureListener.CLOSE);
    }

    private boolean writable() {
        if (!client.isWritable()) {
            return false;
        }
        if (!sharedWritable(source) || target != null && !sharedWritable(target)) {
            return false;
        }
        Lane authoritative = lane(context.route().authoritative());
        return authoritative.own == null || authoritative.own.isWritable();
    }

    private boolean sharedWritable(Lane lane) {
        if (lane.own == null && lane.cluster != null && !lane.cluster.isWritable()) {
            lane.cluster.awaitWritable(this);
            return false;
        }
        // A link to a connection that is gone holds nothing back: the next command opens another.
        if (lane.own == null && lane.link != null && lane.link.isOpen() && !lane.link.isWritable()) {
            lane.link.awaitWritable(this);
            return false;
        }
        return true;
    }

    private void updateReading() {
        boolean read = state == State.READY
                && protocolError == null
                && !draining
                && !quitting
                && waiting == Wait.NONE
                && held.isEmpty()
                && writable();
        if (state == State.FAILED) {
            // The client hears of the failure on its next command.
            read = true;
        }
        client.config().setAutoRead(read);
    }

    // --- lanes ---

    private Lane lane(Side side) {
        return side == Side.TARGET && target != null ? target : source;
    }

    private Lane other(Lane lane) {
        return lane == source ? (target != null ? target : source) : source;
    }

    private Lane authoritativeLane() {
        MigrationRoute route = context.route();
        return authoritativeLane(route, target != null && route.usesTarget());
    }

    private Lane authoritativeLane(MigrationRoute route, boolean withTarget) {
        return withTarget ? lane(route.authoritative()) : source;
    }

    private Lane pinnedOr(Lane lane) {
        return conn.pinned != null ? conn.pinned : lane;
    }

    private List<Lane> lanes() {
        List<Lane> lanes = new ArrayList<>(2);
        lanes.add(source);
        if (target != null) {
            lanes.add(target);
        }
        return lanes;
    }

    private String unreachable(Lane lane, String reason) {
        return lane == source
                ? ProxyReplies.sourceUnreachable(lane.backend.uri().toString(), reason)
                : "ERR Ferry: cannot reach the " + lane + " " + lane.backend.uri() + ": " + reason;
    }

    private String lost(Lane lane) {
        return lane == source ? ProxyReplies.SOURCE_LOST : "ERR Ferry: the connection to the " + lane + " was lost";
    }

    private Object remote() {
        return client == null ? "(not connected)" : client.remoteAddress();
    }
}
