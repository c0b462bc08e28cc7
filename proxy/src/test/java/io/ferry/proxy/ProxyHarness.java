package io.ferry.proxy;

import io.ferry.resp.RespLimits;
import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;
import io.ferry.testkit.RedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.protocol.ProtocolVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts proxies in front of test servers and connects clients to them. */
final class ProxyHarness {
    private ProxyHarness() {}

    static ProxyConfig config(RedisServer source) {
        return config(source.uri());
    }

    static ProxyConfig config(String sourceUri) {
        return new ProxyConfig(
                new HostPort("127.0.0.1", 0),
                RedisUri.parse(sourceUri),
                "test-proxy",
                1000,
                Duration.ZERO,
                Duration.ofSeconds(5),
                RespLimits.DEFAULTS,
                64L * 1024 * 1024,
                2,
                SourceConnections.SHARED,
                TlsOptions.DEFAULTS,
                null,
                TlsOptions.DEFAULTS,
                MigrationRoute.PASSTHROUGH,
                Duration.ofSeconds(2),
                null);
    }

    static RedisURI uri(ProxyServer proxy) {
        return RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(proxy.address().getPort())
                .withTimeout(Duration.ofSeconds(10))
                .build();
    }

    static RedisClient client(ProtocolVersion protocol) {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .protocolVersion(protocol)
                .autoReconnect(false)
                .build());
        return client;
    }

    /**
     * A cluster client starting from {@code seed} (a node, or a proxy listener) that reads the topology again
     * whenever a reply or a connection says it changed (every adaptive trigger), as an application's would.
     */
    static RedisClusterClient clusterClient(RedisURI seed, ProtocolVersion protocol) {
        RedisClusterClient client = RedisClusterClient.create(seed);
        client.setOptions(ClusterClientOptions.builder()
                .protocolVersion(protocol)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return client;
    }

    /** A raw TCP client for byte-level tests. */
    static final class RawClient implements AutoCloseable {
        private final Socket socket = new Socket();

        RawClient(ProxyServer proxy) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.address().getPort()), 2000);
            socket.setSoTimeout(10_000);
        }

        void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        void send(byte[] bytes) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
        }

        /** One CRLF-terminated line, without the CRLF; null at end of stream. */
        String readLine() throws IOException {
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                line.append((char) b);
            }
            return line.length() == 0 ? null : line.toString();
        }

        List<String> readLines(int count) throws IOException {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                lines.add(readLine());
            }
            return lines;
        }

        /** True when the peer closed the connection (read returns end of stream) within the timeout. */
        boolean closedByPeer(Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            try {
                return socket.getInputStream().read() == -1;
            } catch (java.net.SocketException e) {
                return true; // reset by the peer
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Runs redis-cli with the arguments against the proxy; returns its standard output. */
    static String redisCli(ProxyServer proxy, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "redis-cli",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(proxy.address().getPort())));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("redis-cli did not finish: " + command);
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
