package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * A RESP3 bulk error ({@code !21\r\nSYNTAX invalid syntax\r\n}): a binary-safe error of any length.
 *
 * <p>Reference counted through its content; not thread-confined.
 */
public final class BulkErrorMessage extends DefaultByteBufHolder implements RespMessage {

    /** Takes ownership of {@code content}. */
    public BulkErrorMessage(ByteBuf content) {
        super(content);
    }

    /** A bulk error holding the UTF-8 bytes of {@code text}. */
    public static BulkErrorMessage of(String text) {
        return new BulkErrorMessage(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public RespType type() {
        return RespType.BULK_ERROR;
    }

    /** The content decoded as UTF-8; allocates, so not for hot paths. */
    public String text() {
        return content().toString(StandardCharsets.UTF_8);
    }

    @Override
    public BulkErrorMessage replace(ByteBuf content) {
        return new BulkErrorMessage(content);
    }

    @Override
    public String toString() {
        return "BulkErrorMessage[" + AsciiText.renderContent(this) + ']';
    }
}
