package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A digest of a reply, to tell whether the two sides answered alike without keeping both replies:
 * the first 16 bytes of the SHA-256 of the reply's RESP encoding. For a command whose reply order
 * may differ between servers (SMEMBERS, HGETALL, KEYS), the elements (map entries) are digested in
 * sorted order, so two replies with the same elements in another order have the same digest.
 * The one rule for the proxy (the traffic and writes topics' digests) and the comparator (which checks
 * replies against them). Stateless and thread-safe.
 */
public final class ReplyDigest {
    public static final int LENGTH = 16;

    private ReplyDigest() {}

    /** A digest and the size of the reply's encoding, from one encoding. */
    public record Sized(byte[] digest, int size) {}

    public static Sized sized(RespMessage reply, boolean unordered) {
        if (unordered && reply instanceof AggregateMessage) {
            return new Sized(of(reply, true), size(reply));
        }
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, reply);
        try {
            return new Sized(ofEncoded(encoded), encoded.readableBytes());
        } finally {
            encoded.release();
        }
    }

    /** The digest of RESP bytes already encoded (read, not consumed). */
    public static byte[] ofEncoded(ByteBuf encoded) {
        PerThread state = PER_THREAD.get();
        int length = encoded.readableBytes();
        boolean small = length <= PerThread.MEMO_BYTES;
        if (small && state.remembers(encoded)) {
            return state.digest.clone();
        }
        MessageDigest sha = state.sha;
        sha.reset();
        sha.update(encoded.nioBuffer());
        byte[] digest = Arrays.copyOf(sha.digest(), LENGTH);
        if (small) {
            state.remember(encoded, digest);
        }
        return digest;
    }

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
            sha.update((byte) reply.type().prefix());
            for (byte[] part : parts) {
                sha.update(part);
            }
        } else {
            sha.update(encode(reply));
        }
        return Arrays.copyOf(sha.digest(), LENGTH);
    }

    /** The size of the reply's RESP encoding, in bytes. */
    public static int size(RespMessage reply) {
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, reply);
        try {
            return encoded.readableBytes();
        } finally {
            encoded.release();
        }
    }

    /** The RESP encoding of {@code message}, as bytes; the message is not released. */
    public static byte[] encode(RespMessage message) {
        ByteBuf encoded = RespEncoder.encode(ByteBufAllocator.DEFAULT, message);
        try {
            return ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
    }

    /**
     * Per thread: a SHA-256 instance (looking one up per reply costs more than the digest of a small
     * one) and the last small reply digested with its digest, since the same short reply ({@code +OK},
     * {@code :1}) comes back again and again.
     */
    private static final class PerThread {
        static final int MEMO_BYTES = 64;

        final MessageDigest sha;
        final byte[] encoded = new byte[MEMO_BYTES];
        int length = -1;
        byte[] digest;

        PerThread() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }

        boolean remembers(ByteBuf bytes) {
            int n = bytes.readableBytes();
            if (n != length) {
                return false;
            }
            int from = bytes.readerIndex();
            for (int i = 0; i < n; i++) {
                if (bytes.getByte(from + i) != encoded[i]) {
                    return false;
                }
            }
            return true;
        }

        void remember(ByteBuf bytes, byte[] digest) {
            length = bytes.readableBytes();
            bytes.getBytes(bytes.readerIndex(), encoded, 0, length);
            this.digest = digest.clone();
        }
    }

    private static final ThreadLocal<PerThread> PER_THREAD = ThreadLocal.withInitial(PerThread::new);

    private static MessageDigest sha256() {
        MessageDigest sha = PER_THREAD.get().sha;
        sha.reset();
        return sha;
    }
}
