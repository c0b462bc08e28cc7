package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster source of three masters (real redis-servers joined with redis-cli --cluster create):
 * each master is scanned on its own, with its own checkpoint, and every key arrives on a standalone
 * target with its value and expiry.
 */
class ClusterCopyIT {
    private static final int KEYS = 6_000;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    /** CLUSTER INFO says ok on every node (plain INFO does not carry the cluster's state). */
    private static boolean clusterUp(List<RedisServer> nodes) {
        for (RedisServer node : nodes) {
            RedisClient client = RedisClient.create(node.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                if (!connection.sync().clusterInfo().contains("cluster_state:ok")) {
                    return false;
                }
            } finally {
                client.shutdown();
            }
        }
        return true;
    }

    @Test
    void everyMasterIsScannedAndEveryKeyArrives() throws Exception {
        List<RedisServer> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // The bus port is given: the default, port + 10000, is out of range for a high free port.
            nodes.add(redis.start(
                    "cluster-" + i,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes-" + i + ".conf",
                    "--cluster-port",
                    String.valueOf(io.ferry.testkit.FreePorts.next())));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process created = new ProcessBuilder(create).redirectErrorStream(true).start();
        String output = new String(created.getInputStream().readAllBytes());
        assertThat(created.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(created.exitValue())
                .as("redis-cli --cluster create:%n%s", output)
                .isZero();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> clusterUp(nodes));

        RedisClusterClient clusterClient =
                RedisClusterClient.create(RedisURI.create(nodes.get(0).uri()));
        RedisServer target = redis.target();
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisClusterConnection<String, String> cluster = clusterClient.connect();
                StatefulRedisConnection<String, String> dst = targetClient.connect()) {
            RedisAdvancedClusterAsyncCommands<String, String> async = cluster.async();
            List<RedisFuture<?>> replies = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                replies.add(
                        i % 3 == 0 ? async.hset("user:" + i, Map.of("n", "v" + i)) : async.set("key:" + i, "v" + i));
                if (i % 10 == 0) {
                    replies.add(async.pexpire(i % 3 == 0 ? "user:" + i : "key:" + i, 3_600_000 + i));
                }
            }
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(60), replies.toArray(RedisFuture[]::new)))
                    .isTrue();
            for (RedisServer node : nodes) {
                assertThat(Long.parseLong(node.command("DBSIZE").substring(1)))
                        .as("keys on %s", node)
                        .isPositive();
            }

            String prefix = kafka.uniqueName("cluster");
            CopyRun.Outcome outcome = new CopyRun(
                            new CopyRun.Options(
                                    "cluster",
                                    RedisEndpoint.of("source", nodes.get(0).uri()),
                                    RedisEndpoint.of("target", target.uri()),
                                    kafka.clientConfig(),
                                    prefix,
                                    ScanOptions.DEFAULTS,
                                    CopyOptions.DEFAULTS,
                                    2),
                            new SimpleMeterRegistry())
                    .run(Duration.ofSeconds(1), totals -> {});

            assertThat(outcome.complete()).isTrue();
            assertThat(outcome.totals().copied()).isEqualTo(KEYS);
            assertThat(outcome.totals().failed()).isZero();
            RedisAdvancedClusterCommands<String, String> src = cluster.sync();
            assertThat(dst.sync().dbsize()).isEqualTo(KEYS);
            for (int i = 0; i < KEYS; i += 7) {
                String key = i % 3 == 0 ? "user:" + i : "key:" + i;
                if (i % 3 == 0) {
                    assertThat(dst.sync().hgetall(key)).as(key).isEqualTo(src.hgetall(key));
                } else {
                    assertThat(dst.sync().get(key)).as(key).isEqualTo(src.get(key));
                }
                assertThat(dst.sync().pexpiretime(key)).as("expiry of %s", key).isEqualTo(src.pexpiretime(key));
            }
            try (Checkpoints checkpoints = new Checkpoints(
                    kafka.clientConfig(),
                    TopicRegistry.builder()
                            .prefix(prefix)
                            .replicationFactor((short) 1)
                            .build())) {
                for (RedisServer node : nodes) {
                    Optional<Checkpoint> scan =
                            checkpoints.load(Scanner.checkpointId("cluster", "127.0.0.1:" + node.port(), 0));
                    assertThat(scan).as("the scan checkpoint of %s", node).isPresent();
                    assertThat(scan.get().getComplete()).isTrue();
                }
            }
            // Into a cluster: refused up front, naming the target, before anything is written.
            CopyRun intoCluster = new CopyRun(
                    new CopyRun.Options(
                            "into-cluster",
                            RedisEndpoint.of("source", target.uri()),
                            RedisEndpoint.of("target", nodes.get(1).uri()),
                            kafka.clientConfig(),
                            prefix,
                            ScanOptions.DEFAULTS,
                            CopyOptions.DEFAULTS,
                            1),
                    new SimpleMeterRegistry());
            assertThatThrownBy(() -> intoCluster.run(Duration.ofSeconds(1), totals -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(
                            "target redis://127.0.0.1:" + nodes.get(1).port())
                    .hasMessageContaining("is a Redis Cluster node");
        } finally {
            clusterClient.shutdown();
            targetClient.shutdown();
        }
    }
}
