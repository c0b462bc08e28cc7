package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.ClusterTopology;
import io.ferry.proxy.cluster.KeySlot;
import io.ferry.resp.ArrayMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandKind;
import io.ferry.resp.command.CommandTable;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Side;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop to the nodes of one side's Redis Cluster, and the routing of the
 * commands its clients send there: each to the primary serving its keys' slot, with a connection per
 * node that every client of the event loop pipelines over (as {@link SharedConnection} does for a
 * single server).
 *
 * <p>What makes a cluster look like one server to the sessions, which see one reply per command:
 *
 * <ul>
 *   <li>A {@code MOVED} reply sends the command again to the node it names, which serves that slot
 *       from then on, and refreshes the topology; {@code ASK} sends it to the named node after {@code
 *       ASKING}; {@code TRYAGAIN} and {@code CLUSTERDOWN} (a resharding or failover under way) send
 *       it again after {@link #RETRY_DELAY_MS}. Each command follows at most {@link #MAX_REDIRECTS}
 *       redirections and {@link #MAX_RETRIES} retries, then its last reply is the answer.
 *   <li>Commands whose keys fall in different slots are split where Redis's semantics allow it:
 *       {@code MSET} (one {@code MSET} per slot, OK when all are), {@code DEL}, {@code UNLINK},
 *       {@code EXISTS}, {@code TOUCH} (the counts added up), {@code MGET} (the values put back in the
 *       keys' order). Other commands across slots are not routed here by the session ({@link
 *       #splits}): they run on the other side and their keys are repaired.
 *   <li>Keyless writes ({@code FLUSHALL}, {@code SCRIPT LOAD}, {@code FUNCTION LOAD}) reach every
 *       primary; the first error, else the first reply, is the answer. Other keyless commands go to
 *       one primary.
 *   <li>A node connection lost, or not answering a command the side does not serve within the mirror
 *       timeout, fails the commands in flight on it as a lost {@link SharedConnection} does.
 * </ul>
 *
 * <p>Confined to its event loop.
 */
final class ClusterConnections {
    private static final Logger log = LoggerFactory.getLogger(ClusterConnections.class);

    static final int MAX_REDIRECTS = 5;
    static final int MAX_RETRIES = 40;
    static final long RETRY_DELAY_MS = 50;
    /** Commands that may wait for one node's connection to open; more are failed at once. */
    static final int MAX_WAITING = 10_000;

    // How the replies of a command's parts make the client's reply.
    private static final byte ONE = 0;
    private static final byte FIRST_ERROR = 1;
    private static final byte SUM = 2;
    private static final byte VALUES = 3;

    private static final byte[] MSET = ascii("MSET");
    private static final byte[] MGET = ascii("MGET");
    private static final byte[] DEL = ascii("DEL");
    private static final byte[] UNLINK = ascii("UNLINK");
    private static final byte[] EXISTS = ascii("EXISTS");
    private static final byte[] TOUCH = ascii("TOUCH");
    private static final byte[] ASKING = ascii("ASKING");

    private final EventLoop loop;
    private final ClusterView view;
    private final Side side;
    private final CommandTable commands;
    private final long mirrorTimeoutNanos;
    private final String sideName;
    /** The protocol of the node connections (2, or 3 for clients that chose RESP3): their replies are the clients'. */
    private final int protocol;

    private final Map<String, Node> nodes = new HashMap<>();
    private final KeyPositions keys = new KeyPositions();
    private final List<ClientSession> replied = new ArrayList<>();

    /** The topology the slot table below was built for. */
    private ClusterTopology seen;
    /** The node of each shard of {@link #seen}, opened when first used. */
    private Node[] shardNodes = new Node[0];
    /** Slots a MOVED reply moved since {@link #seen} was read. */
    private final Map<Integer, Node> moved = new HashMap<>();
    /** Node connections that cannot take more bytes now. */
    private int unwritable;
    /** Sessions that stopped reading their client until every node connection drains. */
    private final List<ClientSession> awaitingWritable = new ArrayList<>();

    /** Told when a node connection drops (the target's sentinel holds reads until every node answers). */
    private final Runnable dropped;

    ClusterConnections(
            EventLoop loop,
            ClusterView view,
            Side side,
            CommandTable commands,
            long mirrorTimeoutNanos,
            int protocol,
            Runnable dropped) {
        this.loop = loop;
        this.dropped = dropped;
        this.protocol = protocol;
        this.view = view;
        this.side = side;
        this.commands = commands;
        this.mirrorTimeoutNanos = mirrorTimeoutNanos;
        this.sideName = side.name().toLowerCase(Locale.ROOT);
    }

    ClusterView view() {
        return view;
    }

    /** Whether every node connection can take more bytes now. */
    boolean isWritable() {
        return unwritable == 0;
    }

    /** Calls {@link ClientSession#onSourceWritable()} for {@code session} once every node connection drains. */
    void awaitWritable(ClientSession session) {
        if (!awaitingWritable.contains(session)) {
            awaitingWritable.add(session);
        }
    }

    private void writableAgain() {
        if (unwritable == 0 && !awaitingWritable.isEmpty()) {
            List<ClientSession> waiting = new ArrayList<>(awaitingWritable);
            awaitingWritable.clear();
            waiting.forEach(ClientSession::onSourceWritable);
        }
    }

    /**
     * True when {@code command} can be routed here as it is: its keys lie in one slot, or it is a
     * command this class splits by slot. False for other commands across slots, which a Redis Cluster
     * would refuse with CROSSSLOT.
     */
    boolean splits(CommandMessage command, CommandInfo info) {
        info.findKeys(command, keys);
        if (keys.count() < 2 || splittable(command) != 0) {
            return true;
        }
        int first = KeySlot.of(command.arg(keys.index(0)));
        for (int i = 1; i < keys.count(); i++) {
            if (KeySlot.of(command.arg(keys.index(i))) != first) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends {@code command} (owned from now on) for {@code exchange}; the exchange's session gets
     * exactly one {@link ClientSession#onSharedReply} or {@link ClientSession#onSharedLost} for it.
     */
    void write(CommandMessage command, Exchange exchange) {
        CommandInfo info = commands.lookup(command);
        info.findKeys(command, keys);
        Request request = new Request(exchange);
        if (keys.isEmpty()) {
            List<Node> masters = masters();
            if (masters.isEmpty()) {
                command.release();
                request.pending = 1;
                answerLater(new Part(request, null), "CLUSTERDOWN Ferry: the " + sideName + " cluster serves no slots");
                return;
            }
            // Only commands that never have keys reach every primary: a script or an unknown command
            // without keys here may still touch keys, and must run once.
            boolean everywhere = info.isKnown()
                    && info.noKeys()
                    && (info.isWrite() || info.kindOf(command) == CommandKind.SCRIPTING);
            if (!everywhere || masters.size() == 1) {
                request.pending = 1;
                send(new Part(request, command), masters.get(0));
                return;
            }
            request.merge = FIRST_ERROR;
            request.pending = masters.size();
            for (int i = 0; i < masters.size(); i++) {
                CommandMessage copy = i == masters.size() - 1 ? command : (CommandMessage) command.retain();
                send(new Part(request, copy), masters.get(i));
            }
            return;
        }
        int count = keys.count();
        int slot = KeySlot.of(command.arg(keys.index(0)));
        boolean oneSlot = true;
        for (int i = 1; i < count && oneSlot; i++) {
            oneSlot = KeySlot.of(command.arg(keys.index(i))) == slot;
        }
        byte merge = oneSlot ? ONE : splittable(command);
        if (merge == ONE) {
            request.pending = 1;
            Part part = new Part(request, command);
            part.slot = slot;
            route(part);
            return;
        }
        split(command, request, merge);
    }

    /** The merge of a command this class splits by slot; {@link #ONE} for any other. */
    private static byte splittable(CommandMessage command) {
        if (command.nameEquals(MSET)) {
            return FIRST_ERROR;
        }
        if (command.nameEquals(MGET)) {
            return VALUES;
        }
        if (command.nameEquals(DEL)
                || command.nameEquals(UNLINK)
                || command.nameEquals(EXISTS)
                || command.nameEquals(TOUCH)) {
            return SUM;
        }
        return ONE;
    }

    /** One command per slot, of the keys in that slot (with their values for MSET), in the keys' order. */
    private void split(CommandMessage command, Request request, byte merge) {
        int count = keys.count();
        boolean pairs = command.nameEquals(MSET);
        int[] slots = new int[count];
        for (int i = 0; i < count; i++) {
            slots[i] = KeySlot.of(command.arg(keys.index(i)));
        }
        List<Part> parts = new ArrayList<>();
        boolean[] taken = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (taken[i]) {
                continue;
            }
            List<ByteBuf> args = new ArrayList<>();
            args.add(command.arg(0).retainedDuplicate());
            int[] positions = new int[count - i];
            int used = 0;
            for (int j = i; j < count; j++) {
                if (!taken[j] && slots[j] == slots[i]) {
                    taken[j] = true;
                    positions[used++] = j;
                    int index = keys.index(j);
                    args.add(command.arg(index).retainedDuplicate());
                    if (pairs) {
                        args.add(command.arg(index + 1).retainedDuplicate());
                    }
                }
            }
            Part part = new Part(request, CommandMessage.of(args.toArray(new ByteBuf[0])));
            part.slot = slots[i];
            part.positions = Arrays.copyOf(positions, used);
            parts.add(part);
        }
        command.release();
        view.splits.increment();
        request.merge = merge;
        request.pending = parts.size();
        if (merge == VALUES) {
            request.values = new RespMessage[count];
        }
        for (Part part : parts) {
            route(part);
        }
    }

    /** Sends {@code part} to the node serving its slot. */
    private void route(Part part) {
        Node node = nodeOf(part.slot);
        if (node == null) {
            answerLater(part, "CLUSTERDOWN Hash slot not served");
            return;
        }
        send(part, node);
    }

    /**
     * Answers {@code part} with the error {@code text} on the next pass of the event loop: never while
     * the session is still sending the command (its other side may not have been sent yet).
     */
    private void answerLater(Part part, String text) {
        loop.execute(() -> {
            finish(part, ErrorMessage.of(text));
            flushClients();
        });
    }

    private Node nodeOf(int slot) {
        ClusterTopology topology = current();
        if (!moved.isEmpty()) {
            Node node = moved.get(slot);
            if (node != null) {
                return node;
            }
        }
        int shard = topology.shardOf(slot);
        if (shard < 0) {
            return null;
        }
        Node node = shardNodes[shard];
        if (node == null) {
            ClusterNode master = topology.shards().get(shard).master();
            node = node(master.host(), master.port());
            shardNodes[shard] = node;
        }
        return node;
    }

    private List<Node> masters() {
        ClusterTopology topology = current();
        List<Node> masters = new ArrayList<>(shardNodes.length);
        for (int shard = 0; shard < shardNodes.length; shard++) {
            if (topology.shards().get(shard).slotCount() == 0) {
                continue;
            }
            if (shardNodes[shard] == null) {
                ClusterNode master = topology.shards().get(shard).master();
                shardNodes[shard] = node(master.host(), master.port());
            }
            masters.add(shardNodes[shard]);
        }
        return masters;
    }

    /** The topology in force, the slot table rebuilt when it changed. */
    private ClusterTopology current() {
        ClusterTopology topology = view.topology();
        if (topology != seen) {
            seen = topology;
            shardNodes = new Node[topology.shards().size()];
            moved.clear();
        }
        return topology;
    }

    private Node node(String host, int port) {
        String address = host + ":" + port;
        Node node = nodes.get(address);
        if (node == null) {
            node = new Node(address, view.backend(host, port).withProtocol(protocol));
            nodes.put(address, node);
        }
        return node;
    }

    private void send(Part part, Node node) {
        node.send(part);
    }

    // --- replies ---

    private void onPartReply(Part part, RespMessage reply) {
        if (reply instanceof ErrorMessage error && part.request != null) {
            String text = error.text();
            if ((text.startsWith("MOVED ") || text.startsWith("ASK ")) && part.redirects < MAX_REDIRECTS) {
                Node to = redirectTarget(text, part.node);
                if (to != null) {
                    part.redirects++;
                    view.redirects.increment();
                    ReferenceCountUtil.release(reply);
                    if (text.startsWith("MOVED ")) {
                        if (part.slot >= 0) {
                            moved.put(part.slot, to);
                        }
                        view.refresh();
                    } else {
                        to.send(new Part(null, CommandMessage.of(io.netty.buffer.Unpooled.wrappedBuffer(ASKING))));
                    }
                    to.send(part);
                    return;
                }
            }
            if ((text.startsWith("TRYAGAIN") || text.startsWith("CLUSTERDOWN") || text.startsWith("LOADING"))
                    && part.retries < MAX_RETRIES) {
                part.retries++;
                view.retries.increment();
                ReferenceCountUtil.release(reply);
                view.refresh();
                // A keyless command (no slot) is retried on the node it was sent to.
                Node to = part.node;
                loop.schedule(
                        () -> {
                            if (part.slot >= 0 || to == null) {
                                route(part);
                            } else {
                                to.send(part);
                            }
                        },
                        RETRY_DELAY_MS,
                        TimeUnit.MILLISECONDS);
                return;
            }
        }
        finish(part, reply);
    }

    /** The node a MOVED or ASK reply names ({@code MOVED <slot> <host>:<port>}); null when unreadable. */
    private Node redirectTarget(String text, Node from) {
        int space = text.lastIndexOf(' ');
        int colon = text.lastIndexOf(':');
        if (space < 0 || colon < space) {
            return null;
        }
        try {
            String host = text.substring(space + 1, colon);
            int port = Integer.parseInt(text.substring(colon + 1).trim());
            if (host.isEmpty()) {
                // "MOVED 3999 :6380": the node does not know its own address; the host it was reached at.
                if (from == null) {
                    return null;
                }
                host = from.address.substring(0, from.address.lastIndexOf(':'));
            }
            return node(host, port);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code part} is answered by {@code reply} (owned from now on). */
    private void finish(Part part, RespMessage reply) {
        Request request = part.request;
        ReferenceCountUtil.release(part.command);
        part.command = null;
        switch (request.merge) {
            case ONE -> request.result = reply;
            case FIRST_ERROR -> {
                if (request.result == null
                        || (reply instanceof ErrorMessage && !(request.result instanceof ErrorMessage))) {
                    ReferenceCountUtil.release(request.result);
                    request.result = reply;
                } else {
                    ReferenceCountUtil.release(reply);
                }
            }
            case SUM -> {
                if (reply instanceof IntegerMessage integer) {
                    request.sum += integer.value();
                } else {
                    keepError(request, reply);
                }
            }
            default -> {
                if (reply instanceof ArrayMessage array && array.size() == part.positions.length) {
                    for (int i = 0; i < part.positions.length; i++) {
                        request.values[part.positions[i]] = ReferenceCountUtil.retain(array.get(i));
                    }
                    ReferenceCountUtil.release(reply);
                } else {
                    keepError(request, reply);
                }
            }
        }
        if (--request.pending == 0) {
            complete(request);
        }
    }

    private static void keepError(Request request, RespMessage reply) {
        if (request.result == null) {
            request.result = reply instanceof ErrorMessage ? reply : ErrorMessage.of("ERR Ferry: unexpected reply");
            if (request.result != reply) {
                ReferenceCountUtil.release(reply);
            }
        } else {
            ReferenceCountUtil.release(reply);
        }
    }

    /** {@code part} will not be answered: its connection was lost or timed out. */
    private void lose(Part part, String error, boolean timedOut) {
        Request request = part.request;
        ReferenceCountUtil.release(part.command);
        part.command = null;
        if (request == null) {
            return;
        }
        if (request.lost == null) {
            request.lost = error;
            request.timedOut = timedOut;
        }
        if (--request.pending == 0) {
            complete(request);
        }
    }

    private void complete(Request request) {
        Exchange exchange = request.exchange;
        if (request.lost != null) {
            ReferenceCountUtil.release(request.result);
            releaseValues(request);
            exchange.session.onSharedLost(exchange, side, request.lost, request.timedOut);
            return;
        }
        RespMessage reply;
        switch (request.merge) {
            case SUM -> reply = request.result != null ? request.result : IntegerMessage.of(request.sum);
            case VALUES -> {
                if (request.result != null) {
                    releaseValues(request);
                    reply = request.result;
                } else {
                    List<RespMessage> values = new ArrayList<>(request.values.length);
                    for (RespMessage value : request.values) {
                        values.add(
                                value == null ? (protocol == 3 ? NullMessage.RESP3 : NullMessage.RESP2_BULK) : value);
                    }
                    reply = ArrayMessage.of(values);
                }
            }
            default -> reply = request.result != null ? request.result : SimpleStringMessage.OK;
        }
        exchange.session.onSharedReply(exchange, side, reply);
    }

    private static void releaseValues(Request request) {
        if (request.values != null) {
            for (RespMessage value : request.values) {
                ReferenceCountUtil.release(value);
            }
            request.values = null;
        }
    }

    /** Notes that {@code session} was written a reply, to be flushed when the read completes. */
    void replied(ClientSession session) {
        replied.add(session);
    }

    private void flushClients() {
        for (int i = 0; i < replied.size(); i++) {
            replied.get(i).flushReplies();
        }
        replied.clear();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** One client command sent to the cluster, in one part or several. */
    private static final class Request {
        final Exchange exchange;
        byte merge = ONE;
        int pending;
        RespMessage result;
        long sum;
        RespMessage[] values;
        String lost;
        boolean timedOut;

        Request(Exchange exchange) {
            this.exchange = exchange;
        }
    }

    /** What one node is sent for a request (or an ASKING of Ferry's own, with no request). */
    private static final class Part {
        final Request request;
        /** Held until answered; retained again for each send. */
        CommandMessage command;

        int slot = -1;
        int[] positions;
        int redirects;
        int retries;
        long sentNanos;
        /** The node it was last sent to. */
        Node node;

        Part(Request request, CommandMessage command) {
            this.request = request;
            this.command = command;
        }
    }

    /** The event loop's connection to one node. */
    private final class Node implements Backend.Listener {
        final String address;
        final Backend backend;
        private final ArrayDeque<Part> owed = new ArrayDeque<>();
        private final ArrayDeque<Part> waiting = new ArrayDeque<>();
        private final Runnable flushTask = this::flushNow;
        private Channel channel;
        private CoalescedWrites out;
        private boolean connecting;
        private int handshakeReplies;
        private boolean flushScheduled;
        private boolean writable = true;
        private boolean timedOut;
        private ScheduledFuture<?> timeoutCheck;

        Node(String address, Backend backend) {
            this.address = address;
            this.backend = backend;
        }

        void send(Part part) {
            part.node = this;
            if (channel == null) {
                if (waiting.size() >= MAX_WAITING) {
                    String error = "ERR Ferry: more than " + MAX_WAITING + " commands wait for the connection to the "
                            + sideName + " node " + address;
                    loop.execute(() -> {
                        lose(part, error, false);
                        flushClients();
                    });
                    return;
                }
                waiting.add(part);
                if (!connecting) {
                    connect();
                }
                return;
            }
            write(part);
        }

        private void write(Part part) {
            part.sentNanos = System.nanoTime();
            owed.add(part);
            out.write(part.command.retain());
            if (!flushScheduled) {
                flushScheduled = true;
                loop.execute(flushTask);
            }
        }

        private void flushNow() {
            flushScheduled = false;
            if (channel != null) {
                out.flush();
            }
        }

        private void connect() {
            connecting = true;
            backend.connect(loop, this).addListener((ChannelFutureListener) connected -> {
                connecting = false;
                if (!connected.isSuccess()) {
                    String error = "ERR Ferry: cannot reach the " + sideName + " node " + address + ": "
                            + ClientCommands.reason(connected.cause());
                    log.warn("{}", error);
                    view.refresh();
                    forget();
                    Part part;
                    while ((part = waiting.poll()) != null) {
                        lose(part, error, false);
                    }
                    flushClients();
                    return;
                }
                channel = connected.channel();
                out = new CoalescedWrites(channel);
                if (mirrorTimeoutNanos > 0) {
                    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), mirrorTimeoutNanos / 4);
                    timeoutCheck = loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
                }
                for (CommandMessage command : backend.handshake()) {
                    handshakeReplies++;
                    channel.write(command, channel.voidPromise());
                }
                Part part;
                while ((part = waiting.poll()) != null) {
                    write(part);
                }
                channel.flush();
            });
        }

        /** Taken out of the event loop's nodes: the next command to this address opens a new connection. */
        private void forget() {
            if (nodes.get(address) == this) {
                nodes.remove(address);
            }
            for (int i = 0; i < shardNodes.length; i++) {
                if (shardNodes[i] == this) {
                    shardNodes[i] = null;
                }
            }
            moved.values().removeIf(node -> node == this);
        }

        private void checkTimeout() {
            Part oldest = owed.peek();
            if (oldest == null || channel == null) {
                return;
            }
            if (oldest.request != null
                    && oldest.request.exchange.served != side
                    && System.nanoTime() - oldest.sentNanos > mirrorTimeoutNanos) {
                log.warn(
                        "the {} node {} did not answer a mirrored command within {} ms; closing the connection "
                                + "({} commands in flight are flagged for repair)",
                        sideName,
                        address,
                        TimeUnit.NANOSECONDS.toMillis(mirrorTimeoutNanos),
                        owed.size());
                timedOut = true;
                channel.close();
            }
        }

        @Override
        public void onReply(RespMessage reply) {
            if (handshakeReplies > 0) {
                handshakeReplies--;
                if (reply instanceof ErrorMessage error) {
                    log.error("the {} node {} refused Ferry's handshake: {}", sideName, address, error.text());
                    channel.close();
                }
                ReferenceCountUtil.release(reply);
                return;
            }
            Part part = owed.poll();
            if (part == null) {
                log.warn("unexpected {} from the {} node {}; ignored", reply.type(), sideName, address);
                ReferenceCountUtil.release(reply);
                return;
            }
            if (part.request == null) {
                // Ferry's ASKING.
                ReferenceCountUtil.release(part.command);
                ReferenceCountUtil.release(reply);
                return;
            }
            onPartReply(part, reply);
        }

        @Override
        public void onReadComplete() {
            flushClients();
        }

        @Override
        public void onWritabilityChanged(boolean now) {
            if (now != writable) {
                writable = now;
                unwritable += now ? -1 : 1;
                writableAgain();
            }
        }

        @Override
        public void onInactive() {
            if (timeoutCheck != null) {
                timeoutCheck.cancel(false);
            }
            if (!writable) {
                writable = true;
                unwritable--;
                writableAgain();
            }
            if (out != null) {
                out.discard();
            }
            forget();
            dropped.run();
            if (owed.isEmpty() && waiting.isEmpty()) {
                return;
            }
            log.warn("lost the connection to the {} node {} with {} replies owed", sideName, address, owed.size());
            view.refresh();
            String error = timedOut
                    ? "ERR Ferry: the " + sideName + " node " + address + " did not answer within "
                            + TimeUnit.NANOSECONDS.toMillis(mirrorTimeoutNanos) + " ms"
                    : "ERR Ferry: the connection to the " + sideName + " node " + address + " was lost";
            Part part;
            while ((part = owed.poll()) != null) {
                lose(part, error, timedOut);
            }
            while ((part = waiting.poll()) != null) {
                lose(part, error, timedOut);
            }
            flushClients();
        }

        @Override
        public void onFailure(Throwable cause) {
            if (cause instanceof RespProtocolException protocol) {
                log.warn(
                        "closing the connection to the {} node {}: reply not accepted: {}",
                        sideName,
                        address,
                        protocol.getMessage());
            } else {
                log.debug("{} node {} connection error: {}", sideName, address, cause.toString());
            }
        }
    }
}
