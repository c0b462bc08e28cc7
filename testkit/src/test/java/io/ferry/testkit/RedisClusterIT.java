package io.ferry.testkit;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The cluster harness against real redis-servers: the nodes really form a cluster, a failover really
 * promotes a replica, a slot move really moves the slot and its keys, while a client writes, a slot left
 * half-moved really answers ASK, and an added node really joins, as every node and a Lettuce cluster client
 * see it.
 */
class RedisClusterIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static RedisCluster cluster;
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(redis, "harness", 3, 1);
        client = RedisClusterClient.create(RedisURI.create(cluster.seedUri()));
        // Topology refreshed on MOVED and ASK, as an application's client would be set up.
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        connection = client.connect();
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** Every node's CLUSTER NODES, as Lettuce parses it. */
    private static Partitions partitions(RedisServer node) throws Exception {
        return ClusterPartitionParser.parse(RedisCli.run(node.port(), "CLUSTER", "NODES"));
    }

    @Test
    void threeMastersWithAReplicaEachServeEverySlot() throws Exception {
        assertThat(cluster.nodes()).hasSize(6);
        assertThat(cluster.masters()).hasSize(3);
        int slots = 0;
        for (RedisServer master : cluster.masters()) {
            assertThat(cluster.replicasOf(master)).hasSize(1);
            slots += cluster.slotsOf(master).size();
        }
        assertThat(slots).isEqualTo(RedisCluster.SLOTS);
        for (RedisServer node : cluster.nodes()) {
            assertThat(RedisCli.run(node.port(), "CLUSTER", "INFO")).contains("cluster_state:ok");
            assertThat(partitions(node).size()).isEqualTo(6);
        }
        // The harness's slot function is the server's.
        for (String key : List.of("a", "user:1", "{user}:1", "{}x", "a{b}c{d}", "\u00e9t\u00e9")) {
            assertThat(RedisCluster.slot(key))
                    .as("slot of %s", key)
                    .isEqualTo(
                            Integer.parseInt(RedisCli.run(cluster.nodes().get(0).port(), "CLUSTER", "KEYSLOT", key)
                                    .trim()));
        }
        assertThatThrownBy(() -> RedisCluster.start(redis, "none", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("masters: 0");
    }

    @Test
    void aFailoverPromotesTheReplicaOnEveryNodeAndKeysStayReadable() throws Exception {
        RedisAdvancedClusterCommands<String, String> sync = connection.sync();
        for (int i = 0; i < 300; i++) {
            sync.set("failover:" + i, "v" + i);
        }
        RedisServer master = cluster.masters().get(1);
        RedisServer replica = cluster.replicasOf(master).get(0);
        var slots = cluster.slotsOf(master);

        RedisServer promoted = cluster.failover(master);

        assertThat(promoted).isEqualTo(replica);
        assertThat(cluster.masters()).contains(replica).doesNotContain(master);
        assertThat(cluster.slotsOf(replica)).isEqualTo(slots);
        assertThat(cluster.replicasOf(replica)).containsExactly(master);
        String replicaId = cluster.nodeId(replica);
        for (RedisServer node : cluster.nodes()) {
            RedisClusterNode seen = partitions(node).getPartitionByNodeId(replicaId);
            assertThat(seen.is(RedisClusterNode.NodeFlag.UPSTREAM))
                    .as("%s sees the replica as master", node)
                    .isTrue();
            assertThat(seen.getSlots()).hasSize(slots.size());
        }
        assertThat(RedisCli.run(master.port(), "ROLE")).startsWith("slave");
        for (int i = 0; i < 300; i++) {
            assertThat(sync.get("failover:" + i)).isEqualTo("v" + i);
        }
    }

    @Test
    void aSlotMovesWithItsKeysWhileAClientWrites() throws Exception {
        RedisAdvancedClusterCommands<String, String> sync = connection.sync();
        int slot = RedisCluster.slot("{moving}");
        for (int i = 0; i < 1_000; i++) {
            sync.set("{moving}:" + i, "v" + i);
        }
        RedisServer from = cluster.ownerOf(slot);
        RedisServer to = cluster.masters().stream()
                .filter(master -> !master.equals(from))
                .findFirst()
                .orElseThrow();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<List<Integer>> written = writer.submit(() -> {
            List<Integer> acknowledged = new ArrayList<>();
            for (int i = 0; writing.get() || i < 200; i++) {
                sync.set("{moving}:new:" + i, "n" + i);
                sync.append("{moving}:" + (i % 1_000), "+");
                acknowledged.add(i);
            }
            return acknowledged;
        });
        try {
            cluster.moveSlots(from, to, slot);
        } finally {
            writing.set(false);
            writer.shutdown();
        }
        List<Integer> acknowledged = written.get();

        assertThat(cluster.ownerOf(slot)).isEqualTo(to);
        assertThat(cluster.slotsOf(from)).doesNotContain(slot);
        for (RedisServer node : cluster.nodes()) {
            assertThat(partitions(node).getPartitionBySlot(slot).getNodeId())
                    .as("%s sees the slot on its new owner", node)
                    .isEqualTo(cluster.nodeId(to));
        }
        assertThat(RedisCli.run(from.port(), "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot))
                        .trim())
                .isEqualTo("0");
        assertThat(Long.parseLong(RedisCli.run(to.port(), "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot))
                        .trim()))
                .isEqualTo(1_000L + acknowledged.size());
        int appended = 0;
        for (int i = 0; i < 1_000; i++) {
            String value = sync.get("{moving}:" + i);
            assertThat(value).startsWith("v" + i);
            appended += value.length() - ("v" + i).length();
        }
        assertThat(appended).as("every acknowledged APPEND kept").isEqualTo(acknowledged.size());
        for (int i : acknowledged) {
            assertThat(sync.get("{moving}:new:" + i)).isEqualTo("n" + i);
        }
        assertThatThrownBy(() -> cluster.moveSlots(from, to, slot))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not serve slot " + slot);
    }

    @Test
    void aHalfMovedSlotAsksForItsMigratedKeysUntilTheMoveIsFinished() throws Exception {
        RedisAdvancedClusterCommands<String, String> sync = connection.sync();
        int slot = RedisCluster.slot("{half}");
        sync.set("{half}:migrated", "m");
        sync.set("{half}:staying", "s");
        RedisServer from = cluster.ownerOf(slot);
        RedisServer to = cluster.masters().stream()
                .filter(master -> !master.equals(from))
                .findFirst()
                .orElseThrow();

        RedisCluster.SlotMove move = cluster.beginMove(from, to, slot);
        move.migrate("{half}:migrated");

        assertThat(from.command("GET {half}:migrated"))
                .as("the old owner, asked for a key it gave away")
                .isEqualTo("-ASK " + slot + " 127.0.0.1:" + to.port());
        assertThat(RedisCli.run(from.port(), "GET", "{half}:staying").trim()).isEqualTo("s");
        assertThat(to.command("GET {half}:migrated"))
                .as("the new owner, asked without ASKING")
                .isEqualTo("-MOVED " + slot + " 127.0.0.1:" + from.port());
        assertThat(RedisCli.pipe(to.port(), "ASKING\nGET {half}:migrated\n").lines())
                .containsExactly("OK", "m");
        assertThat(cluster.ownerOf(slot))
                .as("the slot's owner until the move is finished")
                .isEqualTo(from);
        // A cluster client follows the ASK: a new key goes to the new owner.
        assertThat(sync.set("{half}:new", "n")).isEqualTo("OK");
        assertThat(sync.get("{half}:new")).isEqualTo("n");
        assertThat(sync.get("{half}:migrated")).isEqualTo("m");
        assertThat(countKeysInSlot(to, slot)).isEqualTo(2);
        assertThatThrownBy(() -> move.migrate("{elsewhere}:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(expected: " + slot + ")");

        move.finish();

        assertThat(countKeysInSlot(from, slot)).isZero();
        assertThat(countKeysInSlot(to, slot)).isEqualTo(3);
        assertThat(from.command("GET {half}:staying")).isEqualTo("-MOVED " + slot + " 127.0.0.1:" + to.port());
        assertThat(RedisCli.run(to.port(), "GET", "{half}:staying").trim()).isEqualTo("s");
        for (RedisServer master : cluster.masters()) {
            assertThat(partitions(master).getPartitionBySlot(slot).getNodeId())
                    .as("%s, told by finish(), names the new owner", master)
                    .isEqualTo(cluster.nodeId(to));
        }
        cluster.awaitSettled();
        assertThat(cluster.ownerOf(slot)).isEqualTo(to);
        for (RedisServer node : cluster.nodes()) {
            assertThat(partitions(node).getPartitionBySlot(slot).getNodeId())
                    .as("%s sees the slot on its new owner", node)
                    .isEqualTo(cluster.nodeId(to));
        }
        assertThat(sync.get("{half}:staying")).isEqualTo("s");
        assertThatThrownBy(move::finish).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cluster.beginMove(from, to, slot))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not serve slot " + slot);
        assertThatThrownBy(() -> cluster.beginMove(to, to, slot))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not another master");
    }

    @Test
    void flushAllEmptiesEveryMasterAndDbSizeCountsThemAll() throws Exception {
        RedisAdvancedClusterCommands<String, String> sync = connection.sync();
        cluster.flushAll();
        for (int i = 0; i < 100; i++) {
            sync.set("count:" + i, "c" + i);
        }
        assertThat(cluster.dbSize()).isEqualTo(100);
        long held = 0;
        for (RedisServer master : cluster.masters()) {
            long keys = Long.parseLong(RedisCli.run(master.port(), "DBSIZE").trim());
            assertThat(keys).as("%s holds some of the keys", master).isPositive();
            held += keys;
        }
        assertThat(held).isEqualTo(100);

        cluster.flushAll();

        assertThat(cluster.dbSize()).isZero();
        for (RedisServer node : cluster.nodes()) {
            await().atMost(Duration.ofSeconds(10))
                    .alias(node + ", a master or a replica, is empty")
                    .until(() -> "0".equals(RedisCli.run(node.port(), "DBSIZE").trim()));
        }
    }

    @Test
    void anAddedNodeJoinsAsAMasterServingNoSlotUntilGivenSome() throws Exception {
        RedisCluster growing = RedisCluster.start(redis, "growing", 1, 0);
        RedisServer first = growing.nodes().get(0);

        RedisServer added = growing.addNode();

        assertThat(added.name()).isEqualTo("growing-1");
        assertThat(growing.nodes()).containsExactly(first, added);
        assertThat(growing.addresses()).contains("127.0.0.1:" + added.port());
        String addedId = growing.nodeId(added);
        for (RedisServer node : growing.nodes()) {
            RedisClusterNode seen = partitions(node).getPartitionByNodeId(addedId);
            assertThat(seen).as("%s knows the added node", node).isNotNull();
            assertThat(seen.is(RedisClusterNode.NodeFlag.UPSTREAM)).isTrue();
            assertThat(seen.getSlots()).isEmpty();
        }
        assertThat(growing.masters()).containsExactly(first);
        assertThat(growing.slotsOf(added)).isEmpty();

        int slot = RedisCluster.slot("{grown}");
        growing.moveSlots(first, added, slot);

        assertThat(growing.ownerOf(slot)).isEqualTo(added);
        assertThat(growing.masters()).containsExactlyInAnyOrder(first, added);
        assertThat(RedisCli.run(added.port(), "SET", "{grown}:1", "g").trim()).isEqualTo("OK");
        assertThat(growing.dbSize()).isEqualTo(1);
    }

    private static long countKeysInSlot(RedisServer node, int slot) throws Exception {
        return Long.parseLong(RedisCli.run(node.port(), "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot))
                .trim());
    }
}
