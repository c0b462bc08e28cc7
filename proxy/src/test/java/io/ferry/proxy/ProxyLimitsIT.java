package io.ferry.proxy;

import io.ferry.resp.RespLimits;
import io.ferry.testkit.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bad and oversized input: an error like Redis's, the connection closed, everyone else unaffected. */
class ProxyLimitsIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static ProxyServer proxy;

    @BeforeAll
    static void start() throws InterruptedException {
        proxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                .maxConnections(20)
                .clientLimits(RespLimits.builder()
                        .maxBulkLength(1024 * 1024)
                        .maxAggregateLength(1000)
                        .maxInlineLength(1024)
                        .build())
                .build());
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "*1\r\n$2147483647\r\n", // declared bulk far over the limit
                "*99999999\r\n", // declared element count over the limit
                "*2\r\n$3\r\nGET\r\n$x\r\n", // a length that is not a number
                "*1\r\n*1\r\n$4\r\nPING\r\n", // a nested array where a bulk string belongs
                "*1\r\n$4\r\nPINGxx\r\n", // payload longer than declared
                "SET k \"unbalanced\r\n", // unbalanced quotes in an inline command
            })
    void malformedInputGetsAProtocolErrorAndTheConnectionIsClosed(String frame) throws Exception {
        try (ProxyHarness.RawClient bystander = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient attacker = new ProxyHarness.RawClient(proxy)) {
            attacker.send(frame);
            assertThat(attacker.readLine()).startsWith("-ERR Protocol error");
            assertThat(attacker.closedByPeer(Duration.ofSeconds(5))).isTrue();

            bystander.send("PING\r\n");
            assertThat(bystander.readLine()).isEqualTo("+PONG");
        }
    }

    @Test
    void anInlineLineOverTheLimitIsRefused() throws Exception {
        try (ProxyHarness.RawClient attacker = new ProxyHarness.RawClient(proxy)) {
            attacker.send("A".repeat(4096));
            assertThat(attacker.readLine()).isEqualTo("-ERR Protocol error: too big inline request");
            assertThat(attacker.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void validCommandsBeforeTheBadFrameAreAnswered() throws Exception {
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send("SET before ok\r\nGET before\r\n*1\r\n$-7\r\n");
            assertThat(client.readLines(3)).containsExactly("+OK", "$2", "ok");
            assertThat(client.readLine()).startsWith("-ERR Protocol error");
        }
    }

    @Test
    void aBigButAllowedValueRoundTrips() throws Exception {
        byte[] value = new byte[512 * 1024];
        java.util.Arrays.fill(value, (byte) 'x');
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send(
                    ("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            client.send(value);
            client.send("\r\nSTRLEN big\r\n");
            assertThat(client.readLines(2)).containsExactly("+OK", ":" + value.length);
        }
    }

    @Test
    void connectionsOverTheLimitAreRefusedWithRedisWording() throws Exception {
        List<ProxyHarness.RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy);
                clients.add(client);
                client.send("PING\r\n");
                assertThat(client.readLine()).isEqualTo("+PONG");
            }
            try (ProxyHarness.RawClient extra = new ProxyHarness.RawClient(proxy)) {
                assertThat(extra.readLine()).isEqualTo("-ERR max number of clients reached");
                assertThat(extra.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
            clients.remove(0).close();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connectionCount() <= 19);
            try (ProxyHarness.RawClient again = new ProxyHarness.RawClient(proxy)) {
                again.send("PING\r\n");
                assertThat(again.readLine()).isEqualTo("+PONG");
            }
        } finally {
            for (ProxyHarness.RawClient client : clients) {
                client.close();
            }
        }
    }
}
