package io.ferry.comparator.replay;

import io.ferry.comparator.replay.ResponseComparator.Rule;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.schemas.Side;
import io.netty.util.ReferenceCountUtil;

import java.time.Instant;
import java.util.List;

/**
 * A traffic record chosen for replay: the command to send again, where, and what it answered when captured. Holds the
 * decoded recorded reply, when the record carries it whole; {@link #close} releases it. Confined to one thread.
 *
 * @param command the command's name as records show it ({@code "GET"}, {@code "OBJECT ENCODING"})
 * @param args the full command: name, subcommand, arguments
 * @param keys the keys of the command, in command order (at least one)
 * @param recordedSide the side that gave the recorded reply
 * @param recordedReply the recorded reply, or null when its body was cut at capture (compare {@code recordedDigest})
 * @param recordedDigest the digest of the full recorded reply (see {@link ReplyDigest})
 * @param captured when the command was received
 */
record ReplayPlan(
        String command,
        CommandInfo info,
        Rule rule,
        List<byte[]> args,
        List<byte[]> keys,
        int db,
        int protocol,
        Side recordedSide,
        RespMessage recordedReply,
        byte[] recordedDigest,
        long recordedSize,
        Instant captured)
        implements AutoCloseable {

    /** The side the command is replayed on: the other one. */
    Side replaySide() {
        return recordedSide == Side.SOURCE ? Side.TARGET : Side.SOURCE;
    }

    @Override
    public void close() {
        ReferenceCountUtil.release(recordedReply);
    }
}
