package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.SideResult;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteRecord;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis Cluster on both sides (real redis-servers joined by the testkit's RedisCluster): a cluster
 * source's masters are each scanned on their own, with their own checkpoint, into a single server; and
 * that server is copied into another cluster, each key (a big one in chunks) on the node of its slot.
 * Writes to a cluster source, during and after the copy, are repaired by the reconciler.
 */
class ClusterCopyIT {
    private static final int KEYS = 6_000;
    private static final int WRITTEN_KEYS = 4_000;
    private static final String WRITES_RUN = "cluster-writes";
    private static final int WRITES = 1_000;

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
                                    // The big hash in chunks, each read sent to the master serving it.
                                    CopyOptions.DEFAULTS.withBigKeyBytes(16 * 1024),
                                    2),
                            new SimpleMeterRegistry())
                    .run(Duration.ofSeconds(1), totals -> {});

            assertThat(outcome.complete()).isTrue();
            assertThat(outcome.totals().copied()).isEqualTo(KEYS + 1);
            assertThat(outcome.totals().chunked()).isEqualTo(1);
            assertThat(outcome.totals().failed()).isZero();
            RedisAdvancedClusterCommands<String, String> src = cluster.sync();
            assertThat(dst.sync().dbsize()).isEqualTo(KEYS + 1);
            assertThat(dst.sync().hgetall("{big}:hash")).isEqualTo(src.hgetall("{big}:hash"));
            assertThat(dst.sync().pexpiretime("{big}:hash")).isEqualTo(src.pexpiretime("{big}:hash"));
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

    /**
     * The reconciler with a Redis Cluster source: a writer changes the cluster directly (SET, DEL, new keys) and logs
     * each write to the writes log as a source-only proxy would (the proxy does not front a cluster yet: the record
     * names the key, never the node). Writes made during the historical copy are repaired once it completes ({@code
     * ferry copy --follow-writes}), writes made after it by {@code ferry mover}'s reconciler: each written key is read
     * from the master serving it, and the target ends equal to the source, deleted keys deleted.
     */
    @Test
    void writesToAClusterSourceDuringAndAfterTheCopyReachTheTarget() throws Exception {
        RedisCluster source = RedisCluster.start(redis, "written-source", 3, 0);
        RedisServer target = redis.start("written-target");
        String prefix = kafka.uniqueName("cluster-writes");
        RedisClusterClient clusterClient = RedisClusterClient.create(RedisURI.create(source.seedUri()));
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisClusterConnection<String, String> cluster = clusterClient.connect();
                StatefulRedisConnection<String, String> dst = targetClient.connect()) {
            List<RedisFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < WRITTEN_KEYS; i++) {
                pending.add(cluster.async().set("key:" + i, "v0-" + i));
            }
            for (RedisFuture<?> reply : pending) {
                reply.get(30, TimeUnit.SECONDS);
            }

            // During the copy: a throttled copy (about 2 s), the writer (about 1 s) starting once its topics exist.
            Writer during = new Writer(cluster.sync(), prefix, 1);
            Thread writing = new Thread(during, "writer");
            AtomicBoolean started = new AtomicBoolean();
            CopyRun.Outcome outcome = new CopyRun(
                            new CopyRun.Options(
                                    WRITES_RUN,
                                    RedisEndpoint.of("source", source.seedUri()),
                                    RedisEndpoint.of("target", target.uri()),
                                    kafka.clientConfig(),
                                    prefix,
                                    ScanOptions.DEFAULTS,
                                    CopyOptions.DEFAULTS,
                                    2,
                                    true,
                                    Duration.ofSeconds(1),
                                    new Throttle.Options(Duration.ofSeconds(1), 10_000, 2_000, 100)),
                            new SimpleMeterRegistry())
                    .run(Duration.ofMillis(100), totals -> {
                        if (started.compareAndSet(false, true)) {
                            writing.start();
                        }
                    });
            writing.join(30_000);
            assertThat(during.failure.get()).as("the writer during the copy").isNull();
            assertThat(during.written).as("writes made during the copy").isEqualTo(WRITES);
            assertThat(outcome.complete()).isTrue();
            assertThat(outcome.totals().failed()).isZero();
            assertThat(outcome.reconciled()).isNotNull();
            assertThat(outcome.reconciled().failed()).isZero();
            assertSame(cluster.async(), dst);

            // After the copy: ferry mover's reconciler repairs the writes the target did not get.
            Writer after = new Writer(cluster.sync(), prefix, 2);
            after.run();
            assertThat(after.failure.get()).as("the writer after the copy").isNull();
            MoverNode mover = new MoverNode(
                    new MoverNode.Options(
                            WRITES_RUN,
                            RedisEndpoint.of("source", source.seedUri()),
                            RedisEndpoint.of("target", target.uri()),
                            kafka.clientConfig(),
                            prefix,
                            CopyOptions.DEFAULTS,
                            0,
                            true,
                            Duration.ofSeconds(1),
                            Throttle.Options.DEFAULTS),
                    new SimpleMeterRegistry());
            AtomicReference<Throwable> moverFailure = new AtomicReference<>();
            Thread moving = new Thread(
                    () -> {
                        try {
                            mover.run(Duration.ofSeconds(1), totals -> {});
                        } catch (Throwable e) {
                            moverFailure.set(e);
                        }
                    },
                    "mover");
            moving.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!snapshot(cluster.async()).equals(snapshot(dst)) && System.nanoTime() < deadline) {
                    assertThat(moverFailure.get()).as("the mover").isNull();
                    Thread.sleep(200);
                }
            } finally {
                mover.stop();
                moving.join(30_000);
            }
            assertThat(moverFailure.get()).as("the mover").isNull();
            assertSame(cluster.async(), dst);
            assertThat(mover.reconciled().failed()).isZero();
        } finally {
            clusterClient.shutdown();
            targetClient.shutdown();
        }
    }

    /** Every key of the source (each master's, through the cluster connection) on the target with its value. */
    private static void assertSame(
            RedisAdvancedClusterAsyncCommands<String, String> source, StatefulRedisConnection<String, String> target)
            throws Exception {
        Map<String, String> expected = snapshot(source);
        assertThat(expected).hasSizeGreaterThan(WRITTEN_KEYS / 2);
        assertThat(snapshot(target)).isEqualTo(expected);
    }

    private static Map<String, String> snapshot(RedisAdvancedClusterAsyncCommands<String, String> cluster)
            throws Exception {
        return values(cluster.keys("*").get(30, TimeUnit.SECONDS), cluster::get);
    }

    private static Map<String, String> snapshot(StatefulRedisConnection<String, String> server) throws Exception {
        return values(server.sync().keys("*"), server.async()::get);
    }

    /** Every key's value, read pipelined. */
    private static Map<String, String> values(List<String> keys, Function<String, RedisFuture<String>> get)
            throws Exception {
        List<RedisFuture<String>> replies = new ArrayList<>();
        for (String key : keys) {
            replies.add(get.apply(key));
        }
        Map<String, String> values = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            values.put(keys.get(i), replies.get(i).get(30, TimeUnit.SECONDS));
        }
        return values;
    }

    /**
     * Writes {@value #WRITES} times to the cluster, about one a millisecond: SETs of existing keys, a DEL every tenth, a new key
     * every seventh; each logged to the writes log as a proxy that wrote the source only would log it.
     */
    private static final class Writer implements Runnable {
        private final RedisAdvancedClusterCommands<String, String> cluster;
        private final String prefix;
        private final int round;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile int written;

        Writer(RedisAdvancedClusterCommands<String, String> cluster, String prefix, int round) {
            this.cluster = cluster;
            this.prefix = prefix;
            this.round = round;
        }

        @Override
        public void run() {
            Map<String, Object> config = new HashMap<>(kafka.clientConfig());
            TopicRegistry topics = TopicRegistry.builder()
                    .prefix(prefix)
                    .replicationFactor((short) 1)
                    .build();
            Random random = new Random(round);
            try (KafkaProducer<byte[], WriteRecord> producer = new KafkaProducer<>(
                    config,
                    TypedTopic.WRITES.keySerde().serializer(),
                    TypedTopic.WRITES.valueSerde().serializer())) {
                for (int j = 0; j < WRITES; j++) {
                    String key;
                    String command;
                    if (j % 10 == 0) {
                        key = "key:" + random.nextInt(WRITTEN_KEYS);
                        command = "DEL";
                        cluster.del(key);
                    } else if (j % 7 == 0) {
                        key = "new:" + round + ":" + j;
                        command = "SET";
                        cluster.set(key, "n" + round + "-" + j);
                    } else {
                        key = "key:" + random.nextInt(WRITTEN_KEYS);
                        command = "SET";
                        cluster.set(key, "v" + round + "-" + j);
                    }
                    producer.send(TypedTopic.WRITES.producerRecord(topics, record(key, command, j)));
                    written = j + 1;
                    if (j % 2 == 0) {
                        Thread.sleep(1);
                    }
                }
                producer.flush();
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        /** A source-only write, as a proxy under SOURCE_ONLY logs it: the source answered OK, the target not written. */
        private WriteRecord record(String key, String command, long sequence) {
            return WriteRecord.newBuilder()
                    .setNode("test-writer")
                    .setConnection("c-" + round)
                    .setSequence(sequence)
                    .setTimestampMicros(Instant.now())
                    .setDb(0)
                    .setCommand(command)
                    .setKeys(List.of(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8))))
                    .setSource(SideResult.newBuilder()
                            .setOutcome(Outcome.OK)
                            .setLatencyMicros(100)
                            .build())
                    .setAuthority(io.ferry.schemas.Side.SOURCE)
                    .build();
        }
    }
}
