package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The codec wired as a proxy's client-facing pipeline: decoder, shared encoder, a handler. */
class RespPipelineTest {

    private static final byte[] PING = "PING".getBytes(StandardCharsets.US_ASCII);

    /** Answers PING, echoes other commands' arguments back as an array, and fails as Redis does. */
    private static final class EchoHandler extends SimpleChannelInboundHandler<CommandMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, CommandMessage command) {
            if (command.nameEquals(PING)) {
                ctx.write(SimpleStringMessage.PONG);
                return;
            }
            // SimpleChannelInboundHandler releases the command after this method: retain what is kept.
            BulkStringMessage[] args = new BulkStringMessage[command.argCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = new BulkStringMessage(command.arg(i).retainedDuplicate());
            }
            ctx.write(ArrayMessage.of(args));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof RespProtocolException protocolError) {
                // What Redis does: one error reply, then close.
                ctx.writeAndFlush(ErrorMessage.of("ERR " + protocolError.redisMessage()))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        }
    }

    @Test
    void servesPipelinedCommandsThenRepliesToAProtocolErrorAndCloses() {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline()
                .addLast(RespDecoder.forRequests(RespLimits.DEFAULTS), RespEncoder.INSTANCE, new EchoHandler());

        ByteBuf input = alloc.buffer()
                .writeBytes("*1\r\n$4\r\nPING\r\nECHO 'a b'\r\n*2\r\n$3\r\nGET\r\n:1\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        channel.writeInbound(input);

        assertThat(readOutbound(channel)).isEqualTo("+PONG\r\n");
        assertThat(readOutbound(channel)).isEqualTo("*2\r\n$4\r\nECHO\r\n$3\r\na b\r\n");
        assertThat(readOutbound(channel)).isEqualTo("-ERR Protocol error: expected '$', got ':'\r\n");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
        assertThat(alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory())
                .isZero();
    }

    private static String readOutbound(EmbeddedChannel channel) {
        ByteBuf buf = channel.readOutbound();
        try {
            return buf == null ? null : buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            if (buf != null) {
                buf.release();
            }
        }
    }

    @Test
    void relaysAReplyToTwoPeersWithOneRetain() {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        ByteBuf payload = alloc.buffer(2048).writeZero(2048);
        BulkStringMessage reply = new BulkStringMessage(payload);
        EmbeddedChannel client = new EmbeddedChannel(RespEncoder.INSTANCE);
        EmbeddedChannel mirror = new EmbeddedChannel(RespEncoder.INSTANCE);

        reply.retain(); // one reference per write: each encoder releases one
        client.writeAndFlush(reply);
        mirror.writeAndFlush(reply);

        assertThat(client.finishAndReleaseAll()).isTrue();
        assertThat(mirror.finishAndReleaseAll()).isTrue();
        assertThat(payload.refCnt()).isZero();
    }
}
