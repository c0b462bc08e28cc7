package io.ferry.workload;

import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The checker with a Redis Cluster on either side: a workload's keys (and a few of every type more) on a single
 * server, copied by the test itself (DUMP, PEXPIRETIME, RESTORE ABSTTL through a cluster client) into a three-master
 * and a two-master cluster. Every pair, each way, is clean (every key of every master compared, the history judged
 * on the cluster); a key changed on one master, one deleted on another and one added are reported, as the lost
 * writes they are.
 */
class ClusterCheckIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    static Path dir;

    private static RedisServer single;
    private static RedisCluster three;
    private static RedisCluster two;
    private static Path history;
    private static volatile Workload.Summary summary;
    private static long keys;

    @BeforeAll
    static void sameKeysOnEverySide() throws Exception {
        single = redis.start("check-single");
        three = RedisCluster.start(redis, "check-three", 3, 0);
        two = RedisCluster.start(redis, "check-two", 2, 0);
        single.command("SET other:big " + "x".repeat(3000));
        single.command("SET other:ttl v EX 3600");
        single.command("RPUSH {other}:list a b c");
        single.command("SADD {other}:set a b c");
        history = dir.resolve("history");
        Workload workload = new Workload(new WorkloadOptions(
                List.of(RedisUri.parse(single.uri())),
                2,
                1000,
                Duration.ofMinutes(2),
                history,
                300,
                "wl",
                Duration.ofSeconds(2),
                0.2));
        // Stopped after a number of writes, not a time: on a busy machine the pace is not kept.
        Thread running = new Thread(
                () -> {
                    try {
                        summary = workload.run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                "check-workload");
        running.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> workload.progress(0).acknowledged() >= 1000);
        workload.stop();
        running.join(30_000);
        assertThat(summary).as("the workload's summary").isNotNull();
        assertThat(summary.acknowledged()).as(summary.describe()).isGreaterThanOrEqualTo(1000);
        keys = Long.parseLong(single.command("DBSIZE").substring(1));
        copy(single, three);
        copy(single, two);
    }

    private static CheckReport check(String source, String target, Path withHistory) throws Exception {
        try (Checker checker = new Checker(
                RedisUri.parse(source),
                RedisUri.parse(target),
                Checker.Options.DEFAULTS.withRounds(2, Duration.ofMillis(100)))) {
            return checker.run(withHistory);
        }
    }

    @Test
    void aSingleServerAndAClusterAgreeEachWayWithEveryMasterScanned() throws Exception {
        CheckReport toCluster = check(single.uri(), three.seedUri(), history);

        assertThat(toCluster.clean()).as(toCluster.summary()).isTrue();
        assertThat(toCluster.sourceShape()).isEqualTo("a single server (database 0)");
        assertThat(toCluster.targetShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(toCluster.summary())
                .startsWith("source: a single server (database 0); target: a Redis Cluster of 3 masters");
        assertThat(toCluster.sourceKeys()).isEqualTo(keys);
        assertThat(toCluster.targetKeys())
                .as("keys found on the three masters together")
                .isEqualTo(keys);
        assertThat(toCluster.keysCompared()).isEqualTo(keys);
        assertThat(toCluster.historyAcknowledged()).isEqualTo(summary.acknowledged());
        assertThat(toCluster.historyUndetermined()).isZero();
        assertThat(toCluster.lostWrites()).isZero();

        CheckReport fromCluster = check(three.seedUri(), single.uri(), history);

        assertThat(fromCluster.clean()).as(fromCluster.summary()).isTrue();
        assertThat(fromCluster.sourceShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(fromCluster.sourceKeys()).isEqualTo(keys);
        assertThat(fromCluster.targetKeys()).isEqualTo(keys);
    }

    @Test
    void twoClustersOfDifferentShapesAgree() throws Exception {
        // Any node will do as the URI: a replica-less master that is not the first.
        String secondMaster = two.masters().get(1).uri();

        CheckReport report = check(three.seedUri(), secondMaster, history);

        assertThat(report.clean()).as(report.summary()).isTrue();
        assertThat(report.sourceShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(report.targetShape()).isEqualTo("a Redis Cluster of 2 masters");
        assertThat(report.sourceKeys()).isEqualTo(keys);
        assertThat(report.targetKeys()).isEqualTo(keys);
        assertThat(report.historyKeys()).isGreaterThan(100);
        assertThat(report.lostWrites()).isZero();
    }

    @Test
    void differencesOnDifferentMastersAreFoundAsLostWrites() throws Exception {
        RedisCluster changedCluster = RedisCluster.start(redis, "check-changed", 3, 0);
        copy(single, changedCluster);
        String changed = singleKeys("wl:*:hash:*").get(0);
        String deleted = null;
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(changedCluster.seedUri()));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> cluster = connection.sync();
            // A workload hash and a workload counter served by different masters.
            for (String key : singleKeys("wl:*:ctr:*")) {
                if (!changedCluster
                        .ownerOf(RedisCluster.slot(key))
                        .equals(changedCluster.ownerOf(RedisCluster.slot(changed)))) {
                    deleted = key;
                    break;
                }
            }
            assertThat(deleted)
                    .as("a counter on another master than " + changed)
                    .isNotNull();
            assertThat(cluster.hset(changed, "planted", "yes")).isTrue();
            assertThat(cluster.del(deleted)).isEqualTo(1);
            assertThat(cluster.set("stray", "only on the cluster")).isEqualTo("OK");
        } finally {
            client.shutdown();
        }

        CheckReport report = check(single.uri(), changedCluster.seedUri(), history);

        assertThat(report.exitStatus()).as(report.summary()).isEqualTo(CheckReport.DIFFERENT);
        assertThat(report.divergent()).isEqualTo(3);
        assertThat(report.divergentSamples())
                .extracting(CheckReport.Sample::key)
                .containsExactlyInAnyOrder(changed, deleted, "stray");
        assertThat(report.divergentSamples())
                .filteredOn(sample -> sample.key().equals("stray"))
                .singleElement()
                .extracting(CheckReport.Sample::what)
                .asString()
                .startsWith("extra on the target");
        assertThat(report.historyWrongKeys()).isEqualTo(2);
        assertThat(report.lostSamples())
                .extracting(CheckReport.Sample::key)
                .containsExactlyInAnyOrder(changed, deleted);
        Path json = dir.resolve("report.json");
        report.write(json);
        assertThat(Files.readString(json))
                .contains("\"target\": \"a Redis Cluster of 3 masters\"")
                .contains("\"result\": \"DIFFERENT\"");
    }

    @Test
    void aClusterUriNamingAnotherDatabaseIsRefused() {
        assertThatThrownBy(() -> check(single.uri(), three.seedUri() + "/2", null))
                .isInstanceOf(CheckException.class)
                .hasMessageContaining("is a Redis Cluster node: a cluster has database 0 only");
    }

    private static List<String> singleKeys(String pattern) {
        RedisClient client = RedisClient.create(single.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            List<String> found = new java.util.ArrayList<>();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page =
                        sync.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
                found.addAll(page.getKeys());
                cursor = page;
            } while (!cursor.isFinished());
            found.sort(null);
            return found;
        } finally {
            client.shutdown();
        }
    }

    /** Every key of {@code from}, with its absolute expiry, into {@code to}, each to the master of its slot. */
    private static void copy(RedisServer from, RedisCluster to) {
        RedisClient client = RedisClient.create(from.uri());
        RedisClusterClient clusterClient = RedisClusterClient.create(RedisURI.create(to.seedUri()));
        try (StatefulRedisConnection<byte[], byte[]> source = client.connect(ByteArrayCodec.INSTANCE);
                StatefulRedisClusterConnection<byte[], byte[]> target =
                        clusterClient.connect(ByteArrayCodec.INSTANCE)) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<byte[]> page = source.sync().scan(cursor, ScanArgs.Builder.limit(500));
                for (byte[] key : page.getKeys()) {
                    byte[] payload = source.sync().dump(key);
                    long expireAt = source.sync().pexpiretime(key);
                    RestoreArgs args = RestoreArgs.Builder.ttl(expireAt > 0 ? expireAt : 0)
                            .absttl(expireAt > 0)
                            .replace();
                    target.sync().restore(key, payload, args);
                }
                cursor = page;
            } while (!cursor.isFinished());
            for (RedisServer master : to.masters()) {
                assertThat(target.getConnection(master.host(), master.port())
                                .sync()
                                .dbsize())
                        .as("keys on %s", master)
                        .isPositive();
            }
        } finally {
            client.shutdown();
            clusterClient.shutdown();
        }
    }
}
