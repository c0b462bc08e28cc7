package io.ferry.proxy;

import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of real redis-servers for the proxy's tests: masters joined with {@code redis-cli
 * --cluster create}, replicas added with {@code --cluster add-node --cluster-slave}, and the steps a
 * test takes on it (a slot moved to another master, a manual failover). Private to the proxy's tests
 * for now (a shared testkit harness is coming).
 */
final class TestCluster implements AutoCloseable {
    private final List<RedisServer> nodes = new ArrayList<>();
    private final RedisClient admin = RedisClient.create();
    private final Map<Integer, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();

    private TestCluster() {}

    /** {@code masters} masters serving every slot, the first {@code replicas} of them with one replica each. */
    static TestCluster start(RedisServers redis, String name, int masters, int replicas) throws Exception {
        TestCluster cluster = new TestCluster();
        for (int i = 0; i < masters + replicas; i++) {
            // The bus port is given: the default, port + 10000, is out of range for a high free port.
            cluster.nodes.add(redis.start(
                    name + "-" + i,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    "--cluster-port",
                    String.valueOf(FreePorts.next())));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < masters; i++) {
            create.add(cluster.address(i));
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        run(create);
        for (int r = 0; r < replicas; r++) {
            int replica = masters + r;
            run(List.of(
                    "redis-cli",
                    "--cluster",
                    "add-node",
                    cluster.address(replica),
                    cluster.address(r),
                    "--cluster-slave",
                    "--cluster-master-id",
                    cluster.id(r)));
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    for (int i = 0; i < cluster.nodes.size(); i++) {
                        if (!cluster.sync(i).clusterInfo().contains("cluster_state:ok")) {
                            return false;
                        }
                    }
                    for (int r = 0; r < replicas; r++) {
                        if (!cluster.sync(masters + r).info("replication").contains("master_link_status:up")) {
                            return false;
                        }
                    }
                    return true;
                });
        return cluster;
    }

    private static void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s:%n%s", command, output).isZero();
    }

    RedisServer node(int index) {
        return nodes.get(index);
    }

    int size() {
        return nodes.size();
    }

    String address(int index) {
        return "127.0.0.1:" + nodes.get(index).port();
    }

    String uri() {
        return nodes.get(0).uri();
    }

    String id(int index) {
        return sync(index).clusterMyId();
    }

    /** A plain (not cluster-aware) connection to node {@code index}. */
    RedisCommands<String, String> sync(int index) {
        return connections
                .computeIfAbsent(
                        index, i -> admin.connect(RedisURI.create(nodes.get(i).uri())))
                .sync();
    }

    /** A cluster client that follows redirections and refreshes its view when told to. */
    RedisClusterClient client() {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(uri()));
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return client;
    }

    /** The index of the master serving {@code slot}. */
    int ownerOf(int slot) {
        for (int i = 0; i < nodes.size(); i++) {
            RedisCommands<String, String> node = sync(i);
            if (!node.info("replication").contains("role:master")) {
                continue;
            }
            String myId = node.clusterMyId();
            for (Object range : node.clusterSlots()) {
                List<?> entry = (List<?>) range;
                long start = (Long) entry.get(0);
                long end = (Long) entry.get(1);
                List<?> master = (List<?>) entry.get(2);
                if (slot >= start && slot <= end && myId.equals(master.get(2))) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** Marks {@code slot} as moving from master {@code from} to master {@code to} (ASK territory). */
    void beginMove(int slot, int from, int to) {
        sync(to).clusterSetSlotImporting(slot, id(from));
        sync(from).clusterSetSlotMigrating(slot, id(to));
    }

    /** Moves the keys of {@code slot} from {@code from} to {@code to} and gives {@code to} the slot. */
    void finishMove(int slot, int from, int to) {
        List<String> keys;
        while (!(keys = sync(from).clusterGetKeysInSlot(slot, 100)).isEmpty()) {
            sync(from).migrate("127.0.0.1", nodes.get(to).port(), 0, 5000, MigrateArgs.Builder.keys(keys));
        }
        String toId = id(to);
        for (int i = 0; i < nodes.size(); i++) {
            if (sync(i).info("replication").contains("role:master")) {
                sync(i).clusterSetSlotNode(slot, toId);
            }
        }
    }

    /** The indexes of the nodes that are masters now. */
    List<Integer> masters() {
        List<Integer> masters = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (sync(i).info("replication").contains("role:master")) {
                masters.add(i);
            }
        }
        return masters;
    }

    /** Deletes every key on every master. */
    void flushAll() {
        for (int i = 0; i < nodes.size(); i++) {
            if (sync(i).info("replication").contains("role:master")) {
                sync(i).flushall();
            }
        }
    }

    /** Keys held by the masters together. */
    long dbSize() {
        long total = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (sync(i).info("replication").contains("role:master")) {
                total += sync(i).dbsize();
            }
        }
        return total;
    }

    @Override
    public void close() {
        connections.values().forEach(StatefulRedisConnection::close);
        admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
