package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A RESP3 verbatim string ({@code =15\r\ntxt:Some string\r\n}): a three-byte format such as {@code
 * txt} or {@code mkd}, and the text after the colon as {@link #content()}.
 *
 * <p>Reference counted through its content; not thread-confined.
 */
public final class VerbatimStringMessage extends DefaultByteBufHolder implements RespMessage {

    /** Bytes on the wire before the content: the format and the colon. */
    static final int PREFIX_LENGTH = 4;

    static final String TXT = "txt";
    static final String MKD = "mkd";

    private final String format;

    /**
     * Takes ownership of {@code content}.
     *
     * @param format three characters in the range U+0000..U+00FF, written as one byte each
     * @throws IllegalArgumentException if the format is not three such characters or holds a colon
     */
    public VerbatimStringMessage(String format, ByteBuf content) {
        super(content);
        this.format = requireFormat(format);
    }

    /** A verbatim string with format {@code txt} holding the UTF-8 bytes of {@code text}. */
    public static VerbatimStringMessage text(String text) {
        return new VerbatimStringMessage(TXT, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String requireFormat(String format) {
        Objects.requireNonNull(format, "format");
        boolean valid = format.length() == 3;
        for (int i = 0; valid && i < 3; i++) {
            char c = format.charAt(i);
            valid = c <= 0xff && c != ':' && c != '\r' && c != '\n';
        }
        if (!valid) {
            throw new IllegalArgumentException("A verbatim string format must be three bytes, not " + format);
        }
        return format;
    }

    @Override
    public RespType type() {
        return RespType.VERBATIM_STRING;
    }

    /** The three-character format, for example {@code txt} or {@code mkd}. */
    public String format() {
        return format;
    }

    /** The content decoded as UTF-8; allocates, so not for hot paths. */
    public String text() {
        return content().toString(StandardCharsets.UTF_8);
    }

    @Override
    public VerbatimStringMessage replace(ByteBuf content) {
        return new VerbatimStringMessage(format, content);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerbatimStringMessage other && format.equals(other.format) && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * format.hashCode() + super.hashCode();
    }

    @Override
    public String toString() {
        return "VerbatimStringMessage[" + format + ':' + AsciiText.renderContent(this) + ']';
    }
}
