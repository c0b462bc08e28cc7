package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespEncoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens backend connections to one Redis endpoint, each on the event loop of the client it serves
 * (so a client and its backend never hand messages across threads), with TLS for {@code rediss://}
 * as its {@link TlsOptions} say. Thread-safe.
 */
final class Backend {
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    /** Bounds each step of opening a connection: TCP connect, TLS handshake, the TLS session check. */
    static final int CONNECT_TIMEOUT_MS = 5000;

    private final RedisUri uri;
    private final Transport transport;
    private final RespLimits replyLimits;
    private final SslContext ssl;
    /** The protocol Ferry's handshake sets: 2, Redis's default, or 3 (HELLO 3). */
    private final int protocol;

    /**
     * @throws IllegalArgumentException when the TLS options cannot be used (a file unreadable or not
     *     what it should be), saying which
     */
    Backend(RedisUri uri, TlsOptions tls, Transport transport, long maxReplySize) {
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
        this.ssl = uri.tls() ? clientSsl(uri, tls) : null;
        this.protocol = 2;
    }

    private Backend(Backend backend, int protocol) {
        this.uri = backend.uri;
        this.transport = backend.transport;
        this.replyLimits = backend.replyLimits;
        this.ssl = backend.ssl;
        this.protocol = protocol;
    }

    /** This endpoint, its connections speaking {@code protocol} (2 or 3) once their handshake is done. */
    Backend withProtocol(int protocol) {
        return protocol == this.protocol ? this : new Backend(this, protocol);
    }

    int protocol() {
        return protocol;
    }

    RedisUri uri() {
        return uri;
    }

    /**
     * Connects on {@code loop}; replies and connection events go to {@code listener} on that loop.
     * The commands Ferry itself must send first (AUTH, SELECT) are listed by {@link #handshake()}.
     *
     * <p>The future completes when the connection is usable: for TLS, once the handshake is done and
     * the server has answered a first command. It fails with a cause whose message says what went
     * wrong, in words an operator can act on (a certificate not trusted, a host name not in the
     * certificate, a client certificate required); the listener hears nothing of a connection that
     * never became usable.
     */
    ChannelFuture connect(EventLoop loop, Listener listener) {
        SessionCheck check = ssl == null ? null : new SessionCheck(loop.newPromise());
        ChannelFuture connected = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (ssl != null) {
                            SslHandler tls = ssl.newHandler(channel.alloc(), uri.host(), uri.port());
                            tls.setHandshakeTimeoutMillis(CONNECT_TIMEOUT_MS);
                            channel.pipeline().addLast(tls);
                        }
                        channel.pipeline()
                                .addLast(RespDecoder.forReplies(replyLimits))
                                .addLast(RespEncoder.INSTANCE);
                        if (check != null) {
                            channel.pipeline().addLast(check);
                        }
                        channel.pipeline().addLast(new Relay(listener));
                    }
                })
                .connect(uri.host(), uri.port());
        if (check == null) {
            return connected;
        }
        ChannelPromise usable = connected.channel().newPromise();
        connected.addListener(tcp -> {
            if (!tcp.isSuccess()) {
                usable.tryFailure(tcp.cause());
            }
        });
        check.accepted.addListener(accepted -> {
            if (accepted.isSuccess()) {
                usable.trySuccess();
            } else {
                usable.tryFailure(accepted.cause());
            }
        });
        return usable;
    }

    /**
     * AUTH with the URI's credentials, SELECT of its database and HELLO 3 for a RESP3 endpoint, as needed; each
     * owned by the caller.
     */
    List<CommandMessage> handshake() {
        List<CommandMessage> commands = new ArrayList<>(3);
        uri.password()
                .ifPresent(password -> commands.add(uri.username()
                        .map(user -> CommandMessage.of("AUTH", user, password))
                        .orElseGet(() -> CommandMessage.of("AUTH", password))));
        if (uri.db() != 0) {
            commands.add(CommandMessage.of("SELECT", Integer.toString(uri.db())));
        }
        if (protocol != 2) {
            commands.add(CommandMessage.of("HELLO", Integer.toString(protocol)));
        }
        return commands;
    }

    private static SslContext clientSsl(RedisUri uri, TlsOptions tls) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    // Netty 4.2 verifies host names unless a system property says otherwise: say it here.
                    .endpointIdentificationAlgorithm(tls.verifyHostname() ? "HTTPS" : null);
            tls.caFile().ifPresent(file -> builder.trustManager(file.toFile()));
            if (tls.hasClientCertificate()) {
                builder.keyManager(
                        tls.certFile().orElseThrow().toFile(),
                        tls.keyFile().orElseThrow().toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            // The settings checks read these files already; this is a file changed since, or a
            // certificate or key the JDK's TLS cannot use.
            throw new IllegalArgumentException("cannot set up TLS for " + uri + " (" + tls + "): " + e.getMessage(), e);
        }
    }

    /**
     * Why a TLS connection failed, in words an operator can act on, followed by the TLS stack's own
     * message. Never holds a secret: the TLS messages name certificates and hosts, not credentials.
     */
    static SSLException explain(Throwable failure) {
        Throwable cause =
                failure instanceof DecoderException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof NotSslRecordException) {
            // Its message is a hex dump of whatever the server sent.
            return new SSLException(
                    "TLS handshake failed: the server does not speak TLS on this port (a plain redis:// port?)", cause);
        }
        String detail = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        String reason;
        if (hasCause(cause, CertificateExpiredException.class)
                || hasCause(cause, CertificateNotYetValidException.class)
                || detail.contains("validity check failed")) {
            reason = "the server's certificate has expired or is not yet valid";
        } else if (hasCause(cause, CertPathBuilderException.class) || detail.contains("PKIX path")) {
            reason = "the server's certificate is not signed by a CA Ferry trusts (set tls.ca-file to the PEM "
                    + "file of the CA that signed it)";
        } else if (detail.contains("subject alternative") || detail.contains("No name matching")) {
            reason = "the server's certificate does not name the host of the URI (connect by a name or address "
                    + "the certificate lists, or set tls.verify-hostname to false)";
        } else if (detail.contains("certificate_required")) {
            reason = "the server requires a client certificate (set tls.cert-file and tls.key-file)";
        } else if (detail.contains("unknown_ca")
                || detail.contains("bad_certificate")
                || detail.contains("certificate_unknown")
                || detail.contains("decrypt_error")) {
            reason = "the server refused Ferry's client certificate (is it signed by a CA the server trusts?)";
        } else {
            reason = "";
        }
        return new SSLException(
                "TLS handshake failed: " + (reason.isEmpty() ? "" : reason + ": ") + detail.replace('\n', ' '), cause);
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** What a backend connection reports, always on its event loop. */
    interface Listener {
        void onReply(RespMessage reply);

        void onReadComplete();

        void onWritabilityChanged(boolean writable);

        void onInactive();

        void onFailure(Throwable cause);
    }

    /**
     * Holds a TLS connection back until it is known to be accepted: the handshake done and a first
     * reply (to a PING) received. The reply matters because with TLS 1.3 a server checks the client
     * certificate only after the client has finished its half of the handshake, and says no with an
     * alert that arrives later. Until then nothing reaches the {@link Relay}; once the connection is
     * accepted this handler leaves the pipeline. Event loop only.
     */
    private static final class SessionCheck extends ChannelInboundHandlerAdapter {
        final Promise<Void> accepted;
        private ScheduledFuture<?> timeout;

        SessionCheck(Promise<Void> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake && !accepted.isDone()) {
                if (handshake.isSuccess()) {
                    ctx.writeAndFlush(CommandMessage.of("PING"));
                    timeout = ctx.executor()
                            .schedule(
                                    () -> fail(
                                            ctx,
                                            new SSLException("TLS session not confirmed: the server did not answer a "
                                                    + "PING within " + CONNECT_TIMEOUT_MS + " ms of the handshake")),
                                    CONNECT_TIMEOUT_MS,
                                    TimeUnit.MILLISECONDS);
                } else {
                    fail(ctx, explain(handshake.cause()));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Any reply will do, an error too (NOAUTH from a source with a password): the server
            // has accepted the session.
            ReferenceCountUtil.release(msg);
            if (accepted.isDone()) {
                return;
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
            ctx.pipeline().remove(this);
            accepted.trySuccess(null);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Nothing has been relayed yet.
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, explain(cause));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx, new SSLException("TLS handshake failed: the server closed the connection"));
        }

        private void fail(ChannelHandlerContext ctx, SSLException cause) {
            if (accepted.tryFailure(cause)) {
                if (timeout != null) {
                    timeout.cancel(false);
                }
                ctx.close();
            }
        }
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
