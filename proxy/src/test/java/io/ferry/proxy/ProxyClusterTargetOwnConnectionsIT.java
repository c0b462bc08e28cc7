package io.ferry.proxy;

import io.ferry.schemas.ReadMode;
import io.ferry.schemas.WritePolicy;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster target that is authoritative (after the cutover: TARGET_AUTHORITATIVE, reads from the target),
 * with clients that use connection state there: transactions, WATCH, blocking commands, subscriptions. Each runs on
 * a connection of the client's own to the node serving its keys, never on the node connections the other clients
 * of its thread share (a MULTI there would queue their commands, a BLPOP hold them up).
 */
class ProxyClusterTargetOwnConnectionsIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static RedisCluster cluster;
    static RedisClusterClient clusterClient;
    static StatefulRedisClusterConnection<String, String> clusterConnection;
    static RedisAdvancedClusterCommands<String, String> target;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start(redis, "own-target", 3, 0);
        clusterClient = RedisClusterClient.create(RedisURI.create(cluster.seedUri()));
        clusterConnection = clusterClient.connect();
        target = clusterConnection.sync();
        // One thread: every client shares its node connections.
        proxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                .target(RedisUri.parse(cluster.seedUri()), WritePolicy.TARGET_AUTHORITATIVE, ReadMode.TARGET, 0)
                .ioThreads(1)
                .build());
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @BeforeEach
    void flush() {
        redis.source().flushAll();
        for (RedisServer master : cluster.masters()) {
            master.flushAll();
        }
    }

    /** Keys, one for each master of the target, in turn: consecutive transactions run on different nodes. */
    private static List<String> keysOnEveryMaster(int count) {
        List<String> keys = new java.util.ArrayList<>();
        List<RedisServer> masters = cluster.masters();
        for (int n = 0; keys.size() < count; n++) {
            String key = "tx:" + n;
            if (cluster.ownerOf(RedisCluster.slot(key)).equals(masters.get(keys.size() % masters.size()))) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Test
    void transactionsRunOnTheNodeOfTheirKeysAndOtherClientsAreNotDrawnIn() throws Exception {
        List<String> keys = keysOnEveryMaster(9);
        try (ProxyHarness.RawClient transacting = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient other = new ProxyHarness.RawClient(proxy)) {
            for (int i = 0; i < keys.size(); i++) {
                String key = keys.get(i);
                transacting.send("MULTI\r\nSET " + key + " v" + i + "\r\n");
                assertThat(transacting.readLines(2)).containsExactly("+OK", "+QUEUED");
                // Another client of the same thread, while the transaction is open: served at once, not queued.
                other.send("SET plain:" + i + " p" + i + "\r\nGET plain:" + i + "\r\n");
                assertThat(other.readLines(3)).containsExactly("+OK", "$2", "p" + i);
                transacting.send("EXPIRE " + key + " 600\r\nEXEC\r\n");
                assertThat(transacting.readLines(4)).containsExactly("+QUEUED", "*2", "+OK", ":1");
            }
            // Empty transactions end as Redis ends them.
            transacting.send("MULTI\r\nEXEC\r\nMULTI\r\nDISCARD\r\nGET " + keys.get(0) + "\r\n");
            assertThat(transacting.readLines(6)).containsExactly("+OK", "*0", "+OK", "+OK", "$2", "v0");
            // WATCH, then a transaction on the watched key's node.
            transacting.send("WATCH " + keys.get(1) + "\r\nMULTI\r\nINCR counter:{" + keys.get(1) + "}\r\nEXEC\r\n");
            assertThat(transacting.readLines(5)).containsExactly("+OK", "+OK", "+QUEUED", "*1", ":1");
        }
        for (int i = 0; i < keys.size(); i++) {
            assertThat(target.get(keys.get(i))).isEqualTo("v" + i);
            assertThat(target.ttl(keys.get(i))).isPositive();
            assertThat(target.get("plain:" + i)).isEqualTo("p" + i);
        }
        assertThat(target.get("counter:{" + keys.get(1) + "}")).isEqualTo("1");
    }

    @Test
    void aResp3ClientGetsRESP3FromTheTargetsNodes() throws Exception {
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send("HELLO 3\r\n");
            String line;
            do {
                line = client.readLine();
            } while (line != null && !line.equals("modules"));
            assertThat(client.readLine()).isEqualTo("*0");
            // Read from the target (authoritative): a RESP3 map and null, on the shared node connections and on the
            // client's own one (in a transaction).
            client.send("HSET h:1 f v\r\nHGETALL h:1\r\nGET missing\r\nMULTI\r\nHGETALL h:1\r\nEXEC\r\n");
            assertThat(client.readLines(10))
                    .containsExactly(":1", "%1", "$1", "f", "$1", "v", "_", "+OK", "+QUEUED", "*1");
            assertThat(client.readLines(5)).containsExactly("%1", "$1", "f", "$1", "v");
        }
    }

    @Test
    void aBlockingCommandHoldsUpOnlyItsClient() throws Exception {
        try (ProxyHarness.RawClient blocked = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient other = new ProxyHarness.RawClient(proxy)) {
            blocked.send("BLPOP queue:1 10\r\n");
            Set<String> blockedOn = new HashSet<>();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                blockedOn.clear();
                for (RedisServer master : cluster.masters()) {
                    if (!master.info("blocked_clients").equals("0")) {
                        blockedOn.add(master.name());
                    }
                }
                return !blockedOn.isEmpty();
            });
            assertThat(blockedOn)
                    .as("the node blocked on")
                    .containsExactly(
                            cluster.ownerOf(RedisCluster.slot("queue:1")).name());
            // The other client's commands, on every node, are answered while the BLPOP waits.
            for (int i = 0; i < 30; i++) {
                other.send("SET k:" + i + " " + i + "\r\n");
                assertThat(other.readLine()).isEqualTo("+OK");
            }
            other.send("LPUSH queue:1 job\r\n");
            assertThat(other.readLine()).isEqualTo(":1");
            assertThat(blocked.readLines(5)).containsExactly("*2", "$7", "queue:1", "$3", "job");
        }
    }

    @Test
    void aSubscriberGetsWhatIsPublishedThroughTheProxy() throws Exception {
        try (ProxyHarness.RawClient subscriber = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient publisher = new ProxyHarness.RawClient(proxy)) {
            subscriber.send("SUBSCRIBE news\r\n");
            assertThat(subscriber.readLines(6)).containsExactly("*3", "$9", "subscribe", "$4", "news", ":1");
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                publisher.send("PUBLISH news hello\r\n");
                return !publisher.readLine().equals(":0");
            });
            assertThat(subscriber.readLines(7)).containsExactly("*3", "$7", "message", "$4", "news", "$5", "hello");
            publisher.send("SET after-subscribe yes\r\nGET after-subscribe\r\n");
            assertThat(publisher.readLines(3)).containsExactly("+OK", "$3", "yes");
        }
    }
}
