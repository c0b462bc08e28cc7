package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * A RESP simple string ({@code +OK}). The content is raw bytes, never CR or LF, so any reply relayed
 * through Ferry is forwarded byte for byte.
 *
 * <p>Reference counted through its content. {@link #OK}, {@link #PONG} and {@link #QUEUED} are shared
 * and unreleasable: releasing them is a no-op, so they can be written to any channel, any number of
 * times, from any thread. The decoder returns these shared instances for matching replies.
 */
public final class SimpleStringMessage extends DefaultByteBufHolder implements RespMessage {

    public static final SimpleStringMessage OK = shared("OK");
    public static final SimpleStringMessage PONG = shared("PONG");
    public static final SimpleStringMessage QUEUED = shared("QUEUED");

    private static final SimpleStringMessage[] SHARED = {OK, PONG, QUEUED};

    /**
     * Takes ownership of {@code content}.
     *
     * @throws IllegalArgumentException if the content holds CR or LF
     */
    public SimpleStringMessage(ByteBuf content) {
        super(AsciiText.requireSingleLine(content, "A simple string"));
    }

    /** A simple string holding the UTF-8 bytes of {@code text}, which must not contain CR or LF. */
    public static SimpleStringMessage of(String text) {
        return new SimpleStringMessage(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The shared instance whose content equals {@code buf[index, index + length)}, or null. */
    static SimpleStringMessage shared(ByteBuf buf, int index, int length) {
        for (SimpleStringMessage candidate : SHARED) {
            ByteBuf content = candidate.content();
            if (content.readableBytes() == length
                    && ByteBufUtil.equals(content, content.readerIndex(), buf, index, length)) {
                return candidate;
            }
        }
        return null;
    }

    private static SimpleStringMessage shared(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return new SimpleStringMessage(
                Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes).asReadOnly()));
    }

    @Override
    public RespType type() {
        return RespType.SIMPLE_STRING;
    }

    /** The content decoded as UTF-8; allocates, so not for hot paths. */
    public String text() {
        return content().toString(StandardCharsets.UTF_8);
    }

    @Override
    public SimpleStringMessage replace(ByteBuf content) {
        return new SimpleStringMessage(content);
    }

    @Override
    public String toString() {
        return "SimpleStringMessage[" + AsciiText.renderContent(this) + ']';
    }
}
