package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisCluster;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis Cluster on both sides (real redis-servers joined by the testkit's RedisCluster): a cluster
 * source's masters are each scanned on their own, with their own checkpoint, into a single server; and
 * that server is copied into another cluster, each key (a big one in chunks) on the node of its slot.
 */
class ClusterCopyIT {
    private static final int KEYS = 6_000;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    /** Three masters serving every slot, started by the testkit's cluster harness. */
    private static List<RedisServer> startCluster(String name) {
        return RedisCluster.start(redis, name, 3, 0).nodes();
    }

    @Test
    void everyMasterIsScannedAndEveryKeyArrives() throws Exception {
        List<RedisServer> nodes = startCluster("source");
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
            Map<String, String> fields = new java.util.HashMap<>();
            for (int f = 0; f < 2_000; f++) {
                fields.put("field:" + f, "value " + f);
            }
            replies.add(async.hset("{big}:hash", fields));
            replies.add(async.pexpire("{big}:hash", 7_200_000));
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
            assertThat(outcome.totals().copied()).isEqualTo(KEYS + 1);
            assertThat(outcome.totals().failed()).isZero();
            RedisAdvancedClusterCommands<String, String> src = cluster.sync();
            assertThat(dst.sync().dbsize()).isEqualTo(KEYS + 1);
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
            // And back into another cluster: RESTOREs (and the big hash's chunks and RENAME) go to the
            // node serving each key.
            List<RedisServer> second = startCluster("target");
            CopyRun.Outcome intoCluster = new CopyRun(
                            new CopyRun.Options(
                                    "into-cluster",
                                    RedisEndpoint.of("source", target.uri()),
                                    RedisEndpoint.of("target", second.get(1).uri()),
                                    kafka.clientConfig(),
                                    prefix,
                                    ScanOptions.DEFAULTS,
                                    CopyOptions.DEFAULTS.withBigKeyBytes(16 * 1024),
                                    2),
                            new SimpleMeterRegistry())
                    .run(Duration.ofSeconds(1), totals -> {});
            assertThat(intoCluster.complete()).isTrue();
            assertThat(intoCluster.totals().copied()).isEqualTo(KEYS + 1);
            assertThat(intoCluster.totals().chunked()).isEqualTo(1);
            RedisClusterClient secondClient =
                    RedisClusterClient.create(RedisURI.create(second.get(0).uri()));
            try (StatefulRedisClusterConnection<String, String> copy = secondClient.connect()) {
                assertThat(copy.sync().dbsize()).isEqualTo(KEYS + 1);
                assertThat(copy.sync().hgetall("{big}:hash")).isEqualTo(src.hgetall("{big}:hash"));
                assertThat(copy.sync().pexpiretime("{big}:hash")).isEqualTo(src.pexpiretime("{big}:hash"));
                for (int i = 1; i < KEYS; i += 11) {
                    String key = i % 3 == 0 ? "user:" + i : "key:" + i;
                    if (i % 3 != 0) {
                        assertThat(copy.sync().get(key)).as(key).isEqualTo(src.get(key));
                    }
                    assertThat(copy.sync().pexpiretime(key))
                            .as("expiry of %s", key)
                            .isEqualTo(src.pexpiretime(key));
                }
            } finally {
                secondClient.shutdown();
            }
        } finally {
            clusterClient.shutdown();
            targetClient.shutdown();
        }
    }
}
