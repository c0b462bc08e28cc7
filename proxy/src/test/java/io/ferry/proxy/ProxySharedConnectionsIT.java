package io.ferry.proxy;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link SourceConnections#SHARED}: clients without connection state share a source connection;
 * a client gets its own as soon as it needs one, and notices nothing either way.
 */
class ProxySharedConnectionsIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static ProxyServer proxy;
    static RedisClient resp2;

    @BeforeAll
    static void start() throws InterruptedException {
        // One event loop, so that every client shares the same source connection.
        proxy = ProxyServer.start(
                ProxyHarness.config(redis.source()).toBuilder().ioThreads(1).build());
        resp2 = ProxyHarness.client(ProtocolVersion.RESP2);
    }

    @AfterAll
    static void stop() {
        resp2.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        proxy.close();
    }

    @BeforeEach
    void flush() {
        redis.source().flushAll();
    }

    /** Client connections the source has, besides the one asking. */
    private static int sourceClients(RedisServer server) throws IOException {
        return Integer.parseInt(server.info("connected_clients")) - 1;
    }

    @Test
    void manyClientsShareOneSourceConnection() throws Exception {
        List<StatefulRedisConnection<String, String>> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                StatefulRedisConnection<String, String> connection = resp2.connect(ProxyHarness.uri(proxy));
                clients.add(connection);
                connection.sync().set("key-" + i, "value-" + i);
            }
            for (int i = 0; i < 20; i++) {
                assertThat(clients.get(i).sync().get("key-" + (19 - i))).isEqualTo("value-" + (19 - i));
            }
            assertThat(sourceClients(redis.source())).isLessThanOrEqualTo(2);
        } finally {
            clients.forEach(StatefulRedisConnection::close);
        }
    }

    @Test
    void resp3ClientsShareConnectionsThatSpeakRESP3() throws Exception {
        RedisClient resp3 = ProxyHarness.client(ProtocolVersion.RESP3);
        List<StatefulRedisConnection<String, String>> clients = new ArrayList<>();
        try {
            int before = sourceClients(redis.source());
            for (int i = 0; i < 20; i++) {
                // Lettuce sends HELLO 3 (and CLIENT SETINFO) on connect.
                StatefulRedisConnection<String, String> connection = resp3.connect(ProxyHarness.uri(proxy));
                clients.add(connection);
                connection.sync().hset("hash-" + i, Map.of("field", "value-" + i));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(clients.get(i).sync().hgetall("hash-" + (19 - i)))
                        .isEqualTo(Map.of("field", "value-" + (19 - i)));
            }
            assertThat(sourceClients(redis.source()))
                    .as("source connections: one more, shared by every RESP3 client")
                    .isLessThanOrEqualTo(before + 1);
        } finally {
            clients.forEach(StatefulRedisConnection::close);
            resp3.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void helloSwitchesTheProtocolOfEveryLaterReplyOnSharedConnections() throws Exception {
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            // Pipelined: replies before HELLO 3 are RESP2, after it RESP3, after HELLO 2 RESP2 again.
            client.send("HSET h f v\r\nHGETALL h\r\nHELLO 3 SETNAME app-1\r\nHGETALL h\r\nGET missing\r\n"
                    + "HELLO 2\r\nGET missing\r\nCLIENT GETNAME\r\n");
            assertThat(client.readLines(6)).containsExactly(":1", "*2", "$1", "f", "$1", "v");
            assertThat(helloReply(client)).startsWith("%7").containsSubsequence("proto", ":3");
            assertThat(client.readLines(5)).containsExactly("%1", "$1", "f", "$1", "v");
            assertThat(client.readLine()).isEqualTo("_");
            assertThat(helloReply(client)).startsWith("*14").containsSubsequence("proto", ":2");
            assertThat(client.readLine()).isEqualTo("$-1");
            assertThat(client.readLines(2)).as("the name HELLO gave").containsExactly("$5", "app-1");
        }
    }

    /** The lines of a HELLO reply (it ends with the modules, none here). */
    private static List<String> helloReply(ProxyHarness.RawClient client) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = client.readLine();
            lines.add(line);
        } while (line != null && !line.equals("modules"));
        lines.add(client.readLine());
        return lines;
    }

    @Test
    void selectGivesTheClientItsOwnConnectionAndOthersStayInDatabaseZero() throws Exception {
        try (StatefulRedisConnection<String, String> other = resp2.connect(ProxyHarness.uri(proxy));
                ProxyHarness.RawClient selecting = new ProxyHarness.RawClient(proxy)) {
            other.sync().set("warm", "up");
            int before = sourceClients(redis.source());
            // Pipelined: the SET before SELECT runs in db 0, the one after in db 1.
            selecting.send("SET where zero\r\nSELECT 1\r\nSET where one\r\nGET where\r\n");
            assertThat(selecting.readLines(5)).containsExactly("+OK", "+OK", "+OK", "$3", "one");

            assertThat(other.sync().get("where")).isEqualTo("zero");
            assertThat(sourceClients(redis.source())).isEqualTo(before + 1);
            other.sync().select(1);
            assertThat(other.sync().get("where")).isEqualTo("one");
        }
    }

    @Test
    void aBlockingWaitHoldsUpNoOtherClient() throws Exception {
        try (ProxyHarness.RawClient waiting = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient other = new ProxyHarness.RawClient(proxy)) {
            // No replica: WAIT 1 blocks for its whole timeout on the connection it runs on.
            waiting.send("SET k v\r\nWAIT 1 2000\r\n");
            assertThat(waiting.readLine()).isEqualTo("+OK");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> redis.source().info("blocked_clients").equals("1"));

            other.send("PING\r\nGET k\r\n");
            assertThat(other.readLines(3)).containsExactly("+PONG", "$1", "v");
            // Answered while the WAIT is still blocked at the source, not queued behind it.
            assertThat(redis.source().info("blocked_clients")).isEqualTo("1");

            assertThat(waiting.readLine()).isEqualTo(":0");
            waiting.send("GET k\r\n");
            assertThat(waiting.readLines(2)).containsExactly("$1", "v");
        }
    }

    @Test
    void waitCountsTheWritesOfTheConnectionThatCarriedThem() throws Exception {
        RedisServer replica = redis.start(
                "replica",
                "--replicaof",
                "127.0.0.1",
                Integer.toString(redis.source().port()));
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> replica.info("master_link_status").equals("up"));
            try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
                // The write is shared; SELECT then moves the client to its own connection, and the
                // WAIT must still see the write (on its own connection WAIT would count nothing).
                client.send("SET replicated yes\r\nSELECT 0\r\nWAIT 1 5000\r\n");
                assertThat(client.readLines(3)).containsExactly("+OK", "+OK", ":1");
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> replica.command("GET replicated").equals("$3"));
        } finally {
            replica.kill();
        }
    }

    @Test
    void aNameSetWhileSharingIsKeptOnTheClientsOwnConnection() throws Exception {
        try (StatefulRedisConnection<String, String> connection = resp2.connect(ProxyHarness.uri(proxy))) {
            RedisCommands<String, String> commands = connection.sync();
            assertThat(commands.clientSetname("billing-worker")).isEqualTo("OK");
            assertThat(commands.set("a", "1")).isEqualTo("OK");
            // CLIENT GETNAME needs the client's own connection, where the name was replayed.
            assertThat(commands.clientGetname()).isEqualTo("billing-worker");
            assertThat(commands.clientList()).contains("name=billing-worker");
            assertThatThrownBy(() -> commands.clientSetname("has space"))
                    .isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessageContaining("Client names cannot contain spaces");
        }
    }

    @Test
    void aClientKeepsTheRightsOfTheUserItAuthenticatedAs() throws Exception {
        RedisServer secured = redis.start("secured", "--requirepass", "proxy-secret");
        assertThat(secured.command("AUTH proxy-secret")).isEqualTo("+OK");
        try (ProxyServer securedProxy =
                        ProxyServer.start(ProxyHarness.config("redis://:proxy-secret@127.0.0.1:" + secured.port()));
                ProxyHarness.RawClient reader = new ProxyHarness.RawClient(securedProxy);
                ProxyHarness.RawClient admin = new ProxyHarness.RawClient(securedProxy)) {
            admin.send("AUTH proxy-secret\r\n");
            assertThat(admin.readLine()).isEqualTo("+OK");
            admin.send("ACL SETUSER reader on >reader-secret ~* +get +ping\r\nSET k v\r\n");
            assertThat(admin.readLines(2)).containsExactly("+OK", "+OK");

            // Another user's credentials: the client runs as that user, not as the proxy's.
            reader.send("AUTH reader reader-secret\r\nGET k\r\nSET k stolen\r\n");
            assertThat(reader.readLine()).isEqualTo("+OK");
            assertThat(reader.readLines(2)).containsExactly("$1", "v");
            assertThat(reader.readLine()).startsWith("-NOPERM");
            admin.send("GET k\r\n");
            assertThat(admin.readLines(2)).containsExactly("$1", "v");
        } finally {
            secured.kill();
        }
    }
}
