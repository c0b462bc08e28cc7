package io.ferry.comparator.replay;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.resp.AttributeMessage;
import io.ferry.resp.BulkErrorMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.ferry.schemas.Side;
import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The comparator's connections to the two sides: one {@link RespConnection} per side, database and protocol, opened
 * on first use with the endpoint's credentials (HELLO 3 with AUTH on a RESP3 connection, else AUTH) and SELECT, and
 * opened again when one has closed. Replies are bounded by {@code maxReplyBytes}. One event loop thread serves all
 * connections.
 *
 * <p>Thread-safe. {@link #send} blocks the calling thread only while a connection is being opened, never on an event
 * loop.
 */
final class ReplayConnections implements AutoCloseable {
    private final Map<Side, RedisEndpoint> endpoints;
    private final Map<Side, SslContext> tls = new HashMap<>();
    private final RespLimits limits;
    private final Duration timeout;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("ferry-comparator-io", true), NioIoHandler.newFactory());
    private final Map<Key, RespConnection> open = new HashMap<>();

    private record Key(Side side, int db, int protocol) {}

    /**
     * @throws IllegalArgumentException when an endpoint's TLS settings cannot be used
     */
    ReplayConnections(RedisEndpoint source, RedisEndpoint target, long maxReplyBytes, Duration timeout) {
        this.endpoints = Map.of(Side.SOURCE, source, Side.TARGET, target);
        this.timeout = timeout;
        // A reply may hold many elements (SMEMBERS of a big set); what bounds it is its size in bytes.
        this.limits = RespLimits.builder()
                .maxBulkLength((int) Math.min(RespLimits.MAX_BULK_LENGTH_LIMIT, maxReplyBytes))
                .maxAggregateLength(Integer.MAX_VALUE)
                .maxNestingDepth(RespLimits.MAX_NESTING_DEPTH_LIMIT)
                .maxFrameSize(maxReplyBytes)
                .build();
        for (Map.Entry<Side, RedisEndpoint> endpoint : endpoints.entrySet()) {
            if (endpoint.getValue().uri().tls()) {
                tls.put(endpoint.getKey(), clientSsl(endpoint.getValue()));
            }
        }
    }

    RedisEndpoint endpoint(Side side) {
        return endpoints.get(side);
    }

    /**
     * Sends the command of {@code args} to {@code side} on database {@code db} with RESP {@code protocol}; the future
     * completes with the reply (owned by the caller), or fails after the timeout or when the connection fails.
     *
     * @throws ReplayException when no connection can be opened
     */
    CompletableFuture<RespMessage> send(Side side, int db, int protocol, List<byte[]> args)
            throws InterruptedException {
        RespConnection connection = connection(new Key(side, db, protocol));
        return connection.send(command(args)).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized RespConnection connection(Key key) throws InterruptedException {
        RespConnection current = open.get(key);
        if (current != null && current.isOpen()) {
            return current;
        }
        RedisEndpoint endpoint = endpoints.get(key.side());
        RedisUri uri = endpoint.uri();
        RespConnection fresh;
        try {
            fresh = RespConnection.connect(
                            loop, NioSocketChannel.class, uri.host(), uri.port(), tls.get(key.side()), limits)
                    .get(RespConnection.CONNECT_TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ReplayException("cannot connect to the " + endpoint + ": " + rootMessage(e), e);
        }
        try {
            for (List<byte[]> command : handshake(uri, key.db(), key.protocol())) {
                RespMessage reply = fresh.send(command(command)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    RespMessage value = AttributeMessage.unwrap(reply);
                    if (value instanceof ErrorMessage || value instanceof BulkErrorMessage) {
                        // The reply names the problem (WRONGPASS, NOPROTO, ERR DB index), never the password.
                        throw new ReplayException("the " + endpoint + " refused "
                                + new String(command.get(0), StandardCharsets.US_ASCII) + ": " + value);
                    }
                } finally {
                    ReferenceCountUtil.release(reply);
                }
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            fresh.close();
            if (e instanceof ReplayException replay) {
                throw replay;
            }
            throw new ReplayException("cannot open a session on the " + endpoint + ": " + rootMessage(e), e);
        }
        if (current != null) {
            current.close();
        }
        open.put(key, fresh);
        return fresh;
    }

    /** HELLO 3 (with AUTH) or AUTH, then SELECT, as the connection needs. */
    static List<List<byte[]>> handshake(RedisUri uri, int db, int protocol) {
        List<List<byte[]>> commands = new ArrayList<>(2);
        if (protocol == 3) {
            List<byte[]> hello = new ArrayList<>(List.of(ascii("HELLO"), ascii("3")));
            uri.password().ifPresent(password -> {
                hello.add(ascii("AUTH"));
                hello.add(utf8(uri.username().orElse("default")));
                hello.add(utf8(password));
            });
            commands.add(hello);
        } else {
            uri.password()
                    .ifPresent(password -> commands.add(uri.username()
                            .map(user -> List.of(ascii("AUTH"), utf8(user), utf8(password)))
                            .orElseGet(() -> List.of(ascii("AUTH"), utf8(password)))));
        }
        if (db != 0) {
            commands.add(List.of(ascii("SELECT"), ascii(Integer.toString(db))));
        }
        return commands;
    }

    @Override
    public synchronized void close() {
        open.values().forEach(RespConnection::close);
        open.clear();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static CommandMessage command(List<byte[]> args) {
        return CommandMessage.of(args.stream().map(Unpooled::wrappedBuffer).toArray(io.netty.buffer.ByteBuf[]::new));
    }

    private static SslContext clientSsl(RedisEndpoint endpoint) {
        TlsOptions options = endpoint.tls();
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    // Netty 4.2 verifies host names unless told otherwise: say it here.
                    .endpointIdentificationAlgorithm(options.verifyHostname() ? "HTTPS" : null);
            options.caFile().ifPresent(file -> builder.trustManager(file.toFile()));
            if (options.hasClientCertificate()) {
                builder.keyManager(
                        options.certFile().orElseThrow().toFile(),
                        options.keyFile().orElseThrow().toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for the " + endpoint + ": " + e.getMessage(), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
