package io.ferry.proxy;

import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.SimpleStringMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Small writes leave as one buffer, in order; large ones go on their own, uncopied. */
class CoalescedWritesTest {

    private static List<ByteBuf> outbound(EmbeddedChannel channel) {
        List<ByteBuf> buffers = new ArrayList<>();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            buffers.add(buf);
        }
        return buffers;
    }

    private static String text(List<ByteBuf> buffers) {
        StringBuilder all = new StringBuilder();
        for (ByteBuf buf : buffers) {
            all.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return all.toString();
    }

    @Test
    void smallRepliesLeaveAsOneBufferInOrder() {
        EmbeddedChannel channel = new EmbeddedChannel(io.ferry.resp.RespEncoder.INSTANCE);
        CoalescedWrites out = new CoalescedWrites(channel);
        out.write(SimpleStringMessage.OK);
        out.write(IntegerMessage.of(42));
        out.write(CommandMessage.of("SET", "k", "v"));
        out.write(Unpooled.copiedBuffer("+PONG\r\n", StandardCharsets.US_ASCII));
        assertThat(outbound(channel)).as("nothing leaves before the flush").isEmpty();
        out.flush();
        List<ByteBuf> buffers = outbound(channel);
        assertThat(buffers).hasSize(1);
        assertThat(text(buffers)).isEqualTo("+OK\r\n:42\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n+PONG\r\n");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aLargeValueGoesOnItsOwnAfterWhatWasGathered() {
        EmbeddedChannel channel = new EmbeddedChannel(io.ferry.resp.RespEncoder.INSTANCE);
        CoalescedWrites out = new CoalescedWrites(channel);
        byte[] large = new byte[CoalescedWrites.SMALL * 4];
        Arrays.fill(large, (byte) 'x');
        BulkStringMessage value = new BulkStringMessage(Unpooled.wrappedBuffer(large));
        out.write(SimpleStringMessage.OK);
        out.write(value);
        out.write(IntegerMessage.of(1));
        out.flush();
        List<ByteBuf> buffers = outbound(channel);
        assertThat(buffers).as("gathered, the large message, gathered").hasSize(3);
        String all = text(buffers);
        assertThat(all).startsWith("+OK\r\n$4096\r\nxxx").endsWith("xxx\r\n:1\r\n");
        assertThat(value.refCnt())
                .as("the large message was handed over, not kept")
                .isZero();
    }

    @Test
    void gatheredBytesAreBoundedAndDiscardedOnClose() {
        EmbeddedChannel channel = new EmbeddedChannel(io.ferry.resp.RespEncoder.INSTANCE);
        CoalescedWrites out = new CoalescedWrites(channel);
        int written = 0;
        while (written <= CoalescedWrites.MAX_GATHERED) {
            out.write(SimpleStringMessage.OK);
            written += 5;
        }
        assertThat(out.gatheredBytes()).isLessThan(CoalescedWrites.MAX_GATHERED);
        // What was handed over is in the channel's outbound buffer, whoever flushes it.
        channel.flushOutbound();
        assertThat(outbound(channel))
                .as("handed to the channel past the bound")
                .hasSize(1)
                .allSatisfy(ByteBuf::release);
        out.write(SimpleStringMessage.OK);
        out.discard();
        assertThat(out.gatheredBytes()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
