package io.ferry.comparator.replay;

import io.ferry.comparator.replay.ResponseComparator.Rule;
import io.ferry.resp.AttributeMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.Side;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Looks at one key on both sides (TYPE, PTTL and its size by type) to say how a confirmed divergence differs: {@link
 * DivergenceKind#MISSING} when only the source has the key, {@link DivergenceKind#EXTRA} when only the target has
 * it, {@link DivergenceKind#TYPE} when their types differ, {@link DivergenceKind#TTL} for the TTL commands, else
 * {@link DivergenceKind#VALUE}. Used from one thread at a time.
 */
final class DivergenceProbe {
    /** What one side holds for a key: its type (null when missing), size (bytes or elements) and TTL in ms. */
    record Snapshot(String type, long size, long ttlMillis) {
        static final Snapshot MISSING = new Snapshot(null, 0, -2);

        boolean exists() {
            return type != null;
        }
    }

    private static final Map<String, String> SIZE_COMMANDS = Map.of(
            "string", "STRLEN", "list", "LLEN", "set", "SCARD", "zset", "ZCARD", "hash", "HLEN", "stream", "XLEN");

    private final ReplayConnections connections;
    private final Duration timeout;

    DivergenceProbe(ReplayConnections connections, Duration timeout) {
        this.connections = connections;
        this.timeout = timeout;
    }

    /** Both sides' snapshots of {@code key}, taken at about the same moment. */
    Map<Side, Snapshot> probe(int db, byte[] key) throws InterruptedException {
        CompletableFuture<RespMessage> sourceType = connections.send(Side.SOURCE, db, 2, List.of(ascii("TYPE"), key));
        CompletableFuture<RespMessage> targetType = connections.send(Side.TARGET, db, 2, List.of(ascii("TYPE"), key));
        CompletableFuture<RespMessage> sourceTtl = connections.send(Side.SOURCE, db, 2, List.of(ascii("PTTL"), key));
        CompletableFuture<RespMessage> targetTtl = connections.send(Side.TARGET, db, 2, List.of(ascii("PTTL"), key));
        return Map.of(
                Side.SOURCE,
                snapshot(Side.SOURCE, db, key, text(await(sourceType)), integer(await(sourceTtl))),
                Side.TARGET,
                snapshot(Side.TARGET, db, key, text(await(targetType)), integer(await(targetTtl))));
    }

    private Snapshot snapshot(Side side, int db, byte[] key, String type, long ttl) throws InterruptedException {
        if (type == null || type.equals("none")) {
            return Snapshot.MISSING;
        }
        String sizeCommand = SIZE_COMMANDS.get(type);
        long size = sizeCommand == null
                ? 0
                : integer(await(connections.send(side, db, 2, List.of(ascii(sizeCommand), key))));
        return new Snapshot(type, Math.max(0, size), ttl);
    }

    /** How the sides differ, given their snapshots of the key and the command's comparison rule. */
    static DivergenceKind kind(Snapshot source, Snapshot target, Rule rule) {
        if (source.exists() && !target.exists()) {
            return DivergenceKind.MISSING;
        }
        if (!source.exists() && target.exists()) {
            return DivergenceKind.EXTRA;
        }
        if (source.exists() && !source.type().equals(target.type())) {
            return DivergenceKind.TYPE;
        }
        return rule.isTtl() ? DivergenceKind.TTL : DivergenceKind.VALUE;
    }

    private RespMessage await(CompletableFuture<RespMessage> reply) throws InterruptedException {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ReplayException("probe failed: " + ReplayConnections.rootMessage(e), e);
        }
    }

    private static String text(RespMessage reply) {
        try {
            return AttributeMessage.unwrap(reply) instanceof SimpleStringMessage s ? s.text() : null;
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    private static long integer(RespMessage reply) {
        try {
            return AttributeMessage.unwrap(reply) instanceof IntegerMessage i ? i.value() : 0;
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
