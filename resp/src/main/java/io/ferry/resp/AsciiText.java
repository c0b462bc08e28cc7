package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;

/**
 * Byte-level text checks and rendering shared by the message types and the services reading them;
 * no String is built on hot paths. Stateless.
 */
public final class AsciiText {

    private static final int DEBUG_MAX_BYTES = 64;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AsciiText() {}

    /** True when {@code buf[index, index + length)} holds neither CR nor LF. */
    static boolean isSingleLine(ByteBuf buf, int index, int length) {
        for (int i = index, end = index + length; i < end; i++) {
            byte b = buf.getByte(i);
            if (b == '\r' || b == '\n') {
                return false;
            }
        }
        return true;
    }

    /** Throws when {@code content} holds CR or LF, which would let one value forge further frames. */
    static ByteBuf requireSingleLine(ByteBuf content, String what) {
        if (!isSingleLine(content, content.readerIndex(), content.readableBytes())) {
            throw new IllegalArgumentException(what + " must not contain CR or LF: " + render(content));
        }
        return content;
    }

    /** ASCII case-insensitive equality of the readable bytes of {@code buf} and {@code ascii}. */
    public static boolean equalsIgnoreCase(ByteBuf buf, byte[] ascii) {
        int length = buf.readableBytes();
        if (length != ascii.length) {
            return false;
        }
        int base = buf.readerIndex();
        for (int i = 0; i < length; i++) {
            byte a = buf.getByte(base + i);
            byte b = ascii[i];
            if (a != b && toLower(a) != toLower(b)) {
                return false;
            }
        }
        return true;
    }

    private static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }

    /** A short printable rendering for toString() and error details; safe on a released buffer. */
    static String render(ByteBuf buf) {
        if (buf.refCnt() == 0) {
            return "<released>";
        }
        return render(buf, buf.readerIndex(), buf.readableBytes());
    }

    /** The content of {@code holder} as {@link #render(ByteBuf)} renders it; safe once released. */
    static String renderContent(ByteBufHolder holder) {
        // content() itself throws once the holder is released, and toString() must never throw.
        return holder.refCnt() == 0 ? "<released>" : render(holder.content());
    }

    static String render(ByteBuf buf, int index, int length) {
        int shown = Math.min(length, DEBUG_MAX_BYTES);
        StringBuilder sb = new StringBuilder(shown + 16).append('"');
        for (int i = index; i < index + shown; i++) {
            appendEscaped(sb, buf.getByte(i));
        }
        sb.append('"');
        if (shown < length) {
            sb.append("...(").append(length).append(" bytes)");
        }
        return sb.toString();
    }

    static String render(byte b) {
        StringBuilder sb = new StringBuilder(6).append('\'');
        appendEscaped(sb, b);
        return sb.append('\'').toString();
    }

    private static void appendEscaped(StringBuilder sb, byte b) {
        switch (b) {
            case '\r' -> sb.append("\\r");
            case '\n' -> sb.append("\\n");
            case '\t' -> sb.append("\\t");
            case '"' -> sb.append("\\\"");
            case '\\' -> sb.append("\\\\");
            default -> {
                if (b >= 0x20 && b < 0x7f) {
                    sb.append((char) b);
                } else {
                    sb.append("\\x").append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
            }
        }
    }
}
