package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@link EmbeddedChannel} running one {@link RespDecoder}, fed from an allocator that counts every
 * byte it hands out: {@link #close()} fails the test unless every input buffer, every cumulation and
 * every decoded payload has been released. This catches leaks deterministically, where Netty's
 * paranoid leak detector only reports them after a garbage collection.
 */
final class RespTestChannel implements AutoCloseable {

    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final RespDecoder decoder;
    private final EmbeddedChannel channel;

    RespTestChannel(RespDecoder decoder) {
        this.decoder = decoder;
        this.channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(decoder);
    }

    static RespTestChannel replies() {
        return new RespTestChannel(RespDecoder.forReplies(RespLimits.DEFAULTS));
    }

    static RespTestChannel replies(RespLimits limits) {
        return new RespTestChannel(RespDecoder.forReplies(limits));
    }

    static RespTestChannel requests() {
        return new RespTestChannel(RespDecoder.forRequests(RespLimits.DEFAULTS));
    }

    static RespTestChannel requests(RespLimits limits) {
        return new RespTestChannel(RespDecoder.forRequests(limits));
    }

    static RespTestChannel of(RespDecoder.Mode mode) {
        return new RespTestChannel(new RespDecoder(mode, RespLimits.DEFAULTS));
    }

    /** Wire bytes written as a Java string, one char per byte (ISO-8859-1), so tests can hold any byte. */
    static byte[] bytes(String wire) {
        return wire.getBytes(StandardCharsets.ISO_8859_1);
    }

    RespDecoder decoder() {
        return decoder;
    }

    UnpooledByteBufAllocator alloc() {
        return alloc;
    }

    /** Feeds {@code wire} as one buffer; rethrows what the decoder raised. */
    RespTestChannel feed(String wire) {
        return feed(bytes(wire));
    }

    RespTestChannel feed(byte[] wire) {
        return feed(wire, 0, wire.length);
    }

    RespTestChannel feed(byte[] wire, int from, int to) {
        ByteBuf buf = alloc.buffer(Math.max(1, to - from)).writeBytes(wire, from, to - from);
        channel.writeInbound(buf);
        return this;
    }

    /** Feeds {@code wire} cut at each of {@code cuts} (ascending offsets), one buffer per piece. */
    RespTestChannel feedSplit(byte[] wire, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            if (cut > from) {
                feed(wire, from, cut);
                from = cut;
            }
        }
        if (from < wire.length) {
            feed(wire, from, wire.length);
        }
        return this;
    }

    RespTestChannel feedBytewise(byte[] wire) {
        for (int i = 0; i < wire.length; i++) {
            feed(wire, i, i + 1);
        }
        return this;
    }

    /** Removes the decoder mid-stream, as a pipeline rebuilt on a protocol switch would. */
    void removeDecoder() {
        channel.pipeline().remove(decoder);
    }

    /** Everything decoded so far; the caller owns the messages. */
    List<RespMessage> drain() {
        List<RespMessage> messages = new ArrayList<>();
        for (Object message; (message = channel.readInbound()) != null; ) {
            messages.add((RespMessage) message);
        }
        return messages;
    }

    long usedMemory() {
        ByteBufAllocatorMetric metric = alloc.metric();
        return metric.usedHeapMemory() + metric.usedDirectMemory();
    }

    /** Closes the channel (releasing any partial frame) and asserts that nothing is left allocated. */
    @Override
    public void close() {
        channel.finishAndReleaseAll();
        assertThat(usedMemory())
                .as("bytes still allocated after every message and the channel were released")
                .isZero();
    }

    static void release(Iterable<?> messages) {
        for (Object message : messages) {
            ReferenceCountUtil.release(message);
        }
    }

    /** Bytes this thread allocated on the Java heap while running {@code action} (HotSpot only). */
    static long allocatedBytesDuring(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
