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

    /**
     * Appends {@code message} to {@code out}, copying every byte (for messages {@link #isSmall small}
     * enough that a copy beats a buffer of their own). The message is not released.
     */
    public static void encodeInto(ByteBuf out, RespMessage message) {
        RespFrameWriter.encodeInto(out, message);
    }

    /**
     * True when {@code message} surely encodes to fewer than about {@code limit} bytes: a command or
     * reply whose payloads together stay under it. Cheap: stops counting at the limit.
     */
    public static boolean isSmall(RespMessage message, int limit) {
        return budgetLeft(message, limit) > 0;
    }

    private static int budgetLeft(RespMessage message, int budget) {
        if (message instanceof CommandMessage command) {
            for (ByteBuf arg : command.args()) {
                budget -= arg.readableBytes() + 16;
                if (budget <= 0) {
                    return 0;
                }
            }
            return budget;
        }
        if (message instanceof AggregateMessage aggregate) {
            budget -= 16;
            for (RespMessage element : aggregate.elements()) {
                budget = budgetLeft(element, budget);
                if (budget <= 0) {
                    return 0;
                }
            }
            return budget;
        }
        return switch (message.type()) {
            case BULK_STRING -> budget - ((BulkStringMessage) message).content().readableBytes() - 16;
            case SIMPLE_STRING ->
                budget - ((SimpleStringMessage) message).content().readableBytes() - 3;
            case ERROR -> budget - ((ErrorMessage) message).content().readableBytes() - 3;
            case INTEGER, NULL, BOOLEAN, DOUBLE -> budget - 48;
            // Big numbers, verbatim strings, bulk errors, attributes: rare; encoded on their own.
            default -> 0;
        };
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, RespMessage message, List<Object> out) {
        out.add(RespFrameWriter.encode(ctx.alloc(), message));
    }
}
