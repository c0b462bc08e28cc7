package io.ferry.analyzer;

import io.ferry.resp.KeyText;

import java.nio.ByteBuffer;

/**
 * The prefix of a key, for tenant-like grouping: the bytes before the first separator ({@code
 * user:42:name} is {@code user} with {@code :}), as redis-cli escaped text, cut to {@value
 * #MAX_BYTES} bytes. A key with no separator has the prefix {@value #NONE}. Immutable.
 */
final class KeyPrefix {
    static final String NONE = "(none)";
    static final int MAX_BYTES = 64;

    private final boolean[] separator = new boolean[256];

    /** Separators are single ASCII characters, any of which ends a prefix. */
    KeyPrefix(String separators) {
        if (separators.isEmpty()) {
            throw new IllegalArgumentException("key prefix separators: empty (expected: one character or more)");
        }
        for (char c : separators.toCharArray()) {
            if (c > 0x7f) {
                throw new IllegalArgumentException("key prefix separator: '" + c + "' (expected: ASCII)");
            }
            separator[c] = true;
        }
    }

    String of(byte[] key) {
        int limit = Math.min(key.length, MAX_BYTES);
        for (int i = 0; i < limit; i++) {
            if (separator[key[i] & 0xff]) {
                return KeyText.escaped(ByteBuffer.wrap(key, 0, i));
            }
        }
        return key.length > MAX_BYTES ? KeyText.escaped(ByteBuffer.wrap(key, 0, MAX_BYTES)) : NONE;
    }
}
