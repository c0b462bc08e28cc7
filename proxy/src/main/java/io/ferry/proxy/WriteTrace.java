package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.Side;
import io.ferry.schemas.SideResult;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WriteRecord;
import io.ferry.traffic.CapturedCommand;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * What the writes log will say about one command: the command, its keys and (bounded) arguments,
 * copied when it was received, and the outcome on each side as the replies come. Becomes a {@link
 * WriteRecord} once every side it went to has answered, failed or was skipped.
 *
 * <p>Confined to the client's event loop until {@link #toRecord} hands a finished record over.
 */
final class WriteTrace {
    /** Arguments beyond this many bytes (all together) are left out; the reconciler then copies the key. */
    static final int MAX_ARGS_BYTES = 256 * 1024;

    private final String connection;
    private final long sequence;
    private final long timestampMicros;
    private final int db;
    private final String command;
    private final List<ByteBuffer> keys;
    private final List<ByteBuffer> args;
    private final boolean argsTruncated;
    private final long epoch;
    private final Side authority;
    private final boolean unorderedReply;
    private final EnumSet<WriteFlag> flags = EnumSet.noneOf(WriteFlag.class);
    private final long startNanos = System.nanoTime();

    private SideResult source;
    private SideResult target;
    private byte[] sourceDigest;
    private byte[] targetDigest;
    private int sourceSize = -1;
    private int targetSize = -1;

    WriteTrace(
            CommandMessage message,
            CommandInfo info,
            KeyPositions keyPositions,
            String connection,
            long sequence,
            int db,
            long epoch,
            Side authority) {
        this.connection = connection;
        this.sequence = sequence;
        this.timestampMicros = currentMicros();
        this.db = db;
        this.command = commandName(info, message);
        this.epoch = epoch;
        this.authority = authority;
        this.unorderedReply = info.isOutputOrderNondeterministic();
        List<ByteBuffer> keyList = new ArrayList<>(keyPositions.count());
        for (int i = 0; i < keyPositions.count(); i++) {
            keyList.add(copy(message.arg(keyPositions.index(i))));
        }
        this.keys = keyList;
        int first = info.isSubcommand() ? 2 : 1;
        List<ByteBuffer> argList = new ArrayList<>(Math.max(0, message.argCount() - first));
        long total = 0;
        boolean truncated = false;
        for (int i = first; i < message.argCount(); i++) {
            ByteBuf arg = message.arg(i);
            total += arg.readableBytes();
            if (total > MAX_ARGS_BYTES) {
                truncated = true;
                break;
            }
            argList.add(copy(arg));
        }
        this.args = argList;
        this.argsTruncated = truncated;
        if (keyPositions.count() > 1) {
            flags.add(WriteFlag.MULTI_KEY);
        }
        if (info.isNondeterministic() && !info.isOutputOrderNondeterministic()) {
            flags.add(WriteFlag.NONDETERMINISTIC);
            flags.add(WriteFlag.REPAIR);
        }
        if (keyPositions.status() == KeyPositions.Status.PARTIAL) {
            // Keys the proxy could not locate cannot be trusted to the command's replay.
            flags.add(WriteFlag.REPAIR);
        }
    }

    void flag(WriteFlag flag) {
        flags.add(flag);
    }

    boolean has(WriteFlag flag) {
        return flags.contains(flag);
    }

    String command() {
        return command;
    }

    /** The first key as text for logs, bounded; never an argument. */
    String firstKeyForLog() {
        if (keys.isEmpty()) {
            return "(no key)";
        }
        ByteBuffer key = keys.get(0);
        int length = Math.min(key.remaining(), 128);
        String text = new String(key.array(), key.arrayOffset() + key.position(), length, StandardCharsets.UTF_8);
        return key.remaining() > length ? text + "..." : text;
    }

    /** The reply of {@code side}. */
    void replied(Side side, RespMessage reply) {
        ReplyDigest.Sized sized = ReplyDigest.sized(reply, unorderedReply);
        byte[] digest = sized.digest();
        long latency = (System.nanoTime() - startNanos) / 1000;
        SideResult result = reply instanceof ErrorMessage error
                ? new SideResult(Outcome.ERROR, error.text(), ByteBuffer.wrap(digest), latency)
                : new SideResult(Outcome.OK, null, ByteBuffer.wrap(digest), latency);
        int size = sized.size();
        if (side == Side.SOURCE) {
            source = result;
            sourceDigest = digest;
            sourceSize = size;
        } else {
            target = result;
            targetDigest = digest;
            targetSize = size;
        }
        if (reply instanceof ErrorMessage && side == Side.TARGET) {
            flags.add(WriteFlag.TARGET_FAILED);
        }
    }

    /** {@code side} did not answer: the connection was lost, timed out, or the command was never sent. */
    void failed(Side side, Outcome outcome, String reason) {
        SideResult result = new SideResult(outcome, reason, null, -1L);
        if (side == Side.SOURCE) {
            source = result;
        } else {
            target = result;
            flags.add(outcome == Outcome.TIMEOUT ? WriteFlag.TARGET_TIMEOUT : WriteFlag.TARGET_FAILED);
        }
        flags.add(WriteFlag.REPAIR);
    }

    /** The size in bytes of {@code side}'s reply; -1 when it did not answer. */
    int replySize(Side side) {
        return side == Side.SOURCE ? sourceSize : targetSize;
    }

    /** True when both sides answered and their replies differ. */
    boolean mismatched() {
        return sourceDigest != null && targetDigest != null && !Arrays.equals(sourceDigest, targetDigest);
    }

    /** The record for the writes log, flagged for repair when the two sides may differ. */
    WriteRecord toRecord(String node) {
        if (mismatched()) {
            flags.add(WriteFlag.MISMATCH);
            flags.add(WriteFlag.REPAIR);
        }
        if (flags.contains(WriteFlag.TARGET_FAILED)) {
            flags.add(WriteFlag.REPAIR);
        }
        // The all-arguments constructor: the builder validates and copies defaults, per record.
        return new WriteRecord(
                node,
                connection,
                sequence,
                java.time.Instant.ofEpochSecond(0, timestampMicros * 1000),
                db,
                command,
                keys,
                args,
                argsTruncated,
                source,
                target,
                new ArrayList<>(flags),
                epoch,
                authority);
    }

    /** Upper case, with the subcommand: {@code "SET"}, {@code "CLIENT SETNAME"}; bounded for unknown ones. */
    static String commandName(CommandInfo info, CommandMessage message) {
        return CapturedCommand.commandName(info, message);
    }

    private static ByteBuffer copy(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return ByteBuffer.wrap(bytes);
    }

    private static long currentMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
