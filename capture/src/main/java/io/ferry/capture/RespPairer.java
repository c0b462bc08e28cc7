package io.ferry.capture;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.AsciiText;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespType;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.traffic.CapturedCommand;
import io.ferry.traffic.TrafficRecords;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * One client connection's conversation: parses what the client sent and what the server answered
 * with the project's RESP decoder, pairs each command with its reply in order (pipelining), and turns
 * each pair into a traffic record. Follows what changes the meaning of the stream: SELECT (the db of
 * later commands), HELLO (RESP3), MULTI/EXEC (each queued command is paired with its {@code +QUEUED}),
 * Pub/Sub (a SUBSCRIBE is answered by one confirmation per channel; messages and other pushes are not
 * replies), CLIENT REPLY OFF/SKIP (commands that get no reply), RESET, and inline commands.
 *
 * <p>Never guesses: a connection seen from its first byte is paired; one that started before the
 * capture, or whose bytes went missing, or whose replies stop making sense, loses pairing for good
 * and its commands are published without replies from then on (counted). Requests after a gap are
 * read again from the next command boundary: a {@code *} at the start of a segment or line that
 * parses as a command the table knows.
 *
 * <p>Not thread-safe: the capture's thread owns it.
 */
final class RespPairer {
    private static final Logger log = LoggerFactory.getLogger(RespPairer.class);
    /** Rough bytes a waiting command costs beyond its copied keys and arguments. */
    private static final int PENDING_OVERHEAD = 256;

    private static final byte[] SELECT = ascii("SELECT");
    private static final byte[] HELLO = ascii("HELLO");
    private static final byte[] CLIENT = ascii("CLIENT");
    private static final byte[] REPLY = ascii("REPLY");
    private static final byte[] ON = ascii("ON");
    private static final byte[] OFF = ascii("OFF");
    private static final byte[] SKIP = ascii("SKIP");
    private static final byte[] RESET = ascii("RESET");
    private static final byte[][] SUBSCRIBE_NAMES = {
        ascii("SUBSCRIBE"),
        ascii("PSUBSCRIBE"),
        ascii("SSUBSCRIBE"),
        ascii("UNSUBSCRIBE"),
        ascii("PUNSUBSCRIBE"),
        ascii("SUNSUBSCRIBE")
    };
    private static final byte[][] SUBSCRIBE_KIND_BYTES = {
        ascii("subscribe"),
        ascii("psubscribe"),
        ascii("ssubscribe"),
        ascii("unsubscribe"),
        ascii("punsubscribe"),
        ascii("sunsubscribe")
    };
    private static final byte[] MESSAGE = ascii("message");
    private static final byte[] PMESSAGE = ascii("pmessage");
    private static final byte[] SMESSAGE = ascii("smessage");

    private enum ReplyMode {
        ON,
        OFF,
        SKIP_NEXT
    }

    private enum Effect {
        NONE,
        SELECT,
        HELLO,
        RESET
    }

    /** A command waiting for its reply. */
    private static final class Pending {
        final CapturedCommand command;
        final long sequence;
        final long timestampNanos;
        final long bytes;
        final boolean noReply;
        Effect effect = Effect.NONE;
        int effectValue;
        /** For the subscribe family: the index in {@link #SUBSCRIBE_NAMES}, else -1. */
        int subscribeKind = -1;

        int confirmationsLeft;
        boolean recorded;

        Pending(CapturedCommand command, long sequence, long timestampNanos, boolean noReply) {
            this.command = command;
            this.sequence = sequence;
            this.timestampNanos = timestampNanos;
            this.noReply = noReply;
            long size = PENDING_OVERHEAD;
            for (ByteBuffer key : command.keys()) {
                size += key.remaining();
            }
            for (ByteBuffer arg : command.args()) {
                size += arg.remaining();
            }
            this.bytes = size;
        }
    }

    private final CommandTable table;
    private final RespLimits limits;
    private final CaptureCounters counters;
    private final RecordSink sink;
    private final String node;
    private final String connection;
    private final int maxPending;
    private final KeyPositions keys = new KeyPositions();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    private EmbeddedChannel requests;
    private EmbeddedChannel replies;
    private boolean pairing;
    /** Looking for a command boundary in what the client sends. */
    private boolean scanning;
    /** The first command after a boundary must be one the table knows, or the boundary was wrong. */
    private boolean tentative;

    private long pendingBytes;
    private long sequence;
    private int db;
    private int protocol = 2;
    private ReplyMode replyMode = ReplyMode.ON;
    /** Subscriptions by family (channels, patterns, shard channels), as the confirmations counted them. */
    private final int[] subscriptions = new int[3];

    final TcpStream.Receiver fromClient = new TcpStream.Receiver() {
        @Override
        public void data(ByteBuf bytes, long timestampNanos) {
            clientData(bytes, timestampNanos);
        }

        @Override
        public void gap() {
            clientGap();
        }
    };

    final TcpStream.Receiver fromServer = new TcpStream.Receiver() {
        @Override
        public void data(ByteBuf bytes, long timestampNanos) {
            serverData(bytes, timestampNanos);
        }

        @Override
        public void gap() {
            serverGap();
        }
    };

    /**
     * @param fromStart true when the connection's handshake was seen, so the first bytes each way are
     *     the conversation's first: replies can be paired
     */
    RespPairer(
            CommandTable table,
            RespLimits limits,
            CaptureCounters counters,
            RecordSink sink,
            String node,
            String connection,
            int maxPending,
            boolean fromStart) {
        this.table = table;
        this.limits = limits;
        this.counters = counters;
        this.sink = sink;
        this.node = node;
        this.connection = connection;
        this.maxPending = maxPending;
        this.pairing = fromStart;
        this.scanning = !fromStart;
    }

    String connection() {
        return connection;
    }

    boolean pairing() {
        return pairing;
    }

    /** Bytes held: partly decoded commands and replies, and the commands waiting for a reply. */
    long bufferedBytes() {
        return decoderBytes(requests) + decoderBytes(replies) + pendingBytes;
    }

    /** The end of the connection: the commands still waiting are published without a reply. */
    void close() {
        while (!pending.isEmpty()) {
            publishUnanswered(removeHead());
        }
        requests = closeChannel(requests);
        replies = closeChannel(replies);
    }

    /**
     * Lets go of everything held (the connection holds too much): the commands waiting are published
     * without replies, partly read commands and replies are dropped, pairing is given up and the
     * client's bytes are read again from the next command boundary.
     */
    void shed() {
        losePairing();
        scanning = true;
        tentative = false;
        requests = closeChannel(requests);
        replies = closeChannel(replies);
    }

    // ---- what the client sends

    private void clientData(ByteBuf bytes, long timestampNanos) {
        if (scanning) {
            int boundary = commandBoundary(bytes);
            if (boundary < 0) {
                counters.add(Counter.BYTES_SKIPPED, bytes.readableBytes());
                bytes.release();
                return;
            }
            counters.add(Counter.BYTES_SKIPPED, boundary - bytes.readerIndex());
            bytes.readerIndex(boundary);
            scanning = false;
            tentative = true;
            requests = closeChannel(requests);
        }
        if (requests == null) {
            requests = new EmbeddedChannel(RespDecoder.forRequests(limits));
        }
        EmbeddedChannel channel = requests;
        DecoderException failure = write(channel, bytes);
        for (Object message; (message = channel.readInbound()) != null; ) {
            if (scanning || channel != requests) {
                ReferenceCountUtil.release(message);
            } else {
                onCommand((CommandMessage) message, timestampNanos);
            }
        }
        if (failure != null && channel == requests && !scanning) {
            if (tentative) {
                counters.increment(Counter.RESYNC_ATTEMPTS_FAILED);
            } else {
                counters.increment(Counter.REQUEST_ERRORS);
                log.debug("{}: client bytes are not RESP, reading again from the next command", connection, failure);
                losePairing();
            }
            scanning = true;
            tentative = false;
            requests = closeChannel(requests);
        }
    }

    private void clientGap() {
        counters.increment(Counter.GAPS_REQUESTS);
        losePairing();
        scanning = true;
        tentative = false;
        requests = closeChannel(requests);
    }

    private void onCommand(CommandMessage command, long timestampNanos) {
        try {
            CommandInfo info = table.lookup(command);
            if (tentative) {
                if (!info.isKnown()) {
                    counters.increment(Counter.RESYNC_ATTEMPTS_FAILED);
                    scanning = true;
                    tentative = false;
                    requests = closeChannel(requests);
                    return;
                }
                tentative = false;
            }
            counters.increment(Counter.COMMANDS);
            info.findKeys(command, keys);
            Pending entry = new Pending(
                    CapturedCommand.of(command, info, keys), sequence++, timestampNanos, expectsNoReply(command));
            classify(command, entry);
            if (!pairing) {
                publishUnanswered(entry);
                applyEffect(entry, null);
                return;
            }
            if (pending.size() >= maxPending) {
                losePairing();
                publishUnanswered(entry);
                applyEffect(entry, null);
                return;
            }
            pending.addLast(entry);
            pendingBytes += entry.bytes;
            drainUnanswerable();
        } finally {
            command.release();
        }
    }

    /** Follows CLIENT REPLY: whether {@code command} gets a reply. */
    private boolean expectsNoReply(CommandMessage command) {
        if (command.argCount() == 3 && command.nameEquals(CLIENT) && command.argEqualsIgnoreCase(1, REPLY)) {
            if (command.argEqualsIgnoreCase(2, ON)) {
                replyMode = ReplyMode.ON;
                return false;
            }
            if (command.argEqualsIgnoreCase(2, OFF)) {
                replyMode = ReplyMode.OFF;
                return true;
            }
            if (command.argEqualsIgnoreCase(2, SKIP)) {
                if (replyMode == ReplyMode.ON) {
                    replyMode = ReplyMode.SKIP_NEXT;
                }
                return true;
            }
            return false; // a syntax error, answered as such
        }
        if (replyMode == ReplyMode.SKIP_NEXT) {
            replyMode = ReplyMode.ON;
            return true;
        }
        return replyMode == ReplyMode.OFF;
    }

    private void classify(CommandMessage command, Pending entry) {
        if (command.nameEquals(SELECT) && command.argCount() == 2) {
            Integer value = smallInteger(command.arg(1));
            if (value != null) {
                entry.effect = Effect.SELECT;
                entry.effectValue = value;
            }
        } else if (command.nameEquals(HELLO) && command.argCount() >= 2) {
            Integer value = smallInteger(command.arg(1));
            if (value != null && (value == 2 || value == 3)) {
                entry.effect = Effect.HELLO;
                entry.effectValue = value;
            }
        } else if (command.nameEquals(RESET) && command.argCount() == 1) {
            entry.effect = Effect.RESET;
        } else {
            for (int kind = 0; kind < SUBSCRIBE_NAMES.length; kind++) {
                if (command.nameEquals(SUBSCRIBE_NAMES[kind])) {
                    entry.subscribeKind = kind;
                    int channels = command.argCount() - 1;
                    entry.confirmationsLeft = channels > 0 ? channels : Math.max(1, subscriptions[kind % 3]);
                    return;
                }
            }
        }
    }

    // ---- what the server sends

    private void serverData(ByteBuf bytes, long timestampNanos) {
        if (!pairing) {
            counters.add(Counter.BYTES_SKIPPED, bytes.readableBytes());
            bytes.release();
            return;
        }
        if (replies == null) {
            replies = new EmbeddedChannel(RespDecoder.forReplies(limits));
        }
        EmbeddedChannel channel = replies;
        DecoderException failure = write(channel, bytes);
        for (Object message; (message = channel.readInbound()) != null; ) {
            if (!pairing) {
                ReferenceCountUtil.release(message);
            } else {
                onReply((RespMessage) message, timestampNanos);
            }
        }
        if (failure != null && pairing) {
            counters.increment(Counter.REPLY_ERRORS);
            log.debug("{}: server bytes are not RESP, pairing given up", connection, failure);
            losePairing();
        }
    }

    private void serverGap() {
        counters.increment(Counter.GAPS_REPLIES);
        losePairing();
    }

    private void onReply(RespMessage reply, long timestampNanos) {
        try {
            Pending head = pending.peekFirst();
            if (head != null && head.subscribeKind >= 0) {
                if (isConfirmation(reply, head.subscribeKind)) {
                    countSubscription(reply, head.subscribeKind);
                    if (!head.recorded) {
                        publishAnswered(head, reply, timestampNanos);
                        head.recorded = true;
                    }
                    if (--head.confirmationsLeft <= 0) {
                        removeHead();
                    }
                    return;
                }
                if (head.recorded) {
                    // Fewer confirmations than counted (a channel subscribed twice): the command is done.
                    removeHead();
                    head = pending.peekFirst();
                }
            }
            if (isPush(reply)) {
                counters.increment(Counter.PUSHES);
                return;
            }
            if (head == null) {
                log.debug("{}: a reply with no command waiting, pairing given up", connection);
                losePairing();
                return;
            }
            removeHead();
            publishAnswered(head, reply, timestampNanos);
            applyEffect(head, reply);
        } finally {
            ReferenceCountUtil.release(reply);
            drainUnanswerable();
        }
    }

    private boolean isConfirmation(RespMessage reply, int kind) {
        if (!(reply instanceof AggregateMessage aggregate)
                || (reply.type() != RespType.ARRAY && reply.type() != RespType.PUSH)
                || aggregate.size() != 3) {
            return false;
        }
        return aggregate.get(0) instanceof BulkStringMessage name
                && AsciiText.equalsIgnoreCase(name.content(), SUBSCRIBE_KIND_BYTES[kind]);
    }

    private void countSubscription(RespMessage reply, int kind) {
        int family = kind % 3;
        if (kind < 3) {
            subscriptions[family]++;
        } else if (subscriptions[family] > 0) {
            subscriptions[family]--;
        }
        if (((AggregateMessage) reply).get(2) instanceof IntegerMessage count && count.value() == 0 && family < 2) {
            // The server's own count: channels and patterns together.
            subscriptions[0] = 0;
            subscriptions[1] = 0;
        }
    }

    private boolean isPush(RespMessage reply) {
        if (reply.type() == RespType.PUSH) {
            return true;
        }
        if (reply.type() != RespType.ARRAY || subscriptions[0] + subscriptions[1] + subscriptions[2] == 0) {
            return false;
        }
        AggregateMessage array = (AggregateMessage) reply;
        return array.size() >= 3
                && array.get(0) instanceof BulkStringMessage kind
                && (AsciiText.equalsIgnoreCase(kind.content(), MESSAGE)
                        || AsciiText.equalsIgnoreCase(kind.content(), PMESSAGE)
                        || AsciiText.equalsIgnoreCase(kind.content(), SMESSAGE));
    }

    private void applyEffect(Pending entry, RespMessage reply) {
        if (reply != null && (reply.type() == RespType.ERROR || reply.type() == RespType.BULK_ERROR)) {
            return;
        }
        switch (entry.effect) {
            case SELECT -> {
                // Queued in a transaction, a SELECT takes effect at EXEC: not followed (see docs/capture.md).
                if (reply == null || isSimple(reply, "OK")) {
                    db = entry.effectValue;
                }
            }
            case HELLO -> protocol = entry.effectValue;
            case RESET -> {
                if (reply == null || isSimple(reply, "RESET")) {
                    db = 0;
                    protocol = 2;
                    replyMode = ReplyMode.ON;
                    subscriptions[0] = 0;
                    subscriptions[1] = 0;
                    subscriptions[2] = 0;
                }
            }
            case NONE -> {}
        }
    }

    // ---- pairing

    /** Publishes, in order, the commands at the head that will get no reply. */
    private void drainUnanswerable() {
        for (Pending head = pending.peekFirst(); head != null && head.noReply; head = pending.peekFirst()) {
            removeHead();
            publishUnanswered(head);
            applyEffect(head, null);
        }
    }

    private void losePairing() {
        if (!pairing) {
            return;
        }
        counters.increment(Counter.PAIRING_LOST);
        pairing = false;
        while (!pending.isEmpty()) {
            Pending entry = removeHead();
            if (!entry.recorded) {
                publishUnanswered(entry);
            }
            applyEffect(entry, null);
        }
        replies = closeChannel(replies);
    }

    private Pending removeHead() {
        Pending head = pending.removeFirst();
        pendingBytes -= head.bytes;
        return head;
    }

    private void publishAnswered(Pending entry, RespMessage reply, long timestampNanos) {
        long latencyMicros = Math.max(0, (timestampNanos - entry.timestampNanos) / 1000);
        counters.increment(Counter.REPLIES);
        counters.increment(Counter.RECORDS);
        sink.accept(
                TrafficRecords.answered(entry.command, seen(entry), db, protocol, reply, latencyMicros, Side.SOURCE));
    }

    private void publishUnanswered(Pending entry) {
        counters.increment(Counter.UNANSWERED);
        counters.increment(Counter.RECORDS);
        sink.accept(TrafficRecords.unanswered(entry.command, seen(entry), db, protocol, Side.SOURCE));
    }

    private TrafficRecords.Seen seen(Pending entry) {
        Instant received = Instant.ofEpochSecond(
                Math.floorDiv(entry.timestampNanos, 1_000_000_000L),
                Math.floorMod(entry.timestampNanos, 1_000_000_000L));
        return new TrafficRecords.Seen(Origin.PCAP, node, connection, entry.sequence, received);
    }

    // ---- helpers

    /**
     * Where the next command may start in {@code bytes}: a {@code *} followed by a digit, at the start
     * or after a line feed; -1 when there is none.
     */
    static int commandBoundary(ByteBuf bytes) {
        int end = bytes.writerIndex();
        for (int i = bytes.readerIndex(); i < end - 1; i++) {
            if (bytes.getByte(i) == '*'
                    && (i == bytes.readerIndex() || bytes.getByte(i - 1) == '\n')
                    && Character.isDigit(bytes.getByte(i + 1))) {
                return i;
            }
        }
        return -1;
    }

    private static DecoderException write(EmbeddedChannel channel, ByteBuf bytes) {
        try {
            channel.writeInbound(bytes);
            return null;
        } catch (DecoderException e) {
            // The decoder discards everything after a protocol error: the caller decides what follows.
            return e;
        }
    }

    private static long decoderBytes(EmbeddedChannel channel) {
        if (channel == null) {
            return 0;
        }
        RespDecoder decoder = channel.pipeline().get(RespDecoder.class);
        return decoder == null ? 0 : decoder.bufferedBytes();
    }

    private EmbeddedChannel closeChannel(EmbeddedChannel channel) {
        if (channel != null) {
            try {
                channel.finishAndReleaseAll();
            } catch (DecoderException e) {
                // Closing decodes what is left: a partial frame, or bytes after a protocol error, are
                // dropped on purpose here (and were counted when they were skipped or failed).
                log.debug("{}: undecoded bytes dropped with the connection", connection, e);
            }
        }
        return null;
    }

    private static boolean isSimple(RespMessage reply, String text) {
        return reply instanceof SimpleStringMessage simple && simple.text().equals(text);
    }

    private static Integer smallInteger(ByteBuf arg) {
        int length = arg.readableBytes();
        if (length == 0 || length > 9) {
            return null;
        }
        int value = 0;
        for (int i = arg.readerIndex(); i < arg.writerIndex(); i++) {
            byte b = arg.getByte(i);
            if (b < '0' || b > '9') {
                return null;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
