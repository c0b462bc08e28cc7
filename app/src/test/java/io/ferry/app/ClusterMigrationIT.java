package io.ferry.app;

import io.ferry.comparator.verify.VerifyOptions;
import io.ferry.comparator.verify.VerifyReport;
import io.ferry.comparator.verify.VerifyRun;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoverNode;
import io.ferry.mover.Reconciler;
import io.ferry.mover.ScanOptions;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.settings.RedisUri;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.ferry.workload.CheckReport;
import io.ferry.workload.Checker;
import io.ferry.workload.Workload;
import io.ferry.workload.WorkloadOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole migrations with a Redis Cluster on one side or both, the topology changing under them: an application (the
 * {@link Workload}, recording every write and its outcome) writes through a dual-writing proxy (SOURCE_AUTHORITATIVE,
 * writes log on Kafka) the whole time, a cluster-mode application (Lettuce's cluster client, through the proxy's
 * listeners) when the source is a cluster; the historical copy runs with its reconciler following the writes log,
 * and a live reconciler ({@code ferry mover} without workers) runs alongside; a master fails over (CLUSTER FAILOVER)
 * while the copy runs, and slots holding the application's keys move to another master after it. Once the
 * application stops and the reconcilers have read the whole writes log, the independent checker finds every key
 * equal and every acknowledged write on the target, and {@code ferry verify}'s keyspace compare agrees.
 *
 * <p>{@link #migrate} is the migration for any pair of sides; a scenario is the sides and what happens to their
 * topology during the copy and after it: single server to a 3-master cluster (the target fails over, then slots move
 * on it), a 3-master cluster to a single server (the source fails over), a 3-master cluster to a 2-master one (the
 * source fails over, then slots move on it).
 */
class ClusterMigrationIT {
    private static final Logger log = LoggerFactory.getLogger(ClusterMigrationIT.class);
    private static final int LOADED_KEYS = 3000;
    private static final int APPLICATION_KEYS = 1000;
    private static final List<String> TYPES = List.of("str", "ctr", "hash", "list", "set", "zset", "stream");
    private static final String RUN = "cluster-migration";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    /** What happens to the sides' topology: once while the historical copy runs, once after it completed. */
    interface Topology {
        void duringCopy() throws Exception;

        void afterCopy() throws Exception;
    }

    @Test
    void aSingleServerMovesToAThreeMasterClusterThroughAFailoverAndASlotMove(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("cm-source");
        load(source);
        RedisCluster target = RedisCluster.start(redis, "cm-target", 3, 1);
        RedisServer firstMaster = target.masters().get(0);
        AtomicReference<RedisServer> promoted = new AtomicReference<>();
        Set<Integer> moved = new LinkedHashSet<>();
        AtomicReference<RedisServer> movedTo = new AtomicReference<>();

        Result result = migrate(source.uri(), target.seedUri(), dir, new Topology() {
            @Override
            public void duringCopy() {
                promoted.set(target.failover(firstMaster));
            }

            @Override
            public void afterCopy() {
                moved.addAll(moveApplicationSlots(target, movedTo));
            }
        });

        assertThat(target.masters()).as("the masters after the failover").contains(promoted.get());
        assertThat(target.replicasOf(promoted.get()))
                .as("the old master, now a replica")
                .contains(firstMaster);
        long keysInMovedSlots = 0;
        for (int slot : moved) {
            assertThat(target.ownerOf(slot))
                    .as("the owner of moved slot %d", slot)
                    .isEqualTo(movedTo.get());
            keysInMovedSlots += Long.parseLong(
                    movedTo.get().command("CLUSTER COUNTKEYSINSLOT " + slot).substring(1));
        }
        assertThat(keysInMovedSlots)
                .as("keys the new owner of the moved slots holds")
                .isPositive();
        assertThat(result.check().targetShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(result.check().sourceKeys()).isGreaterThanOrEqualTo(LOADED_KEYS);
    }

    @Test
    void aThreeMasterClusterMovesToASingleServerThroughASourceFailover(@TempDir Path dir) throws Exception {
        RedisCluster source = RedisCluster.start(redis, "cm-csource", 3, 1);
        load(source);
        RedisServer target = redis.start("cm-ctarget");
        RedisServer firstMaster = source.masters().get(0);
        AtomicReference<RedisServer> promoted = new AtomicReference<>();

        // The application is a cluster-mode one: through the proxy's listeners (one per source node) it sees the
        // source's topology, failover included, with the proxy's addresses.
        Result result = migrate(source.seedUri(), target.uri(), dir, new Topology() {
            @Override
            public void duringCopy() {
                promoted.set(source.failover(firstMaster));
            }

            @Override
            public void afterCopy() {}
        });

        assertThat(source.masters())
                .as("the source's masters after the failover")
                .contains(promoted.get());
        assertThat(result.check().sourceShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(result.check().sourceKeys()).isGreaterThanOrEqualTo(LOADED_KEYS);
    }

    @Test
    void aThreeMasterClusterMovesToATwoMasterClusterThroughASourceFailoverAndASourceSlotMove(@TempDir Path dir)
            throws Exception {
        RedisCluster source = RedisCluster.start(redis, "cm-3source", 3, 1);
        load(source);
        RedisCluster target = RedisCluster.start(redis, "cm-2target", 2, 0);
        RedisServer firstMaster = source.masters().get(0);
        AtomicReference<RedisServer> promoted = new AtomicReference<>();
        AtomicReference<RedisServer> movedTo = new AtomicReference<>();
        Set<Integer> moved = new LinkedHashSet<>();

        // The application is a cluster-mode one, through the proxy's listeners: it follows the source's failover and
        // the slots moved on it (MOVED, ASK while they move) with the proxy's addresses; the target, with another
        // shard count, is the proxy's to route.
        Result result = migrate(source.seedUri(), target.seedUri(), dir, new Topology() {
            @Override
            public void duringCopy() {
                promoted.set(source.failover(firstMaster));
            }

            @Override
            public void afterCopy() {
                moved.addAll(moveApplicationSlots(source, movedTo));
            }
        });

        assertThat(source.masters())
                .as("the source's masters after the failover")
                .contains(promoted.get());
        for (int slot : moved) {
            assertThat(source.ownerOf(slot))
                    .as("the owner of moved slot %d", slot)
                    .isEqualTo(movedTo.get());
        }
        assertThat(result.check().sourceShape()).isEqualTo("a Redis Cluster of 3 masters");
        assertThat(result.check().targetShape()).isEqualTo("a Redis Cluster of 2 masters");
        assertThat(result.check().sourceKeys()).isGreaterThanOrEqualTo(LOADED_KEYS);
    }

    /**
     * Moves six slots holding the application's keys and loaded keys, all served by one master of {@code cluster},
     * to another master (set in {@code movedTo}) while the application writes; the slots moved.
     */
    private static Set<Integer> moveApplicationSlots(RedisCluster cluster, AtomicReference<RedisServer> movedTo) {
        RedisServer from = cluster.ownerOf(RedisCluster.slot("wl:0:str:0"));
        RedisServer to = cluster.masters().stream()
                .filter(master -> !master.equals(from))
                .findFirst()
                .orElseThrow();
        Set<Integer> moved = new LinkedHashSet<>();
        for (int n = 0; moved.size() < 6 && n < APPLICATION_KEYS / 4; n++) {
            // The application's key names: wl:<connection>:<type>:<n>, the types in turn (docs/workload.md).
            String key = "wl:" + (n % 4) + ":" + TYPES.get(n % TYPES.size()) + ":" + n;
            String loaded = "s:" + (n * 5);
            for (String candidate : List.of(key, loaded)) {
                int slot = RedisCluster.slot(candidate);
                if (cluster.ownerOf(slot).equals(from)) {
                    moved.add(slot);
                }
            }
        }
        cluster.moveSlots(from, to, moved.stream().mapToInt(Integer::intValue).toArray());
        movedTo.set(to);
        return moved;
    }

    /** What a migration did and what the checks found; {@link #migrate} has asserted it clean. */
    record Result(Workload.Summary workload, CheckReport check, VerifyReport verify) {}

    /**
     * Migrates {@code sourceUri} to {@code targetUri} with the application writing through the proxy throughout, the
     * topology changed by {@code topology}; then asserts the application lost nothing and both sides are equal.
     */
    private static Result migrate(String sourceUri, String targetUri, Path dir, Topology topology) throws Exception {
        String prefix = kafka.uniqueName("cm");
        Map<String, Object> kafkaConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        RedisEndpoint sourceEndpoint = RedisEndpoint.of("source", sourceUri);
        RedisEndpoint targetEndpoint = RedisEndpoint.of("target", targetUri);
        Path history = dir.resolve("history");
        long started = System.nanoTime();
        try (ProxyServer proxy = ProxyServer.start(proxyConfig(sourceUri, targetUri, prefix))) {
            // The live reconciler, as `ferry mover --workers 0` runs it: it repairs what is flagged after the copy's
            // own catch-up ended (a stream id the target made differently, a write the target refused).
            MoverNode liveReconciler = new MoverNode(
                    new MoverNode.Options(
                            RUN,
                            sourceEndpoint,
                            targetEndpoint,
                            kafkaConfig,
                            prefix,
                            CopyOptions.DEFAULTS,
                            0,
                            true,
                            Duration.ofSeconds(1),
                            Throttle.Options.DEFAULTS),
                    new SimpleMeterRegistry());
            CompletableFuture<Void> reconciling = background("cm-reconciler", () -> {
                liveReconciler.run(Duration.ofSeconds(5), snapshot -> {});
                return null;
            });
            Workload application = new Workload(new WorkloadOptions(
                    List.of(RedisUri.parse(
                            "redis://127.0.0.1:" + proxy.address().getPort())),
                    4,
                    800,
                    Duration.ofMinutes(5),
                    history,
                    APPLICATION_KEYS,
                    "wl",
                    Duration.ofSeconds(3),
                    0.2));
            CompletableFuture<Workload.Summary> writing = background("cm-workload", application::run);
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> application.progress(0).acknowledged() > 300);
                // The copy held to 600 keys a second, so that the topology changes while it runs.
                CopyRun copy = new CopyRun(
                        new CopyRun.Options(
                                RUN,
                                sourceEndpoint,
                                targetEndpoint,
                                kafkaConfig,
                                prefix,
                                new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 200, 200),
                                CopyOptions.DEFAULTS.withWindowKeys(50),
                                2,
                                true,
                                Duration.ofSeconds(1),
                                new Throttle.Options(Duration.ofSeconds(1), 10_000, 600, 100)),
                        new SimpleMeterRegistry());
                AtomicLong copied = new AtomicLong();
                CompletableFuture<CopyRun.Outcome> copying = background(
                        "cm-copy", () -> copy.run(Duration.ofMillis(100), totals -> copied.set(totals.copied())));
                // Keys are on their way to the target when its topology changes.
                await().atMost(Duration.ofSeconds(60)).until(() -> copied.get() >= 500 || copying.isDone());
                if (copying.isCompletedExceptionally()) {
                    copying.get(); // says why the copy failed
                }
                topology.duringCopy();
                assertThat(copying)
                        .as("the copy, still running after the topology changed (%d keys copied)", copied.get())
                        .isNotDone();
                CopyRun.Outcome outcome = copying.get(60, TimeUnit.SECONDS);
                assertThat(outcome.complete()).as("the copy completed").isTrue();
                long afterCopy = application.progress(0).acknowledged();
                topology.afterCopy();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> application.progress(0).acknowledged() > afterCopy + 1000);
            } finally {
                application.stop();
            }
            Workload.Summary summary = writing.get(30, TimeUnit.SECONDS);
            assertThat(summary.acknowledged()).as(summary.describe()).isGreaterThan(1300);
            assertThat(summary.failed())
                    .as("writes the application saw fail: %s", summary.describe())
                    .isZero();
            assertThat(summary.staleReads()).as(summary.describe()).isZero();

            awaitReconciled(prefix, summary.acknowledged());
            liveReconciler.stop();
            reconciling.get(30, TimeUnit.SECONDS);
            Reconciler.Totals repaired = liveReconciler.reconciled();
            log.info("application: {}live reconciler: {}", summary.describe(), repaired);

            CheckReport check;
            try (Checker checker =
                    new Checker(RedisUri.parse(sourceUri), RedisUri.parse(targetUri), Checker.Options.DEFAULTS)) {
                check = checker.run(history);
            }
            log.info("independent check:\n{}", check.summary());
            assertThat(check.divergent()).as(check.summary()).isZero();
            assertThat(check.lostWrites()).as(check.summary()).isZero();
            assertThat(check.anomalies()).as(check.summary()).isZero();
            assertThat(check.exitStatus()).as(check.summary()).isEqualTo(CheckReport.CLEAN);
            assertThat(check.historyAcknowledged()).isEqualTo(summary.acknowledged());
            assertThat(check.targetKeys()).isEqualTo(check.sourceKeys());

            VerifyReport verified = new VerifyRun(
                            sourceEndpoint,
                            targetEndpoint,
                            List.of(),
                            VerifyOptions.DEFAULTS.withWindowKeys(200).withRounds(2, Duration.ofMillis(200)),
                            null,
                            null,
                            new SimpleMeterRegistry(),
                            null)
                    .run();
            assertThat(verified.confirmed())
                    .as("differences ferry verify confirmed")
                    .isEmpty();
            assertThat(verified.checked()).isGreaterThanOrEqualTo(check.sourceKeys());
            assertThat(verified.exitStatus()).isEqualTo(VerifyReport.EQUAL);
            log.info(
                    "migration with {} acknowledged writes checked in {} s",
                    summary.acknowledged(),
                    (System.nanoTime() - started) / 1_000_000_000);
            return new Result(summary, check, verified);
        }
    }

    /**
     * Waits until the proxy has published the application's writes and the reconcilers' group has committed the
     * writes log to its end: every write is handled.
     */
    private static void awaitReconciled(String prefix, long acknowledged) {
        String topic = TopicRegistry.builder().prefix(prefix).build().name(TypedTopic.WRITES.topic());
        Admin admin = kafka.admin();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    Set<TopicPartition> partitions =
                            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                                    .map(info -> new TopicPartition(topic, info.partition()))
                                    .collect(Collectors.toSet());
                    Map<TopicPartition, Long> ends = admin
                            .listOffsets(partitions.stream()
                                    .collect(Collectors.toMap(Function.identity(), partition -> OffsetSpec.latest())))
                            .all()
                            .get()
                            .entrySet()
                            .stream()
                            .collect(Collectors.toMap(
                                    Map.Entry::getKey, entry -> entry.getValue().offset()));
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                    Reconciler.groupId(RUN))
                            .partitionsToOffsetAndMetadata()
                            .get();
                    long logged =
                            ends.values().stream().mapToLong(Long::longValue).sum();
                    return logged >= acknowledged
                            && ends.entrySet().stream()
                                    .allMatch(end -> end.getValue() == 0
                                            || (committed.get(end.getKey()) != null
                                                    && committed
                                                                    .get(end.getKey())
                                                                    .offset()
                                                            >= end.getValue()));
                });
    }

    @FunctionalInterface
    private interface Work<T> {
        T call() throws Exception;
    }

    private static <T> CompletableFuture<T> background(String name, Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        result.complete(work.call());
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /** {@link #load(RedisServer)} into a cluster, through a cluster client. */
    private static void load(RedisCluster source) {
        RedisClusterClient loader = RedisClusterClient.create(RedisURI.create(source.seedUri()));
        try (StatefulRedisClusterConnection<String, String> connection = loader.connect()) {
            load(connection.async());
        } finally {
            loader.shutdown();
        }
    }

    /** Strings (a tenth expiring in an hour), hashes, lists, sets and sorted sets. */
    private static void load(RedisServer source) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> connection = client.connect(RedisURI.create(source.uri()))) {
            load(connection.async());
        } finally {
            client.shutdown();
        }
    }

    private static void load(RedisClusterAsyncCommands<String, String> redis) {
        List<RedisFuture<?>> replies = new ArrayList<>();
        for (int i = 0; i < LOADED_KEYS; i++) {
            replies.add(
                    switch (i % 5) {
                        case 0 -> i % 10 == 0 ? redis.setex("s:" + i, 3600, "v" + i) : redis.set("s:" + i, "v" + i);
                        case 1 -> redis.hset("h:" + i, Map.of("a", "1", "b", String.valueOf(i)));
                        case 2 -> redis.rpush("l:" + i, "x", "y", String.valueOf(i));
                        case 3 -> redis.sadd("set:" + i, "p", "q", String.valueOf(i));
                        default -> redis.zadd("z:" + i, 1.5, "m" + i);
                    });
        }
        assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(60), replies.toArray(RedisFuture[]::new)))
                .isTrue();
    }

    private static ProxyConfig proxyConfig(String source, String target, String prefix) {
        return ProxyConfig.from(SettingsLoader.load(
                ProxySettings.SPEC,
                Optional.empty(),
                Map.of(
                        ProxySettings.LISTEN,
                        "127.0.0.1:0",
                        ProxySettings.SOURCE,
                        source,
                        ProxySettings.TARGET,
                        target,
                        ProxySettings.WRITE_POLICY,
                        "SOURCE_AUTHORITATIVE",
                        ProxySettings.READ_MODE,
                        "SOURCE",
                        ProxySettings.KAFKA,
                        kafka.bootstrapServers(),
                        ProxySettings.TOPIC_PREFIX,
                        prefix,
                        ProxySettings.IO_THREADS,
                        "1")));
    }
}
