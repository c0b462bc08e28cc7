package io.ferry.proxy.cluster;

import io.netty.buffer.ByteBuf;

/**
 * The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the bytes
 * between the first {@code {} and the next {@code }}, when not empty), modulo 16384.
 *
 * <p>The same function as Lettuce's {@code SlotHash.getSlot} (a unit test holds them to the same
 * answers), computed over the key's {@link ByteBuf} in place: it runs for every key of every command
 * routed to a cluster, so it copies nothing and allocates nothing. Thread-safe.
 */
public final class KeySlot {
    /** Slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xffff;
        }
    }

    private KeySlot() {}

    /** The slot of {@code key}'s readable bytes; the buffer's indexes are not moved. */
    public static int of(ByteBuf key) {
        int start = key.readerIndex();
        int end = key.writerIndex();
        int open = key.indexOf(start, end, (byte) '{');
        if (open >= 0) {
            int close = key.indexOf(open + 1, end, (byte) '}');
            if (close > open + 1) {
                start = open + 1;
                end = close;
            }
        }
        return crc16(key, start, end) & (SLOTS - 1);
    }

    /** The slot of {@code key}. */
    public static int of(byte[] key) {
        return of(io.netty.buffer.Unpooled.wrappedBuffer(key));
    }

    private static int crc16(ByteBuf bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes.getByte(i)) & 0xff]) & 0xffff;
        }
        return crc;
    }
}
