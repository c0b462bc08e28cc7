package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * A RESP bulk string ({@code $5\r\nhello\r\n}): binary-safe bytes of any length. Also what a RESP3
 * streamed string ({@code $?} with {@code ;} chunks) decodes to.
 *
 * <p>Reference counted through its content, which the decoder hands out as a retained slice of its
 * input buffer (no copy). Not thread-confined.
 */
public final class BulkStringMessage extends DefaultByteBufHolder implements RespMessage {

    /** Takes ownership of {@code content}. */
    public BulkStringMessage(ByteBuf content) {
        super(content);
    }

    /** A bulk string holding the UTF-8 bytes of {@code text}. */
    public static BulkStringMessage of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A bulk string wrapping {@code bytes} (not copied: do not modify them afterwards). */
    public static BulkStringMessage of(byte[] bytes) {
        return new BulkStringMessage(Unpooled.wrappedBuffer(bytes));
    }

    @Override
    public RespType type() {
        return RespType.BULK_STRING;
    }

    /** The content decoded as UTF-8; allocates, so not for hot paths. */
    public String text() {
        return content().toString(StandardCharsets.UTF_8);
    }

    @Override
    public BulkStringMessage replace(ByteBuf content) {
        return new BulkStringMessage(content);
    }

    @Override
    public String toString() {
        return "BulkStringMessage[" + AsciiText.renderContent(this) + ']';
    }
}
