package io.ferry.proxy;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A source that requires AUTH: clients of the proxy must authenticate as they would with Redis. */
class ProxyAuthIT {
    private static final String PASSWORD = "s3cret-pw";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static RedisServer source;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        source = redis.start("secured", "--requirepass", PASSWORD);
        proxy = ProxyServer.start(ProxyHarness.config("redis://:" + PASSWORD + "@127.0.0.1:" + source.port()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void anUnauthenticatedClientGetsNoauthFromTheProxy() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("GET k\r\nHELLO 3\r\n");
            assertThat(raw.readLine()).isEqualTo("-NOAUTH Authentication required.");
            assertThat(raw.readLine()).startsWith("-NOAUTH HELLO must be called with the client already authenticated");
        }
    }

    @Test
    void aWrongPasswordIsRefusedAndTheClientStaysLockedOut() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("AUTH wrong\r\nGET k\r\n");
            assertThat(raw.readLine()).startsWith("-WRONGPASS");
            assertThat(raw.readLine()).isEqualTo("-NOAUTH Authentication required.");
        }
    }

    @Test
    void pipelinedAuthThenCommandsRunInOrder() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("AUTH " + PASSWORD + "\r\nSET k v\r\nGET k\r\n");
            assertThat(raw.readLines(4)).containsExactly("+OK", "+OK", "$1", "v");
        }
    }

    @Test
    void lettuceAuthenticatesWithResp2AndResp3() {
        for (ProtocolVersion protocol : ProtocolVersion.values()) {
            RedisClient client = ProxyHarness.client(protocol);
            try {
                RedisURI uri = RedisURI.create(
                        "redis://:" + PASSWORD + "@127.0.0.1:" + proxy.address().getPort());
                try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
                    connection.sync().set("lettuce-" + protocol, "ok");
                    assertThat(connection.sync().get("lettuce-" + protocol)).isEqualTo("ok");
                }
                RedisURI wrong = RedisURI.create(
                        "redis://:nope@127.0.0.1:" + proxy.address().getPort());
                assertThatThrownBy(() -> client.connect(wrong).sync().ping())
                        .isInstanceOfAny(RedisConnectionException.class, RedisCommandExecutionException.class);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void helloWithTheSourcesCredentialsKeepsClientsOnSharedConnections() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            // Another password: the source says so, and the client stays locked out.
            raw.send("HELLO 3 AUTH default wrong\r\nGET k\r\n");
            assertThat(raw.readLine()).startsWith("-WRONGPASS");
            assertThat(raw.readLine()).isEqualTo("-NOAUTH Authentication required.");
        }
        int before = sourceClients();
        List<ProxyHarness.RawClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy);
                clients.add(raw);
                raw.send("HELLO 3 AUTH default " + PASSWORD + " SETNAME c" + i + "\r\nSET hello-" + i + " v\r\n");
                String line;
                do {
                    line = raw.readLine();
                } while (line != null && !line.equals("modules"));
                assertThat(raw.readLines(2)).containsExactly("*0", "+OK");
            }
            // The proxy's event loops (2) each opened one RESP3 connection at most: no client has one of its own.
            assertThat(sourceClients()).isLessThanOrEqualTo(before + 2);
        } finally {
            for (ProxyHarness.RawClient raw : clients) {
                raw.close();
            }
        }
    }

    /** Client connections the source has, besides the one asking. */
    private static int sourceClients() {
        RedisClient client = ProxyHarness.client(ProtocolVersion.RESP2);
        try (StatefulRedisConnection<String, String> connection =
                client.connect(RedisURI.create("redis://:" + PASSWORD + "@127.0.0.1:" + source.port()))) {
            String clients = connection.sync().info("clients");
            return clients.lines()
                            .filter(line -> line.startsWith("connected_clients:"))
                            .map(line -> Integer.parseInt(line.substring("connected_clients:".length())
                                    .trim()))
                            .findFirst()
                            .orElseThrow()
                    - 1;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void redisCliWithPassword() throws Exception {
        assertThat(ProxyHarness.redisCli(proxy, "--no-auth-warning", "-a", PASSWORD, "PING"))
                .isEqualTo("PONG");
        assertThat(ProxyHarness.redisCli(proxy, "PING")).contains("NOAUTH");
    }

    @Test
    void theProxyNeverLogsThePassword() throws Exception {
        Path logs = Path.of("target", "failsafe-reports");
        if (Files.isDirectory(logs)) {
            try (Stream<Path> files = Files.list(logs)) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith("-output.txt")).toList()) {
                    assertThat(Files.readString(file)).doesNotContain(PASSWORD);
                }
            }
        }
        assertThat(ProxyHarness.config("redis://:" + PASSWORD + "@127.0.0.1:1").toString())
                .doesNotContain(PASSWORD);
    }
}
