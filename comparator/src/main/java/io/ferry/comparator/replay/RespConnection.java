package io.ferry.comparator.replay;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * One pipelined RESP connection to a Redis server, on Netty with Ferry's RESP codec: {@link #send} writes a command
 * and returns the future of its reply; replies complete the futures in the order the commands were sent. Replies are
 * bounded by the {@link RespLimits} given (a reply over the frame size fails its command, and the connection, which
 * cannot be resynchronised, closes). A closed connection fails every command in flight and every later one.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; the reply futures complete on the connection's event
 * loop, so callers must not block in their callbacks. A reply handed to a future belongs to whoever completes it; a
 * reply whose future was already completed (timed out) is released.
 */
final class RespConnection implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MS = 5000;

    private final Channel channel;
    /** Commands sent and not answered yet, oldest first; touched on the event loop only. */
    private final Deque<CompletableFuture<RespMessage>> inFlight = new ArrayDeque<>();
    /** Set before the futures in flight fail, so whoever they wake sees the connection as unusable at once. */
    private volatile boolean broken;

    private RespConnection(Channel channel) {
        this.channel = channel;
    }

    /** Connects to {@code host:port}, with TLS when {@code ssl} is not null; the future completes once connected. */
    static CompletableFuture<RespConnection> connect(
            EventLoopGroup group,
            Class<? extends SocketChannel> channelType,
            String host,
            int port,
            SslContext ssl,
            RespLimits limits) {
        CompletableFuture<RespConnection> result = new CompletableFuture<>();
        RespConnection[] holder = new RespConnection[1];
        ChannelFuture connected = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        RespConnection connection = new RespConnection(channel);
                        holder[0] = connection;
                        if (ssl != null) {
                            SslHandler tls = ssl.newHandler(channel.alloc(), host, port);
                            tls.setHandshakeTimeoutMillis(CONNECT_TIMEOUT_MS);
                            channel.pipeline().addLast(tls);
                        }
                        channel.pipeline()
                                .addLast(RespDecoder.forReplies(limits))
                                .addLast(RespEncoder.INSTANCE)
                                .addLast(connection.new Replies());
                    }
                })
                .connect(host, port);
        connected.addListener(done -> {
            if (done.isSuccess()) {
                result.complete(holder[0]);
            } else {
                result.completeExceptionally(done.cause());
            }
        });
        return result;
    }

    /** Sends {@code command} (taking ownership of it); the future completes with the reply, owned by the caller. */
    CompletableFuture<RespMessage> send(CommandMessage command) {
        CompletableFuture<RespMessage> reply = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            if (broken || !channel.isActive()) {
                // Never written: as safe to send again on a new connection as a command behind a broken reply.
                // (A command queued right after one whose reply broke the connection lands here.)
                ReferenceCountUtil.release(command);
                reply.completeExceptionally(new ConnectionLost(new ClosedChannelException()));
                return;
            }
            inFlight.add(reply);
            channel.writeAndFlush(command).addListener(written -> {
                if (!written.isSuccess()) {
                    fail(written.cause());
                }
            });
        });
        return reply;
    }

    boolean isOpen() {
        return !broken && channel.isActive();
    }

    @Override
    public void close() {
        channel.close();
    }

    /**
     * Fails the oldest command with {@code cause} (its reply broke the connection, or was being read when it broke) and
     * the ones behind it with {@link ConnectionLost}: they did nothing wrong and may be sent again.
     */
    private void fail(Throwable cause) {
        broken = true;
        CompletableFuture<RespMessage> pending = inFlight.poll();
        if (pending != null) {
            pending.completeExceptionally(cause);
        }
        while ((pending = inFlight.poll()) != null) {
            pending.completeExceptionally(new ConnectionLost(cause));
        }
        channel.close();
    }

    /** A command that was behind the one whose reply broke the connection: safe to send again. */
    static final class ConnectionLost extends IOException {
        ConnectionLost(Throwable cause) {
            super("the connection closed before the reply: " + cause, cause);
        }
    }

    /** Hands each reply to the oldest command in flight. */
    private final class Replies extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof PushMessage) {
                // Out-of-band (RESP3 pushes): no command of ours asked for them.
                ReferenceCountUtil.release(msg);
                return;
            }
            CompletableFuture<RespMessage> pending = inFlight.poll();
            if (pending == null || !pending.complete((RespMessage) msg)) {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("connection closed by the server"));
        }
    }
}
