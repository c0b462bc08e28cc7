package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespType;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TrafficRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One captured command on its way to a traffic record: what was asked (copied when the command was
 * received, arguments and reply body cut to {@link #MAX_CAPTURE_BYTES}), then what was answered and
 * how long it took. Confined to the client's event loop until {@link #complete} returns the record.
 */
final class TrafficTrace {
    /** Arguments (all together) and reply bodies beyond this many bytes are cut, and marked so. */
    static final int MAX_CAPTURE_BYTES = 4096;

    private final long startNanos = System.nanoTime();
    private final boolean unorderedReply;
    private final String node;
    private final String connection;
    private final long sequence;
    private final Instant received = Instant.now();
    private final int db;
    private final String command;
    private final CommandClass commandClass;
    private final List<ByteBuffer> keys;
    private final List<ByteBuffer> args;
    private final boolean argsTruncated;
    private final int protocol;

    TrafficTrace(
            CommandMessage command,
            CommandInfo info,
            KeyPositions keys,
            String node,
            String connection,
            long sequence,
            int db,
            int protocol) {
        this.unorderedReply = info.isOutputOrderNondeterministic();
        List<ByteBuffer> keyList = new ArrayList<>(keys.count());
        for (int i = 0; i < keys.count(); i++) {
            keyList.add(copy(command.arg(keys.index(i)), Integer.MAX_VALUE));
        }
        int first = info.isSubcommand() ? 2 : 1;
        List<ByteBuffer> argList = new ArrayList<>(Math.max(0, command.argCount() - first));
        int budget = MAX_CAPTURE_BYTES;
        boolean truncated = false;
        for (int i = first; i < command.argCount(); i++) {
            ByteBuf arg = command.arg(i);
            if (arg.readableBytes() > budget) {
                truncated = true;
                break;
            }
            budget -= arg.readableBytes();
            argList.add(copy(arg, Integer.MAX_VALUE));
        }
        this.node = node;
        this.connection = connection;
        this.sequence = sequence;
        this.db = db;
        this.command = WriteTrace.commandName(info, command);
        this.commandClass = commandClass(info, command);
        this.keys = keyList;
        this.args = argList;
        this.argsTruncated = truncated;
        this.protocol = protocol;
    }

    /** The record, with {@code reply} (still owned by the caller) served by {@code side}. */
    TrafficRecord complete(RespMessage reply, Side side) {
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, reply);
        try {
            int size = encoded.readableBytes();
            byte[] digest = unorderedReply ? ReplyDigest.of(reply, true) : ReplyDigest.ofEncoded(encoded);
            // The all-arguments constructor: the builder validates and copies defaults, per record.
            return new TrafficRecord(
                    Origin.PROXY,
                    node,
                    connection,
                    sequence,
                    received,
                    db,
                    command,
                    commandClass,
                    keys,
                    args,
                    argsTruncated,
                    protocol,
                    typeName(reply),
                    ByteBuffer.wrap(digest),
                    copy(encoded, MAX_CAPTURE_BYTES),
                    size > MAX_CAPTURE_BYTES,
                    (long) size,
                    (System.nanoTime() - startNanos) / 1000,
                    side);
        } finally {
            encoded.release();
        }
    }

    private static final String[] TYPE_NAMES = typeNames();

    /** The reply's RESP type as the schema names it: {@code "simple-string"}, {@code "bulk-string"}. */
    private static String typeName(RespMessage reply) {
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

    /** The schema's class of a command: the command table's kind; keyless introspection counts as a read. */
    static CommandClass commandClass(CommandInfo info, CommandMessage command) {
        return switch (info.kindOf(command)) {
            case READ, SERVER -> CommandClass.READ;
            case WRITE -> CommandClass.WRITE;
            case ADMIN -> CommandClass.ADMIN;
            case CONNECTION -> CommandClass.CONNECTION;
            case PUBSUB -> CommandClass.PUBSUB;
            case TRANSACTION -> CommandClass.TRANSACTION;
            case SCRIPTING -> CommandClass.SCRIPTING;
            case BLOCKING -> CommandClass.BLOCKING;
            case UNKNOWN -> CommandClass.UNKNOWN;
        };
    }

    private static ByteBuffer copy(ByteBuf buf, int limit) {
        byte[] bytes = new byte[Math.min(limit, buf.readableBytes())];
        buf.getBytes(buf.readerIndex(), bytes);
        return ByteBuffer.wrap(bytes);
    }
}
