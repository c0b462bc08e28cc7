package io.ferry.proxy;

import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;

/**
 * The writes to one channel between two flushes, small ones copied into one buffer: a pipelined
 * burst of replies (or of commands from many clients) leaves as one buffer instead of one per
 * message, which saves Netty a buffer, an outbound entry and an I/O vector each. A large message
 * first sends what was gathered, then goes on its own, so order is kept and large payloads are
 * never copied. The gathered bytes are bounded by {@link #MAX_GATHERED}, beyond which they are
 * handed to the channel (and counted by its outbound buffer and writability) at once.
 *
 * <p>Confined to the channel's event loop.
 */
final class CoalescedWrites {
    /** Messages below this many bytes are copied into the shared buffer. */
    static final int SMALL = 1024;
    /** Gathered bytes beyond this are handed to the channel before more are added. */
    static final int MAX_GATHERED = 64 * 1024;

    private final Channel channel;
    private ByteBuf gathered;

    CoalescedWrites(Channel channel) {
        this.channel = channel;
    }

    /** Writes {@code message} (a {@link RespMessage} or RESP bytes), taking over its reference. */
    void write(Object message) {
        if (message instanceof RespMessage resp && RespEncoder.isSmall(resp, SMALL)) {
            try {
                RespEncoder.encodeInto(buffer(), resp);
            } finally {
                ReferenceCountUtil.release(resp);
            }
        } else if (message instanceof ByteBuf bytes && bytes.readableBytes() < SMALL) {
            try {
                buffer().writeBytes(bytes, bytes.readerIndex(), bytes.readableBytes());
            } finally {
                bytes.release();
            }
        } else {
            handOver();
            channel.write(message, channel.voidPromise());
            return;
        }
        if (gathered.readableBytes() >= MAX_GATHERED) {
            handOver();
        }
    }

    /** Hands what was gathered to the channel and flushes it. */
    void flush() {
        handOver();
        channel.flush();
    }

    /** Hands what was gathered to the channel, without flushing. */
    void handOver() {
        if (gathered != null) {
            ByteBuf bytes = gathered;
            gathered = null;
            if (bytes.isReadable()) {
                channel.write(bytes, channel.voidPromise());
            } else {
                bytes.release();
            }
        }
    }

    /** Bytes gathered and not yet handed to the channel. */
    int gatheredBytes() {
        return gathered == null ? 0 : gathered.readableBytes();
    }

    /** Drops what was gathered (the channel is closed). */
    void discard() {
        if (gathered != null) {
            gathered.release();
            gathered = null;
        }
    }

    private ByteBuf buffer() {
        if (gathered == null) {
            gathered = channel.alloc().ioBuffer(4096);
        }
        return gathered;
    }
}
