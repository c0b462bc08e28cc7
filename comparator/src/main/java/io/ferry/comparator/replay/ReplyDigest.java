package io.ferry.comparator.replay;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.MapMessage;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The digest of a reply exactly as the proxy computes it for the traffic topic's {@code responseDigest}: the first 16
 * bytes of the SHA-256 of the reply's RESP encoding; for a command whose reply order may differ between servers, the
 * elements (map entries) of a top-level aggregate are digested in sorted order. The rule is the proxy's (its {@code
 * ReplyDigest}); it is repeated here because the comparator may not depend on the proxy. Stateless and thread-safe.
 */
public final class ReplyDigest {
    public static final int LENGTH = 16;

    private ReplyDigest() {}

    /** The digest of {@code reply}; {@code unordered} for commands whose reply order is not deterministic. */
    public static byte[] of(RespMessage reply, boolean unordered) {
        MessageDigest sha = sha256();
        if (unordered && reply instanceof AggregateMessage aggregate) {
            List<byte[]> parts = new ArrayList<>();
            int step = aggregate instanceof MapMessage ? 2 : 1;
            List<RespMessage> elements = aggregate.elements();
            for (int i = 0; i + step - 1 < elements.size(); i += step) {
                byte[] part = encode(elements.get(i));
                if (step == 2) {
                    byte[] value = encode(elements.get(i + 1));
                    byte[] both = Arrays.copyOf(part, part.length + value.length);
                    System.arraycopy(value, 0, both, part.length, value.length);
                    part = both;
                }
                parts.add(part);
            }
            parts.sort(Arrays::compareUnsigned);
            sha.update(reply.type().prefix());
            for (byte[] part : parts) {
                sha.update(part);
            }
        } else {
            sha.update(encode(reply));
        }
        return Arrays.copyOf(sha.digest(), LENGTH);
    }

    /** The RESP encoding of {@code message}, as bytes; the message is not released. */
    static byte[] encode(RespMessage message) {
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, message);
        try {
            return ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
    }

    private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    private static MessageDigest sha256() {
        MessageDigest sha = SHA.get();
        sha.reset();
        return sha;
    }
}
