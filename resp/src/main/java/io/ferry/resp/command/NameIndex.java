package io.ferry.resp.command;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * An open-addressing hash table from command names to entries, looked up straight from the bytes of
 * an argument, ignoring ASCII case, without building a String: what makes {@link
 * CommandTable#lookup} allocation-free. Names longer than the longest known are rejected before
 * hashing, so a huge first argument costs nothing. Immutable once built; thread-safe.
 */
final class NameIndex {

    private final byte[][] names;
    private final CommandInfo[] entries;
    private final int mask;
    private final int maxNameLength;

    /** Indexes {@code byName}; names are folded to lower case, so two names differing only in case clash. */
    NameIndex(Map<String, CommandInfo> byName) {
        // At most half full, so a miss ends on an empty slot after a short probe.
        int capacity = Integer.highestOneBit(Math.max(2, byName.size() * 2 - 1)) << 1;
        this.names = new byte[capacity][];
        this.entries = new CommandInfo[capacity];
        this.mask = capacity - 1;
        int longest = 0;
        for (Map.Entry<String, CommandInfo> entry : byName.entrySet()) {
            byte[] name = entry.getKey().getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < name.length; i++) {
                name[i] = fold(name[i]);
            }
            int slot = hash(name) & mask;
            while (names[slot] != null) {
                if (Arrays.equals(names[slot], name)) {
                    throw new IllegalArgumentException("command name listed twice: " + entry.getKey());
                }
                slot = (slot + 1) & mask;
            }
            names[slot] = name;
            entries[slot] = entry.getValue();
            longest = Math.max(longest, name.length);
        }
        this.maxNameLength = longest;
    }

    /** The entry named by the readable bytes of {@code name} in any ASCII case, or null. */
    CommandInfo find(ByteBuf name) {
        int length = name.readableBytes();
        if (length == 0 || length > maxNameLength) {
            return null;
        }
        int base = name.readerIndex();
        int h = 0;
        for (int i = 0; i < length; i++) {
            h = 31 * h + fold(name.getByte(base + i));
        }
        for (int slot = spread(h) & mask; ; slot = (slot + 1) & mask) {
            byte[] candidate = names[slot];
            if (candidate == null) {
                return null;
            }
            if (candidate.length == length && matches(candidate, name, base)) {
                return entries[slot];
            }
        }
    }

    /** The entry named {@code name} in any ASCII case, or null. */
    CommandInfo find(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > maxNameLength) {
            return null;
        }
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = fold(bytes[i]);
        }
        for (int slot = hash(bytes) & mask; ; slot = (slot + 1) & mask) {
            byte[] candidate = names[slot];
            if (candidate == null) {
                return null;
            }
            if (Arrays.equals(candidate, bytes)) {
                return entries[slot];
            }
        }
    }

    private static boolean matches(byte[] folded, ByteBuf name, int base) {
        for (int i = 0; i < folded.length; i++) {
            if (folded[i] != fold(name.getByte(base + i))) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] folded) {
        int h = 0;
        for (byte b : folded) {
            h = 31 * h + b;
        }
        return spread(h);
    }

    /** Mixes the high bits in, as the low bits of a polynomial hash of similar names are alike. */
    private static int spread(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        return h ^ (h >>> 13);
    }

    private static byte fold(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}
