package io.ferry.comparator.replay;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandKind;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.TrafficRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides which traffic records are replayed: reads of keys whose reply is deterministic (or deterministic but for
 * its order, or a TTL, compared within a tolerance), captured whole, that got a reply other than an error or {@code
 * +QUEUED}. Everything else gets a {@link SkipReason}. The classification is the command table's (kind, blocking,
 * key specs, the {@code nondeterministic_output} tips), never a list of names. Stateless and thread-safe.
 */
final class ReplaySelector {
    /** Bounds on what a record may hold before it is called absurd. */
    static final int MAX_DB = 65_535;

    static final int MAX_KEYS = 10_000;
    static final int MAX_ARGS = 1_000_000;
    static final int MAX_COMMAND_NAME = 128;

    private static final byte[] QUEUED = "+QUEUED\r\n".getBytes(StandardCharsets.US_ASCII);

    private final CommandTable table;

    ReplaySelector(CommandTable table) {
        this.table = table;
    }

    /** A plan, or why not. Exactly one of the two is set. */
    record Selection(ReplayPlan plan, SkipReason skip, String detail) {
        static Selection skip(SkipReason reason, String detail) {
            return new Selection(null, reason, detail);
        }
    }

    Selection select(TrafficRecord record) {
        String invalid = invalid(record);
        if (invalid != null) {
            return Selection.skip(SkipReason.INVALID, invalid);
        }
        if (record.getArgsTruncated()) {
            return Selection.skip(SkipReason.ARGS_TRUNCATED, null);
        }
        if (record.getResponseType() == null || record.getResponseDigest() == null) {
            return Selection.skip(SkipReason.NO_REPLY, null);
        }
        String type = record.getResponseType();
        if (type.equals("error") || type.equals("bulk-error")) {
            return Selection.skip(SkipReason.ERROR_REPLY, null);
        }
        if (type.equals("simple-string") && Arrays.equals(bytes(record.getResponseBody()), QUEUED)) {
            return Selection.skip(SkipReason.QUEUED, null);
        }
        List<byte[]> args = commandArgs(record);
        CommandInfo info;
        CommandKind kind;
        boolean blocking;
        CommandMessage message = message(args);
        try {
            info = table.lookup(message);
            kind = info.kindOf(message);
            blocking = info.isBlocking(message);
        } finally {
            message.release();
        }
        if (!info.isKnown() || !info.displayName().equalsIgnoreCase(record.getCommand())) {
            // A container reached without a known subcommand, or a name the table does not know.
            return Selection.skip(SkipReason.UNKNOWN_COMMAND, null);
        }
        SkipReason byKind =
                switch (kind) {
                    case READ -> null;
                    case TRANSACTION -> SkipReason.TRANSACTION;
                    case SCRIPTING -> SkipReason.SCRIPTING;
                    case PUBSUB -> SkipReason.PUBSUB;
                    case BLOCKING -> SkipReason.BLOCKING;
                    case SERVER -> SkipReason.NO_KEYS;
                    case UNKNOWN -> SkipReason.UNKNOWN_COMMAND;
                    case WRITE, ADMIN, CONNECTION -> SkipReason.NOT_READ;
                };
        if (byKind != null) {
            return Selection.skip(byKind, null);
        }
        if (blocking) {
            return Selection.skip(SkipReason.BLOCKING, null);
        }
        if (!info.isReadOnly()) {
            return Selection.skip(SkipReason.NOT_READ, null);
        }
        if (!ResponseComparator.comparable(info)) {
            return Selection.skip(SkipReason.NONDETERMINISTIC, null);
        }
        if (info.noKeys() || record.getKeys().isEmpty()) {
            return Selection.skip(SkipReason.NO_KEYS, null);
        }
        RespMessage recorded = null;
        if (!record.getResponseTruncated()) {
            byte[] body = bytes(record.getResponseBody());
            if (body == null) {
                // Not captured: the digest is all there is.
            } else {
                recorded = decode(body);
                if (recorded == null) {
                    return Selection.skip(SkipReason.INVALID, "its reply body is not one complete RESP reply");
                }
            }
        }
        List<byte[]> keys = new ArrayList<>(record.getKeys().size());
        record.getKeys().forEach(key -> keys.add(bytes(key)));
        return new Selection(
                new ReplayPlan(
                        info.displayName(),
                        info,
                        ResponseComparator.ruleFor(info),
                        args,
                        keys,
                        record.getDb(),
                        record.getProtocol(),
                        record.getSide(),
                        recorded,
                        bytes(record.getResponseDigest()),
                        record.getResponseSize(),
                        record.getTimestampMicros()),
                null,
                null);
    }

    /** What is absurd about {@code record}, or null. */
    private static String invalid(TrafficRecord record) {
        if (record.getDb() < 0 || record.getDb() > MAX_DB) {
            return "db " + record.getDb() + " (expected: 0.." + MAX_DB + ")";
        }
        if (record.getProtocol() != 2 && record.getProtocol() != 3) {
            return "protocol " + record.getProtocol() + " (expected: 2 or 3)";
        }
        if (record.getKeys().size() > MAX_KEYS) {
            return "keys: " + record.getKeys().size() + " (expected: <= " + MAX_KEYS + ")";
        }
        if (record.getArgs().size() > MAX_ARGS) {
            return "args: " + record.getArgs().size() + " (expected: <= " + MAX_ARGS + ")";
        }
        String command = record.getCommand();
        if (command.isEmpty() || command.length() > MAX_COMMAND_NAME || command.split(" ").length > 2) {
            return "command name of " + command.length() + " characters (expected: a name, or a name and subcommand)";
        }
        if (record.getResponseSize() < 0) {
            return "responseSize " + record.getResponseSize() + " (expected: >= 0)";
        }
        ByteBuffer digest = record.getResponseDigest();
        if (digest != null && digest.remaining() != ReplyDigest.LENGTH) {
            return "responseDigest of " + digest.remaining() + " bytes (expected: " + ReplyDigest.LENGTH + ")";
        }
        return null;
    }

    /** The command as sent: its name (and subcommand) as recorded, then its arguments. */
    private static List<byte[]> commandArgs(TrafficRecord record) {
        String[] name = record.getCommand().split(" ");
        List<byte[]> args = new ArrayList<>(name.length + record.getArgs().size());
        for (String part : name) {
            args.add(part.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        }
        record.getArgs().forEach(arg -> args.add(bytes(arg)));
        return args;
    }

    static CommandMessage message(List<byte[]> args) {
        return CommandMessage.of(args.stream().map(Unpooled::wrappedBuffer).toArray(ByteBuf[]::new));
    }

    /** One complete reply decoded from {@code body}, or null when it is not exactly one. */
    static RespMessage decode(byte[] body) {
        int bound = Math.max(64, body.length);
        RespLimits limits = RespLimits.builder()
                .maxBulkLength(bound)
                .maxAggregateLength(bound)
                .maxNestingDepth(RespLimits.MAX_NESTING_DEPTH_LIMIT)
                .maxFrameSize(bound)
                .build();
        EmbeddedChannel channel = new EmbeddedChannel(RespDecoder.forReplies(limits));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(body));
            RespMessage reply = channel.readInbound();
            if (reply != null && !channel.inboundMessages().isEmpty()) {
                ReferenceCountUtil.release(reply);
                return null;
            }
            return reply;
        } catch (RuntimeException e) {
            // A protocol error: the body is not RESP.
            return null;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
