package io.ferry.proxy;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Idle clients, a lost source, and a graceful drain on shutdown. */
class ProxyLifecycleIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static ProxyConfig config(RedisServer source, Duration idle, Duration drain) {
        return ProxyHarness.config(source).toBuilder()
                .maxConnections(100)
                .idleTimeout(idle)
                .drainTimeout(drain)
                .ioThreads(1)
                .build();
    }

    @Test
    void idleClientsAreClosedButBlockedOnesAreNot() throws Exception {
        try (ProxyServer proxy =
                        ProxyServer.start(config(redis.source(), Duration.ofMillis(300), Duration.ofSeconds(5)));
                ProxyHarness.RawClient idle = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient blocked = new ProxyHarness.RawClient(proxy)) {
            idle.send("PING\r\n");
            assertThat(idle.readLine()).isEqualTo("+PONG");
            blocked.send("BLPOP never-pushed 2\r\n");

            assertThat(idle.closedByPeer(Duration.ofSeconds(5))).isTrue();
            // The blocked client outlives several idle periods and gets its timeout reply.
            assertThat(blocked.readLine()).isEqualTo("*-1");
            blocked.send("PING\r\n");
            assertThat(blocked.readLine()).isEqualTo("+PONG");
        }
    }

    @Test
    void aLostSourceFailsInFlightCommandsAndTheProxyKeepsServing() throws Exception {
        RedisServer source = redis.start("fragile");
        try (ProxyServer proxy = ProxyServer.start(config(source, Duration.ZERO, Duration.ofSeconds(5)))) {
            try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
                client.send("SET k v\r\n");
                assertThat(client.readLine()).isEqualTo("+OK");
                client.send("BLPOP q1 30\r\nBLPOP q2 30\r\n");
                // Kill the source only once the commands are in flight: the first blocked there.
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> source.info("blocked_clients").equals("1"));
                source.kill();

                assertThat(client.readLine()).isEqualTo("-ERR Ferry: the connection to the source was lost");
                assertThat(client.readLine()).isEqualTo("-ERR Ferry: the connection to the source was lost");
                assertThat(client.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }

            try (ProxyHarness.RawClient whileDown = new ProxyHarness.RawClient(proxy)) {
                whileDown.send("PING\r\n");
                assertThat(whileDown.readLine()).startsWith("-ERR Ferry: cannot reach the source");
            }

            source.restartEmpty();
            try (ProxyHarness.RawClient afterwards = new ProxyHarness.RawClient(proxy)) {
                afterwards.send("PING\r\n");
                assertThat(afterwards.readLine()).isEqualTo("+PONG");
            }
        }
    }

    @Test
    void shutdownDrainsInFlightRepliesThenCloses() throws Exception {
        ProxyServer proxy = ProxyServer.start(config(redis.source(), Duration.ZERO, Duration.ofSeconds(10)));
        int port = proxy.address().getPort();
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send("BLPOP drain-queue 1\r\n");
            // Shut down only once the command is in flight: blocked at the source.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> redis.source().info("blocked_clients").equals("1"));
            Thread closer = new Thread(proxy::close);
            closer.start();

            // The reply owed arrives (BLPOP's timeout), then the connection closes.
            assertThat(client.readLine()).isEqualTo("*-1");
            assertThat(client.closedByPeer(Duration.ofSeconds(5))).isTrue();
            closer.join(15_000);
            assertThat(closer.isAlive()).isFalse();
        }
        try (java.net.Socket socket = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000))
                    .isInstanceOf(java.io.IOException.class);
        }
    }
}
