package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Encodes any {@link RespMessage} into RESP bytes, in the wire form it names: a {@link NullMessage}
 * keeps its RESP2 or RESP3 form, a {@link CommandMessage} becomes an array of bulk strings, an {@link
 * AttributeMessage} becomes the attribute followed by its value. Streamed strings and aggregates are
 * written in their counted form, which every RESP3 peer accepts.
 *
 * <p>Payloads of 1 KiB or more are not copied: the output is a composite buffer holding retained slices
 * of them. The encoder releases each message it writes (as every Netty encoder does), so the writer
 * hands over its reference; shared constants are unaffected.
 *
 * <p>Stateless and {@link Sharable}: one instance may serve every channel; use {@link #INSTANCE}.
 */
@Sharable
public final class RespEncoder extends MessageToMessageEncoder<RespMessage> {

    public static final RespEncoder INSTANCE = new RespEncoder();

    public RespEncoder() {
        super(RespMessage.class);
    }

    /**
     * Encodes {@code message} outside a pipeline (capture, comparison, tests). The message is not
     * released; the returned buffer belongs to the caller.
     */
    public static ByteBuf encode(ByteBufAllocator alloc, RespMessage message) {
        return RespFrameWriter.encode(alloc, message);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, RespMessage message, List<Object> out) {
        out.add(RespFrameWriter.encode(ctx.alloc(), message));
    }
}
