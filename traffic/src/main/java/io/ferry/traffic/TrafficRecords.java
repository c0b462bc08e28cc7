package io.ferry.traffic;

import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespType;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TrafficRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;

/**
 * Builds {@link TrafficRecord}s from a {@link CapturedCommand} and the reply it got: the reply's RESP
 * type name, its digest (elements sorted for order-nondeterministic commands), its encoding cut to
 * {@link #MAX_CAPTURE_BYTES}, and its full size. Stateless and thread-safe.
 */
public final class TrafficRecords {
    /** Arguments (all together) and reply bodies beyond this many bytes are cut, and marked so. */
    public static final int MAX_CAPTURE_BYTES = 4096;

    private static final String[] TYPE_NAMES = typeNames();

    private TrafficRecords() {}

    /** Where, on which connection and when a command was seen. */
    public record Seen(Origin origin, String node, String connection, long sequence, Instant received) {}

    /**
     * The record of {@code command} answered by {@code reply}.
     *
     * @param reply the reply, still owned by the caller (read, not released)
     * @param latencyMicros from the command's receipt to its full reply; -1 when unknown
     */
    public static TrafficRecord answered(
            CapturedCommand command,
            Seen seen,
            int db,
            int protocol,
            RespMessage reply,
            long latencyMicros,
            Side side) {
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, reply);
        try {
            int size = encoded.readableBytes();
            byte[] digest = command.unorderedReply() ? ReplyDigest.of(reply, true) : ReplyDigest.ofEncoded(encoded);
            // The all-arguments constructor: the builder validates and copies defaults, per record.
            return new TrafficRecord(
                    seen.origin(),
                    seen.node(),
                    seen.connection(),
                    seen.sequence(),
                    seen.received(),
                    db,
                    command.command(),
                    command.commandClass(),
                    command.keys(),
                    command.args(),
                    command.argsTruncated(),
                    protocol,
                    typeName(reply),
                    ByteBuffer.wrap(digest),
                    CapturedCommand.copy(encoded, MAX_CAPTURE_BYTES),
                    size > MAX_CAPTURE_BYTES,
                    (long) size,
                    latencyMicros,
                    side);
        } finally {
            encoded.release();
        }
    }

    /**
     * The record of {@code command} when no reply was seen (the reply was lost, or the client turned
     * replies off): no response fields, latency -1.
     */
    public static TrafficRecord unanswered(CapturedCommand command, Seen seen, int db, int protocol, Side side) {
        return new TrafficRecord(
                seen.origin(),
                seen.node(),
                seen.connection(),
                seen.sequence(),
                seen.received(),
                db,
                command.command(),
                command.commandClass(),
                command.keys(),
                command.args(),
                command.argsTruncated(),
                protocol,
                null,
                null,
                null,
                false,
                0L,
                -1L,
                side);
    }

    /** The reply's RESP type as the schema names it: {@code "simple-string"}, {@code "bulk-string"}. */
    public static String typeName(RespMessage reply) {
        return TYPE_NAMES[reply.type().ordinal()];
    }

    private static String[] typeNames() {
        RespType[] types = RespType.values();
        String[] names = new String[types.length];
        for (RespType type : types) {
            names[type.ordinal()] = type.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return names;
    }
}
