package io.ferry.capture;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
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
    private final CommandTable table;
    private final RespLimits limits;
    private final CaptureCounters counters;
    private final RecordSink sink;
    private final String node;
    private final String connection;
    private final int maxPending;
    private final KeyPositions keys = new KeyPositions();
    private final ArrayDeque<PendingCommand> pending = new ArrayDeque<>();

    private EmbeddedChannel requests;
    private EmbeddedChannel replies;
    private boolean pairing;
    /** Looking for a command boundary in what the client sends. */
    private boolean scanning;
    /** The first command after a boundary must be one the table knows, or the boundary was wrong. */
    private boolean tentative;

    private long pendingBytes;
    private long sequence;
    private final ConnectionState state = new ConnectionState();

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
            PendingCommand entry = new PendingCommand(
                    CapturedCommand.of(command, info, keys), sequence++, timestampNanos, state.expectsNoReply(command));
            state.classify(command, entry);
            if (!pairing) {
                publishUnanswered(entry);
                state.apply(entry, null);
                return;
            }
            if (pending.size() >= maxPending) {
                losePairing();
                publishUnanswered(entry);
                state.apply(entry, null);
                return;
            }
            pending.addLast(entry);
            pendingBytes += entry.bytes;
            drainUnanswerable();
        } finally {
            command.release();
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
            PendingCommand head = pending.peekFirst();
            if (head != null && head.subscribeKind >= 0) {
                if (state.isConfirmation(reply, head.subscribeKind)) {
                    state.countConfirmation(reply, head.subscribeKind);
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
            if (state.isPush(reply)) {
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
            state.apply(head, reply);
        } finally {
            ReferenceCountUtil.release(reply);
            drainUnanswerable();
        }
    }

    // ---- pairing

    /** Publishes, in order, the commands at the head that will get no reply. */
    private void drainUnanswerable() {
        for (PendingCommand head = pending.peekFirst(); head != null && head.noReply; head = pending.peekFirst()) {
            removeHead();
            publishUnanswered(head);
            state.apply(head, null);
        }
    }

    private void losePairing() {
        if (!pairing) {
            return;
        }
        counters.increment(Counter.PAIRING_LOST);
        pairing = false;
        while (!pending.isEmpty()) {
            PendingCommand entry = removeHead();
            if (!entry.recorded) {
                publishUnanswered(entry);
            }
            state.apply(entry, null);
        }
        replies = closeChannel(replies);
    }

    private PendingCommand removeHead() {
        PendingCommand head = pending.removeFirst();
        pendingBytes -= head.bytes;
        return head;
    }

    private void publishAnswered(PendingCommand entry, RespMessage reply, long timestampNanos) {
        long latencyMicros = Math.max(0, (timestampNanos - entry.timestampNanos) / 1000);
        counters.increment(Counter.REPLIES);
        counters.increment(Counter.RECORDS);
        sink.accept(TrafficRecords.answered(
                entry.command, seen(entry), state.db(), state.protocol(), reply, latencyMicros, Side.SOURCE));
    }

    private void publishUnanswered(PendingCommand entry) {
        counters.increment(Counter.UNANSWERED);
        counters.increment(Counter.RECORDS);
        sink.accept(TrafficRecords.unanswered(entry.command, seen(entry), state.db(), state.protocol(), Side.SOURCE));
    }

    private TrafficRecords.Seen seen(PendingCommand entry) {
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
}
