package io.ferry.resp;

import java.nio.ByteBuffer;

/**
 * Redis keys as text that is safe to print and unambiguous, the way {@code redis-cli} shows them:
 * printable ASCII as it is, {@code \} and {@code "} escaped with a backslash, {@code \n \r \t \a \b}
 * by name, every other byte as {@code \xNN} (lower-case hex). Stateless.
 */
public final class KeyText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private KeyText() {}

    /** The key in double quotes, as redis-cli prints it (and reads it back): {@code "user:\xff"}. */
    public static String quoted(ByteBuffer key) {
        return '"' + escaped(key) + '"';
    }

    /** The key in double quotes, as redis-cli prints it. */
    public static String quoted(byte[] key) {
        return quoted(ByteBuffer.wrap(key));
    }

    /** The key escaped, without the quotes. */
    public static String escaped(ByteBuffer key) {
        ByteBuffer view = key.duplicate();
        StringBuilder text = new StringBuilder(view.remaining() + 8);
        while (view.hasRemaining()) {
            int b = view.get() & 0xff;
            switch (b) {
                case '\\' -> text.append("\\\\");
                case '"' -> text.append("\\\"");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                case 7 -> text.append("\\a");
                case '\b' -> text.append("\\b");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        text.append((char) b);
                    } else {
                        text.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
                    }
                }
            }
        }
        return text.toString();
    }
}
