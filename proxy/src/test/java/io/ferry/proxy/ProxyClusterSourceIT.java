package io.ferry.proxy;

import io.ferry.proxy.cluster.KeySlot;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.WritePolicy;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster source (three masters with a replica each) behind the proxy, dual-writing to a standalone target: a
 * cluster client (Lettuce's RedisClusterClient, redis-cli -c) finds the proxy's listeners in CLUSTER
 * SLOTS, SHARDS and NODES and reads and writes every key, a slot moved on the source included; a
 * standalone-mode client is routed by slot; a failover on the source and a node joining it are
 * followed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyClusterSourceIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static RedisCluster cluster;
    static RedisClusterClient sourceClient;
    static StatefulRedisClusterConnection<String, String> sourceConnection;
    static RedisAdvancedClusterCommands<String, String> source;
    static RedisClient lettuce;
    static StatefulRedisConnection<String, String> targetConnection;
    static RedisCommands<String, String> target;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start(redis, "source", 3, 1);
        sourceClient = ProxyHarness.clusterClient(RedisURI.create(cluster.seedUri()), ProtocolVersion.RESP3);
        sourceConnection = sourceClient.connect();
        source = sourceConnection.sync();
        lettuce = ProxyHarness.client(ProtocolVersion.RESP2);
        targetConnection = lettuce.connect(RedisURI.create(redis.target().uri()));
        target = targetConnection.sync();
    }

    @AfterAll
    static void stop() {
        if (sourceConnection != null) {
            sourceConnection.close();
            sourceClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (targetConnection != null) {
            targetConnection.close();
            lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @BeforeEach
    void flush() {
        // A test that moved a slot did not wait for the replicas to hear of it.
        cluster.awaitSettled();
        cluster.flushAll();
        redis.target().flushAll();
    }

    private static ProxyServer proxy() throws InterruptedException {
        return ProxyServer.start(ProxyHarness.config(cluster.seedUri()).toBuilder()
                .target(RedisUri.parse(redis.target().uri()), WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0)
                .ioThreads(2)
                .build());
    }

    private static RedisClusterClient clusterClient(ProxyServer proxy, ProtocolVersion protocol) {
        return ProxyHarness.clusterClient(
                RedisURI.create("127.0.0.1", proxy.address().getPort()), protocol);
    }

    private static Set<Integer> proxyPorts(ProxyServer proxy) {
        return proxy.nodeAddresses().values().stream()
                .map(InetSocketAddress::getPort)
                .collect(Collectors.toSet());
    }

    private static Set<Integer> sourcePorts() {
        return cluster.nodes().stream().map(RedisServer::port).collect(Collectors.toSet());
    }

    /** {@code host:port} of {@code node}, as the proxy names a source node. */
    private static String address(RedisServer node) {
        return node.host() + ":" + node.port();
    }

    /** A master of the source other than {@code master}. */
    private static RedisServer anotherMaster(RedisServer master) {
        return cluster.masters().stream()
                .filter(other -> !other.equals(master))
                .findFirst()
                .orElseThrow();
    }

    /** GET on {@code node} itself, not through the cluster: MOVED when it does not serve the key's slot. */
    private static String getOn(RedisServer node, String key) {
        try (StatefulRedisConnection<String, String> connection = lettuce.connect(RedisURI.create(node.uri()))) {
            return connection.sync().get(key);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void aClusterClientFindsTheProxysListenersAndEveryKeyWorks(ProtocolVersion protocol) throws Exception {
        try (ProxyServer proxy = proxy()) {
            Set<Integer> ports = proxyPorts(proxy);
            assertThat(ports)
                    .as("a listener for each source node, masters and replicas")
                    .hasSize(cluster.nodes().size())
                    .doesNotContainAnyElementsOf(sourcePorts());
            RedisClusterClient client = clusterClient(proxy, protocol);
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                RedisAdvancedClusterCommands<String, String> commands = connection.sync();
                assertThat(connection.getPartitions().getPartitions())
                        .extracting(node -> node.getUri().getPort())
                        .containsExactlyInAnyOrderElementsOf(ports);
                assertThat(connection.getPartitions().getPartitions())
                        .extracting(RedisClusterNode::getNodeId)
                        .containsExactlyInAnyOrderElementsOf(
                                cluster.nodes().stream().map(cluster::nodeId).toList());
                for (Object entry : commands.clusterSlots()) {
                    List<?> master = (List<?>) ((List<?>) entry).get(2);
                    assertThat(((Long) master.get(1)).intValue()).isIn(ports);
                }
                String nodes = commands.clusterNodes();
                assertThat(nodes).containsOnlyOnce("myself,");
                for (int port : sourcePorts()) {
                    assertThat(nodes).doesNotContain(":" + port + "@");
                }
                for (int i = 0; i < 200; i++) {
                    assertThat(commands.set("key:" + i, "v" + i)).isEqualTo("OK");
                }
                for (int i = 0; i < 200; i++) {
                    assertThat(commands.get("key:" + i)).isEqualTo("v" + i);
                }
                assertThat(commands.incr("counter")).isEqualTo(1);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> target.dbsize() == 201);
            for (int i = 0; i < 200; i++) {
                assertThat(source.get("key:" + i)).isEqualTo("v" + i);
                assertThat(target.get("key:" + i))
                        .as("dual-written to the target")
                        .isEqualTo("v" + i);
            }
            // What the client sends on connect (HELLO, CLIENT SETINFO, which this source does not know) changes no
            // data: nothing to repair.
            assertThat(proxy.repairsFlagged()).as("writes flagged for repair").isZero();
            String shards = ProxyHarness.redisCli(proxy, "cluster", "shards");
            for (int port : ports) {
                assertThat(shards).contains(Integer.toString(port));
            }
        }
    }

    @Test
    void redisCliInClusterModeAndAStandaloneClientReachEveryKey() throws Exception {
        try (ProxyServer proxy = proxy()) {
            // A key the first listener's node (the master of slot 0) does not serve: redis-cli -c follows the
            // MOVED to another listener.
            String key = "elsewhere";
            int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
            assertThat(cluster.ownerOf(slot)).isNotEqualTo(cluster.ownerOf(0));
            int port = proxy.address().getPort();
            assertThat(cli(port, "-c", "set", key, "cli")).isEqualTo("OK");
            assertThat(cli(port, "-c", "get", key)).isEqualTo("cli");
            assertThat(source.get(key)).isEqualTo("cli");

            // A client that knows nothing of clusters, on the first listener: routed by slot, in RESP2 and in RESP3
            // (Lettuce's default, negotiated with HELLO 3).
            for (ProtocolVersion protocol : ProtocolVersion.values()) {
                RedisClient standalone = RedisClient.create();
                standalone.setOptions(
                        ClientOptions.builder().protocolVersion(protocol).build());
                String prefix = "plain-" + protocol + ":";
                try (StatefulRedisConnection<String, String> connection =
                        standalone.connect(RedisURI.create("127.0.0.1", port))) {
                    for (int i = 0; i < 100; i++) {
                        connection.sync().set(prefix + i, "p" + i);
                        connection.sync().hset(prefix + "h" + i, Map.of("f", "p" + i));
                    }
                    for (int i = 0; i < 100; i++) {
                        assertThat(connection.sync().get(prefix + i)).isEqualTo("p" + i);
                        assertThat(connection.sync().hgetall(prefix + "h" + i)).isEqualTo(Map.of("f", "p" + i));
                    }
                    await().atMost(Duration.ofSeconds(5)).until(() -> "p99".equals(target.get(prefix + "99")));
                    for (int i = 0; i < 100; i++) {
                        assertThat(target.get(prefix + i)).isEqualTo("p" + i);
                    }
                } finally {
                    standalone.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                }
            }
            // RESP3 replies from every node, the proxy's own included: a map, and the RESP3 null in an MGET split
            // across slots.
            try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
                raw.send("HELLO 3\r\n");
                String line;
                do {
                    line = raw.readLine();
                } while (line != null && !line.equals("modules"));
                assertThat(raw.readLine()).isEqualTo("*0");
                raw.send("HSET " + key + ":h f v\r\nHGETALL " + key + ":h\r\nMGET " + key + " missing:a missing:b\r\n");
                assertThat(raw.readLines(10)).containsExactly(":1", "%1", "$1", "f", "$1", "v", "*3", "$3", "cli", "_");
                assertThat(raw.readLine()).isEqualTo("_");
            }

            // Once it holds connection state, a client runs on its listener's node, as when
            // connected to the node itself: another node's key is MOVED to that node's listener.
            try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
                raw.send("SELECT 0\r\nGET " + key + "\r\n");
                assertThat(raw.readLine()).isEqualTo("+OK");
                int ownerListener = proxy.nodeAddresses()
                        .get(address(cluster.ownerOf(slot)))
                        .getPort();
                assertThat(raw.readLine()).isEqualTo("-MOVED " + slot + " 127.0.0.1:" + ownerListener);
            }
        }
    }

    @Test
    void aWaitThatBlocksHoldsUpOnlyItsClient() throws Exception {
        try (ProxyServer proxy = proxy();
                ProxyHarness.RawClient waiting = new ProxyHarness.RawClient(proxy)) {
            List<ProxyHarness.RawClient> others = new java.util.ArrayList<>();
            try {
                // Clients on every thread of the proxy, the waiting client's included.
                for (int i = 0; i < 4; i++) {
                    others.add(new ProxyHarness.RawClient(proxy));
                }
                // More replicas than any master has: the WAIT blocks for its whole timeout.
                waiting.send("SET waited v\r\nWAIT 5 3000\r\n");
                assertThat(waiting.readLine()).isEqualTo("+OK");
                await().atMost(Duration.ofSeconds(2)).until(() -> blockedClients() == 1);
                for (ProxyHarness.RawClient other : others) {
                    for (int i = 0; i < 10; i++) {
                        other.send("SET other:" + i + " v\r\nGET other:" + i + "\r\n");
                        assertThat(other.readLines(3)).containsExactly("+OK", "$1", "v");
                    }
                }
                assertThat(blockedClients())
                        .as("the WAIT still blocked while the others were served")
                        .isEqualTo(1);
                assertThat(waiting.readLine()).as("replicas that acknowledged").isEqualTo(":1");
            } finally {
                for (ProxyHarness.RawClient other : others) {
                    other.close();
                }
            }
        }
    }

    /** Clients blocked on the source's masters. */
    private static int blockedClients() throws java.io.IOException {
        int blocked = 0;
        for (RedisServer master : cluster.masters()) {
            blocked += Integer.parseInt(master.info("blocked_clients"));
        }
        return blocked;
    }

    @Test
    void aSlotMovedOnTheSourceMidTestIsFollowed() throws Exception {
        try (ProxyServer proxy = proxy()) {
            RedisClusterClient client = clusterClient(proxy, ProtocolVersion.RESP3);
            try (StatefulRedisClusterConnection<String, String> connection = client.connect();
                    StatefulRedisConnection<String, String> plain = lettuce.connect(
                            RedisURI.create("127.0.0.1", proxy.address().getPort()))) {
                RedisAdvancedClusterCommands<String, String> commands = connection.sync();
                String key = "{mover}:a";
                int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
                commands.set(key, "before");
                RedisServer from = cluster.ownerOf(slot);
                RedisServer to = anotherMaster(from);
                // Finished at once and not waited on (no moveSlots): the client's view and the proxy's are
                // both behind, the old node says MOVED.
                cluster.beginMove(from, to, slot).finish();
                assertThat(commands.set(key, "after")).isEqualTo("OK");
                assertThat(commands.get(key)).isEqualTo("after");
                assertThat(commands.set("{mover}:b", "b")).isEqualTo("OK");
                assertThat(plain.sync().get("{mover}:b")).isEqualTo("b");
                assertThat(plain.sync().set("{mover}:c", "c")).isEqualTo("OK");
                assertThat(getOn(to, key)).isEqualTo("after");
                assertThat(getOn(to, "{mover}:c")).isEqualTo("c");
                await().atMost(Duration.ofSeconds(5)).until(() -> "c".equals(target.get("{mover}:c")));
                assertThat(target.get(key)).isEqualTo("after");
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void aClusterTargetBehindAClusterSourceGetsEveryWrite() throws Exception {
        RedisCluster targetCluster = RedisCluster.start(redis, "cluster-target", 3, 0);
        try (ProxyServer proxy = ProxyServer.start(ProxyHarness.config(cluster.seedUri()).toBuilder()
                .target(RedisUri.parse(targetCluster.seedUri()), WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0)
                .ioThreads(2)
                .build())) {
            RedisClusterClient client = clusterClient(proxy, ProtocolVersion.RESP3);
            RedisClient standalone = ProxyHarness.client(ProtocolVersion.RESP2);
            try (StatefulRedisClusterConnection<String, String> connection = client.connect();
                    StatefulRedisConnection<String, String> plain = standalone.connect(
                            RedisURI.create("127.0.0.1", proxy.address().getPort()))) {
                for (int i = 0; i < 100; i++) {
                    assertThat(connection.sync().set("both:" + i, "b" + i)).isEqualTo("OK");
                }
                // A standalone-mode client's MSET across slots: split on both sides.
                assertThat(plain.sync().mset(java.util.Map.of("both:x", "x", "both:y", "y", "both:z", "z")))
                        .isEqualTo("OK");
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                standalone.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> targetCluster.dbSize() == 103);
            RedisClusterClient targetClient =
                    ProxyHarness.clusterClient(RedisURI.create(targetCluster.seedUri()), ProtocolVersion.RESP3);
            try (StatefulRedisClusterConnection<String, String> check = targetClient.connect()) {
                for (int i = 0; i < 100; i++) {
                    assertThat(check.sync().get("both:" + i)).isEqualTo("b" + i);
                    assertThat(source.get("both:" + i)).isEqualTo("b" + i);
                }
                assertThat(check.sync().get("both:y")).isEqualTo("y");
                assertThat(source.get("both:z")).isEqualTo("z");
            } finally {
                targetClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /** Runs last: it changes the source's topology for good (a failover, a node added). */
    @Test
    @Order(Integer.MAX_VALUE)
    void aFailoverAndANewNodeOnTheSourceAreFollowed() throws Exception {
        try (ProxyServer proxy = proxy()) {
            RedisClusterClient client = clusterClient(proxy, ProtocolVersion.RESP3);
            // Through Redis itself a manual failover drops none of a client's connections, nor may the proxy. A
            // connection the client did not close itself makes it reconnect: those are counted (the topology
            // refresh's short-lived connections, which it closes, are not).
            List<String> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                client.getResources().eventBus().get().subscribe(event -> {
                    if (event instanceof io.lettuce.core.event.connection.ReconnectAttemptEvent reconnect) {
                        dropped.add(String.valueOf(reconnect.remoteAddress()));
                    }
                });
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicInteger acknowledged = new AtomicInteger();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try {
                        for (int i = 0; writing.get(); i++) {
                            connection.sync().set("fo:" + i, "v" + i);
                            acknowledged.set(i + 1);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                writer.start();
                await().atMost(Duration.ofSeconds(5)).until(() -> written(acknowledged, failure) >= 200);
                // The replica of the first listener's node (the master of slot 0) takes over; its listener now
                // fronts the primary.
                RedisServer promoted = cluster.failover(cluster.ownerOf(0));
                int atFailover = acknowledged.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> written(acknowledged, failure) >= atFailover + 200);
                writing.set(false);
                writer.join(10_000);
                assertThat(failure.get()).as("the cluster client saw no error").isNull();
                assertThat(dropped)
                        .as("client connections to the proxy that dropped (reconnected)")
                        .isEmpty();
                int written = acknowledged.get();
                await().atMost(Duration.ofSeconds(5)).until(() -> target.dbsize() >= written);
                for (int i = 0; i < written; i++) {
                    assertThat(source.get("fo:" + i)).isEqualTo("v" + i);
                    assertThat(target.get("fo:" + i)).isEqualTo("v" + i);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> connection
                        .sync()
                        .clusterNodes()
                        .lines()
                        .anyMatch(line -> line.startsWith(cluster.nodeId(promoted)) && line.contains("master")));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }

            // A node joins the source: the proxy listens for it once it has read the topology again.
            RedisServer joining = cluster.addNode();
            String address = address(joining);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> proxy.nodeAddresses().containsKey(address));
            int port = proxy.nodeAddresses().get(address).getPort();
            assertThat(cli(port, "cluster", "myid")).isEqualTo(cli(joining.port(), "cluster", "myid"));
            assertThat(ProxyHarness.redisCli(proxy, "cluster", "nodes")).contains("127.0.0.1:" + port + "@");
        }
    }

    /** What the writer has had acknowledged; an AssertionError with its failure when it stopped on one. */
    private static int written(AtomicInteger acknowledged, AtomicReference<Throwable> failure) {
        if (failure.get() != null) {
            throw new AssertionError(
                    "the cluster client failed after " + acknowledged.get() + " writes", failure.get());
        }
        return acknowledged.get();
    }

    private static String cli(int port, String... args) throws Exception {
        List<String> command =
                new java.util.ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
