package io.ferry.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Map;
import java.util.TreeMap;

/**
 * One direction of a TCP connection, put back in order: bytes are handed to a {@link Receiver} once,
 * in sequence order. A segment ahead of the next expected byte waits (bounded by the caller's budget,
 * see {@link #bufferedBytes()}); a retransmission is skipped, an overlap trimmed. When bytes are
 * missing for good (the budget is spent, or the connection ends) the stream jumps over them and says
 * so with {@link Receiver#gap}, never joining bytes that were not adjacent.
 *
 * <p>Not thread-safe: the capture's thread owns it.
 */
final class TcpStream {
    /** Where the in-order bytes go. */
    interface Receiver {
        /** The next bytes of the stream, seen at {@code timestampNanos}; ownership passes to the receiver. */
        void data(ByteBuf bytes, long timestampNanos);

        /** Bytes are missing before the next {@link #data}. */
        void gap();
    }

    /** Farthest ahead of the next expected byte a segment may start and still be kept. */
    static final int MAX_WINDOW = 1 << 30;

    private record Ahead(byte[] bytes, long timestampNanos) {}

    private final CaptureCounters counters;
    private boolean started;
    private boolean finished;
    /** The sequence number of the next byte expected. */
    private int next;
    /** Bytes delivered or jumped over since the start: the position of {@link #next}. */
    private long position;

    private final TreeMap<Long, Ahead> ahead = new TreeMap<>();
    private long aheadBytes;
    /** After {@link #discard()}: the next segment starts the stream again, after a gap. */
    private boolean jumpNext;

    TcpStream(CaptureCounters counters) {
        this.counters = counters;
    }

    boolean started() {
        return started;
    }

    /** Starts at {@code firstSequence}: the SYN's sequence number plus one, or the first byte seen. */
    void start(int firstSequence) {
        started = true;
        next = firstSequence;
    }

    boolean finished() {
        return finished;
    }

    /**
     * The peer closed its side at {@code finSequence}: bytes still missing before it will not come, so
     * what waits is delivered after a gap, or a gap is reported at the end.
     */
    void finish(int finSequence, Receiver receiver) {
        finished = true;
        if (!started || finSequence - next <= 0) {
            return;
        }
        if (ahead.isEmpty()) {
            next = finSequence;
            receiver.gap();
        } else {
            flush(receiver);
        }
    }

    /** Bytes held in segments waiting for earlier ones. */
    long bufferedBytes() {
        return aheadBytes;
    }

    /** Takes one segment's payload {@code frame[offset .. offset + length)}. */
    void segment(int sequence, byte[] frame, int offset, int length, long timestampNanos, Receiver receiver) {
        if (length == 0) {
            return;
        }
        if (jumpNext) {
            jumpNext = false;
            next = sequence;
            receiver.gap();
        }
        int diff = sequence - next;
        if (diff < 0) {
            if ((long) diff + length <= 0) {
                counters.increment(Counter.RETRANSMITTED);
                return;
            }
            counters.increment(Counter.OVERLAPS_TRIMMED);
            offset -= diff;
            length += diff;
            diff = 0;
        }
        if (diff == 0) {
            deliver(frame, offset, length, timestampNanos, receiver);
            drain(receiver);
            return;
        }
        if (diff > MAX_WINDOW) {
            // Far outside any window: a stray segment of an older connection on the same ports.
            counters.increment(Counter.RETRANSMITTED);
            return;
        }
        counters.increment(Counter.OUT_OF_ORDER);
        long at = position + diff;
        Ahead existing = ahead.get(at);
        if (existing == null || existing.bytes.length < length) {
            byte[] copy = new byte[length];
            System.arraycopy(frame, offset, copy, 0, length);
            ahead.put(at, new Ahead(copy, timestampNanos));
            aheadBytes += length - (existing == null ? 0 : existing.bytes.length);
        }
    }

    /** Jumps over the missing bytes to the first segment waiting, and delivers what follows it. */
    void skipToAhead(Receiver receiver) {
        if (ahead.isEmpty()) {
            return;
        }
        long first = ahead.firstKey();
        next += (int) (first - position);
        position = first;
        receiver.gap();
        drain(receiver);
    }

    /** At the end of the connection: whatever waits is delivered, with a gap before each hole. */
    void flush(Receiver receiver) {
        while (!ahead.isEmpty()) {
            skipToAhead(receiver);
        }
    }

    /**
     * Drops what waits, without delivering it (the connection holds too much): the next segment is
     * taken as the next bytes, after a gap.
     */
    void discard() {
        ahead.clear();
        aheadBytes = 0;
        jumpNext = started;
    }

    private void drain(Receiver receiver) {
        while (!ahead.isEmpty()) {
            Map.Entry<Long, Ahead> first = ahead.firstEntry();
            long at = first.getKey();
            if (at > position) {
                return;
            }
            ahead.pollFirstEntry();
            byte[] bytes = first.getValue().bytes;
            aheadBytes -= bytes.length;
            long skip = position - at;
            if (skip >= bytes.length) {
                counters.increment(Counter.RETRANSMITTED);
                continue;
            }
            if (skip > 0) {
                counters.increment(Counter.OVERLAPS_TRIMMED);
            }
            deliver(bytes, (int) skip, bytes.length - (int) skip, first.getValue().timestampNanos, receiver);
        }
    }

    private void deliver(byte[] bytes, int offset, int length, long timestampNanos, Receiver receiver) {
        next += length;
        position += length;
        ByteBuf copy = ByteBufAllocator.DEFAULT.buffer(length);
        copy.writeBytes(bytes, offset, length);
        receiver.data(copy, timestampNanos);
    }
}
