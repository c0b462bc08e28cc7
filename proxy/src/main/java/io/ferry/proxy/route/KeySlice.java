package io.ferry.proxy.route;

import io.netty.buffer.ByteBuf;

/**
 * A stable hash of a Redis key to one of {@value #BUCKETS} buckets, so that a ratio of keys (in
 * percent today, finer later) is the set of keys whose bucket is below {@code ratio * 100}.
 *
 * <p>The function, which other tools must be able to reproduce exactly:
 *
 * <ol>
 *   <li>Take the hashed bytes as Redis Cluster's {@code keyHashSlot} does: if the key holds a
 *       {@code '{'}, and a {@code '}'} after the first {@code '{'}, and at least one byte between
 *       them, hash only the bytes between that first {@code '{'} and the first {@code '}'} after
 *       it; otherwise hash the whole key. Keys grouped with a hash tag therefore move together.
 *   <li>Compute the standard CRC-32 (IEEE 802.3, reflected polynomial {@code 0xEDB88320}, initial
 *       value and final xor {@code 0xFFFFFFFF}) of those bytes, as {@link java.util.zip.CRC32},
 *       Python's {@code zlib.crc32} or Go's {@code hash/crc32.ChecksumIEEE} do.
 *   <li>The bucket is that CRC, taken as an unsigned 32-bit number, modulo {@value #BUCKETS}.
 * </ol>
 *
 * <p>For example, in Python: {@code zlib.crc32(b"user:1") % 10000}. Since 2<sup>32</sup> is not a
 * multiple of 10,000, buckets below 7,296 are more likely than the others by one part in 429,497, a
 * bias too small to matter.
 *
 * <p>Because a ratio is a threshold on the bucket, a key inside the slice at one ratio is inside it
 * at every larger ratio: a canary that only raises its ratio only ever moves keys to the target.
 *
 * <p>Thread-safe and allocation-free. Keys are read from their reader index to their writer index;
 * their indices are not moved.
 */
public final class KeySlice {
    /** The number of buckets: a bucket is in {@code 0 .. BUCKETS - 1}. */
    public static final int BUCKETS = 10_000;

    private static final int[] CRC_TABLE = crcTable();

    private KeySlice() {}

    /** The bucket, in {@code 0 .. 9999}, of the key between {@code key}'s reader and writer index. */
    public static int bucket(ByteBuf key) {
        int from = key.readerIndex();
        int to = key.writerIndex();
        int open = key.indexOf(from, to, (byte) '{');
        if (open >= 0) {
            int close = key.indexOf(open + 1, to, (byte) '}');
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        int crc;
        if (key.hasArray()) {
            crc = crc(key.array(), key.arrayOffset() + from, key.arrayOffset() + to);
        } else {
            crc = 0xFFFFFFFF;
            for (int i = from; i < to; i++) {
                crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ key.getByte(i)) & 0xFF];
            }
            crc = ~crc;
        }
        return Integer.remainderUnsigned(crc, BUCKETS);
    }

    /** The bucket, in {@code 0 .. 9999}, of {@code key}. */
    public static int bucket(byte[] key) {
        int from = 0;
        int to = key.length;
        int open = indexOf(key, 0, key.length, (byte) '{');
        if (open >= 0) {
            int close = indexOf(key, open + 1, key.length, (byte) '}');
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        return Integer.remainderUnsigned(crc(key, from, to), BUCKETS);
    }

    /**
     * Whether {@code key} is in the slice of {@code ratioPercent} percent of keys: never at 0,
     * always at 100, else when its bucket is below {@code ratioPercent * 100}.
     *
     * @throws IllegalArgumentException if {@code ratioPercent} is not in {@code 0 .. 100}
     */
    public static boolean inRatio(ByteBuf key, int ratioPercent) {
        if (ratioPercent < 0 || ratioPercent > 100) {
            throw new IllegalArgumentException("ratioPercent: " + ratioPercent + " (expected: 0 .. 100)");
        }
        // The ends need no hash, and 0 and 100 are the settings a migration spends most time at.
        if (ratioPercent == 0) {
            return false;
        }
        if (ratioPercent == 100) {
            return true;
        }
        return bucket(key) < ratioPercent * (BUCKETS / 100);
    }

    private static int crc(byte[] bytes, int from, int to) {
        int crc = 0xFFFFFFFF;
        for (int i = from; i < to; i++) {
            crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ bytes[i]) & 0xFF];
        }
        return ~crc;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int[] crcTable() {
        int[] table = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
