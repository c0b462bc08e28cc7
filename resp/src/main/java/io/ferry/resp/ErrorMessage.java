package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * A RESP simple error ({@code -ERR unknown command}). The content is the raw bytes after the {@code -},
 * never CR or LF; by convention it starts with an upper-case error code such as {@code ERR}, {@code
 * MOVED} or {@code READONLY}.
 *
 * <p>Reference counted through its content; not thread-confined.
 */
public final class ErrorMessage extends DefaultByteBufHolder implements RespMessage {

    /**
     * Takes ownership of {@code content}.
     *
     * @throws IllegalArgumentException if the content holds CR or LF
     */
    public ErrorMessage(ByteBuf content) {
        super(AsciiText.requireSingleLine(content, "An error"));
    }

    /** An error holding the UTF-8 bytes of {@code text}, for example {@code "ERR syntax error"}. */
    public static ErrorMessage of(String text) {
        return new ErrorMessage(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public RespType type() {
        return RespType.ERROR;
    }

    /** True when the error code (the first word) equals {@code code}, ignoring ASCII case. */
    public boolean hasCode(byte[] code) {
        ByteBuf content = content();
        int end = content.indexOf(content.readerIndex(), content.writerIndex(), (byte) ' ');
        int length = (end < 0 ? content.writerIndex() : end) - content.readerIndex();
        return AsciiText.equalsIgnoreCase(content.slice(content.readerIndex(), length), code);
    }

    /** The content decoded as UTF-8; allocates, so not for hot paths. */
    public String text() {
        return content().toString(StandardCharsets.UTF_8);
    }

    @Override
    public ErrorMessage replace(ByteBuf content) {
        return new ErrorMessage(content);
    }

    @Override
    public String toString() {
        return "ErrorMessage[" + AsciiText.renderContent(this) + ']';
    }
}
