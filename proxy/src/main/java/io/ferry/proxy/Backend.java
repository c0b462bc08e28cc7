package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.ferry.settings.RedisUri;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens backend connections to one Redis endpoint, each on the event loop of the client it serves
 * (so a client and its backend never hand messages across threads), with TLS for {@code rediss://}.
 * Thread-safe.
 */
final class Backend {
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final RedisUri uri;
    private final Transport transport;
    private final RespLimits replyLimits;
    private final SslContext ssl;

    Backend(RedisUri uri, Transport transport, long maxReplySize) {
        this.uri = uri;
        this.transport = transport;
        // Replies may hold far more elements than a client command (KEYS, HGETALL of a big hash);
        // what bounds them is the size of one reply, the client's output buffer limit.
        this.replyLimits = RespLimits.builder()
                .maxBulkLength(RespLimits.MAX_BULK_LENGTH_LIMIT)
                .maxAggregateLength(Integer.MAX_VALUE)
                .maxNestingDepth(RespLimits.MAX_NESTING_DEPTH_LIMIT)
                .maxFrameSize(maxReplySize)
                .build();
        this.ssl = uri.tls() ? clientSsl() : null;
    }

    RedisUri uri() {
        return uri;
    }

    /**
     * Connects on {@code loop}; replies and connection events go to {@code listener} on that loop.
     * The commands Ferry itself must send first (AUTH, SELECT) are listed by {@link #handshake()}.
     */
    ChannelFuture connect(EventLoop loop, Listener listener) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (ssl != null) {
                            channel.pipeline().addLast(ssl.newHandler(channel.alloc(), uri.host(), uri.port()));
                        }
                        channel.pipeline()
                                .addLast(RespDecoder.forReplies(replyLimits))
                                .addLast(RespEncoder.INSTANCE)
                                .addLast(new Relay(listener));
                    }
                })
                .connect(uri.host(), uri.port());
    }

    /** AUTH with the URI's credentials and SELECT of its database, as needed; each owned by the caller. */
    List<CommandMessage> handshake() {
        List<CommandMessage> commands = new ArrayList<>(2);
        uri.password()
                .ifPresent(password -> commands.add(uri.username()
                        .map(user -> CommandMessage.of("AUTH", user, password))
                        .orElseGet(() -> CommandMessage.of("AUTH", password))));
        if (uri.db() != 0) {
            commands.add(CommandMessage.of("SELECT", Integer.toString(uri.db())));
        }
        return commands;
    }

    private static SslContext clientSsl() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for the backend: " + e.getMessage(), e);
        }
    }

    /** What a backend connection reports, always on its event loop. */
    interface Listener {
        void onReply(RespMessage reply);

        void onReadComplete();

        void onWritabilityChanged(boolean writable);

        void onInactive();

        void onFailure(Throwable cause);
    }

    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Listener listener;

        Relay(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof RespMessage reply) {
                listener.onReply(reply);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            listener.onReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            listener.onWritabilityChanged(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            listener.onInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            listener.onFailure(cause);
            ctx.close();
        }
    }
}
