package io.ferry.proxy;

import io.ferry.proxy.cluster.KeySlot;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WritePolicy;
import io.ferry.schemas.WriteRecord;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A standalone source and a Redis Cluster target (three masters with a replica each): the
 * dual-writes reach the master serving each key's slot; multi-key commands across slots are split
 * or left to the source and repaired; a slot moved on the target and a failover there lose no write.
 * Clients are Lettuce in standalone mode, as an application in front of a standalone source is.
 */
class ProxyClusterTargetIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    static RedisCluster cluster;
    static RedisClusterClient clusterClient;
    static StatefulRedisClusterConnection<String, String> clusterConnection;
    static RedisAdvancedClusterCommands<String, String> target;
    static RedisClient lettuce;
    static StatefulRedisConnection<String, String> sourceConnection;
    static RedisCommands<String, String> source;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start(redis, "target", 3, 1);
        clusterClient = ProxyHarness.clusterClient(RedisURI.create(cluster.seedUri()), ProtocolVersion.RESP3);
        clusterConnection = clusterClient.connect();
        target = clusterConnection.sync();
        lettuce = ProxyHarness.client(ProtocolVersion.RESP2);
        sourceConnection = lettuce.connect(RedisURI.create(redis.source().uri()));
        source = sourceConnection.sync();
    }

    @AfterAll
    static void stop() {
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (sourceConnection != null) {
            sourceConnection.close();
            lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @BeforeEach
    void flush() {
        // A test that moved a slot did not wait for the replicas to hear of it.
        cluster.awaitSettled();
        redis.source().flushAll();
        cluster.flushAll();
    }

    private static ProxyServer proxy(ReadMode reads, ProxyKafka kafkaOptions) throws InterruptedException {
        ProxyConfig.Builder config = ProxyHarness.config(redis.source()).toBuilder()
                .target(RedisUri.parse(cluster.seedUri()), WritePolicy.SOURCE_AUTHORITATIVE, reads, 0)
                .ioThreads(2);
        if (kafkaOptions != null) {
            config.kafka(kafkaOptions);
        }
        return ProxyServer.start(config.build());
    }

    /** GET on {@code node} itself, not through the cluster: MOVED when it does not serve the key's slot. */
    private static String getOn(RedisServer node, String key) {
        return onNode(node, redis -> redis.get(key));
    }

    /** {@code command} on {@code node} itself, not through the cluster: a key of a slot it does not serve is MOVED. */
    private static <T> T onNode(RedisServer node, Function<RedisCommands<String, String>, T> command) {
        try (StatefulRedisConnection<String, String> connection = lettuce.connect(RedisURI.create(node.uri()))) {
            return command.apply(connection.sync());
        }
    }

    @Test
    void writesLandOnTheMasterServingEachKeysSlot() throws Exception {
        try (ProxyServer proxy = proxy(ReadMode.SOURCE, null);
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            for (int i = 0; i < 300; i++) {
                assertThat(client.sync().set("key:" + i, "v" + i)).isEqualTo("OK");
            }
            assertThat(client.sync().incrby("counter", 5)).isEqualTo(5);
            // A master only stores a key of a slot it serves (else MOVED): the keys on the masters
            // together being exactly those written, each readable by a cluster client, says each
            // write went to its slot's master.
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.dbSize() == 301);
            for (int i = 0; i < 300; i++) {
                assertThat(target.get("key:" + i)).isEqualTo("v" + i);
            }
            assertThat(target.get("counter")).isEqualTo("5");
            for (RedisServer master : cluster.masters()) {
                long keys = onNode(master, RedisCommands::dbsize);
                assertThat(keys).as("%s holds some of the keys", master).isPositive();
            }
            assertThat(proxy.repairsFlagged()).isZero();

            // Keyless writes reach every master: a script loaded through the proxy runs on any of them.
            String sha = client.sync().scriptLoad("return redis.call('set', KEYS[1], ARGV[1])");
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                for (RedisServer master : cluster.masters()) {
                    if (!onNode(master, node -> node.scriptExists(sha).get(0))) {
                        return false;
                    }
                }
                return true;
            });
            assertThat(client.sync().flushall()).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.dbSize() == 0);
        }
    }

    @Test
    void multiKeyWritesAcrossSlotsAreSplitAndAreOneRecordEach() throws Exception {
        String prefix = kafka.uniqueName("cluster-writes");
        try (ProxyServer proxy = proxy(ReadMode.SOURCE, ProxyKafka.of(kafka.bootstrapServers(), prefix));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                values.put("multi:" + i, "m" + i);
            }
            assertThat(keysSpanSlots(values.keySet())).isTrue();
            assertThat(client.sync().mset(values)).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.dbSize() == 10);
            values.forEach((key, value) -> assertThat(target.get(key)).isEqualTo(value));

            // The source's answer: 10 deleted, the key that does not exist not counted.
            List<String> deleted = new ArrayList<>(values.keySet());
            deleted.add("multi:absent");
            assertThat(client.sync().del(deleted.toArray(String[]::new))).isEqualTo(10);
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.dbSize() == 0);

            // Not splittable: the source runs it alone, the target's key is flagged for repair,
            // and the client sees no CROSSSLOT.
            client.sync().sadd("set:a", "1", "2");
            client.sync().sadd("set:b", "2", "3");
            assertThat(KeySlot.of("set:a".getBytes()))
                    .isNotEqualTo(KeySlot.of("set:b".getBytes()))
                    .isNotEqualTo(KeySlot.of("set:union".getBytes()));
            assertThat(client.sync().sunionstore("set:union", "set:a", "set:b")).isEqualTo(3);
            assertThat(source.smembers("set:union")).containsExactlyInAnyOrder("1", "2", "3");
            assertThat(target.exists("set:union")).isZero();

            await().atMost(Duration.ofSeconds(20)).until(() -> writes(prefix).size() >= 5);
            List<WriteRecord> writes = writes(prefix);
            assertThat(writes)
                    .extracting(WriteRecord::getCommand)
                    .as("one record per client write")
                    .containsExactlyInAnyOrder("MSET", "DEL", "SADD", "SADD", "SUNIONSTORE");
            assertThat(clusterMeter(proxy, "ferry.proxy.cluster.splits"))
                    .as("MSET and DEL split")
                    .isEqualTo(2);
            WriteRecord mset = byCommand(writes, "MSET");
            assertThat(mset.getTarget().getOutcome()).isEqualTo(Outcome.OK);
            assertThat(mset.getFlags()).doesNotContain(WriteFlag.REPAIR);
            assertThat(byCommand(writes, "DEL").getFlags())
                    .as("the target's counts added up to the source's")
                    .doesNotContain(WriteFlag.REPAIR, WriteFlag.MISMATCH);
            WriteRecord union = byCommand(writes, "SUNIONSTORE");
            assertThat(union.getTarget().getOutcome()).isEqualTo(Outcome.NOT_SENT);
            assertThat(union.getFlags()).contains(WriteFlag.REPAIR);
        }
    }

    @Test
    void readsFromTheTargetClusterAcrossSlotsAreSplitOrServedByTheSource() throws Exception {
        try (ProxyServer proxy = proxy(ReadMode.TARGET, null);
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < 8; i++) {
                values.put("read:" + i, "r" + i);
            }
            client.sync().mset(values);
            // Only the target has this one: a read that reaches the target sees it.
            target.set("read:only-target", "t");
            List<KeyValue<String, String>> read =
                    client.sync().mget("read:0", "read:absent", "read:only-target", "read:7", "read:3");
            assertThat(read)
                    .extracting(kv -> kv.hasValue() ? kv.getValue() : null)
                    .containsExactly("r0", null, "t", "r7", "r3");
            assertThat(client.sync().exists("read:1", "read:2", "read:absent", "read:only-target"))
                    .isEqualTo(3);
            // SUNION across slots cannot be split: served by the source, no CROSSSLOT.
            client.sync().sadd("u:a", "x");
            client.sync().sadd("u:b", "y");
            assertThat(client.sync().sunion("u:a", "u:b")).containsExactlyInAnyOrder("x", "y");
        }
    }

    @Test
    void aSlotMovedOnTheTargetIsFollowedThroughAskAndMoved() throws Exception {
        try (ProxyServer proxy = proxy(ReadMode.SOURCE, null);
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            String key = "{moving}:0";
            int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
            client.sync().set(key, "before");
            RedisServer from = cluster.ownerOf(slot);
            RedisServer to = cluster.masters().stream()
                    .filter(master -> !master.equals(from))
                    .findFirst()
                    .orElseThrow();
            // Migrating: a key the old master does not have is answered ASK; the proxy asks the new one.
            RedisCluster.SlotMove move = cluster.beginMove(from, to, slot);
            client.sync().set("{moving}:1", "asked");
            // The target's write completes after the client's reply (the source's): wait for it.
            await().atMost(Duration.ofSeconds(5))
                    .alias("the new key went to the importing master after ASKING")
                    .until(() -> onNode(to, node -> node.clusterCountKeysInSlot(slot)) == 1);
            // Finished at once and not waited on (no moveSlots): the proxy's slot map is behind, the old master
            // answers MOVED.
            move.finish();
            client.sync().set(key, "after");
            client.sync().set("{moving}:2", "new");
            await().atMost(Duration.ofSeconds(5)).until(() -> "new".equals(getOn(to, "{moving}:2")));
            assertThat(getOn(to, key)).isEqualTo("after");
            assertThat(getOn(to, "{moving}:1")).isEqualTo("asked");
            assertThat(getOn(to, "{moving}:2")).isEqualTo("new");
            assertThat(proxy.repairsFlagged()).isZero();
            assertThat(clusterMeter(proxy, "ferry.proxy.cluster.redirects"))
                    .as("an ASK and a MOVED followed")
                    .isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aFailoverOnTheTargetLosesNoDualWrite() throws Exception {
        try (ProxyServer proxy = proxy(ReadMode.SOURCE, null);
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger acknowledged = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; writing.get(); i++) {
                        client.sync().set("fo:" + i, "v" + i);
                        acknowledged.set(i + 1);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> acknowledged.get() >= 300);
            // A replica of the first master takes over, coordinated with it (CLUSTER FAILOVER); returns once
            // every node sees it and the old master replicates from it.
            cluster.failover(cluster.masters().get(0));
            int atFailover = acknowledged.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() >= atFailover + 300);
            writing.set(false);
            writer.join(10_000);
            assertThat(failure.get()).as("the client saw no error").isNull();
            int written = acknowledged.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.dbSize() >= written);
            for (int i = 0; i < written; i++) {
                assertThat(target.get("fo:" + i)).as("fo:%d on the target", i).isEqualTo("v" + i);
            }
            assertThat(proxy.repairsFlagged()).as("no write needed a repair").isZero();
        }
    }

    @Test
    void readsOfATargetMasterThatRestartsEmptyAreServedByTheSource() throws Exception {
        // A key of a master other than the node the target URI names: every master is watched.
        int seedPort = RedisUri.parse(cluster.seedUri()).port();
        String key = null;
        for (int n = 0; key == null; n++) {
            if (cluster.ownerOf(RedisCluster.slot("held:" + n)).port() != seedPort) {
                key = "held:" + n;
            }
        }
        String k = key;
        RedisServer master = cluster.ownerOf(RedisCluster.slot(k));
        try (ProxyServer proxy = proxy(ReadMode.TARGET, null);
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            client.sync().set(k, "written");
            // Only the target has this value: a read that returns it was served by the target.
            onNode(master, redis -> redis.set(k, "on-target"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "on-target".equals(client.sync().get(k)));

            // The master restarts empty (keeping its slots): from the moment its connections drop, no read is served
            // by it, and none until the control plane routes again.
            AtomicBoolean reading = new AtomicBoolean(true);
            List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
            Thread reader = new Thread(() -> {
                StatefulRedisConnection<String, String> other = lettuce.connect(ProxyHarness.uri(proxy));
                try {
                    while (reading.get()) {
                        try {
                            String value = other.sync().get(k);
                            reads.incrementAndGet();
                            if (!"on-target".equals(value) && !"written".equals(value)) {
                                wrong.add(String.valueOf(value));
                            }
                        } catch (io.lettuce.core.RedisException e) {
                            // A read in flight on the node connection that dropped: an error, never a wrong value;
                            // the proxy closes that client, which connects again (as an application would).
                            if (!other.isOpen()) {
                                other.close();
                                other = lettuce.connect(ProxyHarness.uri(proxy));
                            }
                        }
                    }
                } finally {
                    other.close();
                }
            });
            reader.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> reads.get() > 20);
            master.restartEmpty();
            long readsAtRestart = reads.get();
            // Reads go on across the restart and after it: the span observed.
            java.util.concurrent.TimeUnit.SECONDS.sleep(3);
            reading.set(false);
            reader.join(10_000);
            assertThat(wrong).as("reads answered by the emptied master").isEmpty();
            assertThat(client.sync().get(k)).as("a read after the restart").isEqualTo("written");
            assertThat(reads.get() - readsAtRestart)
                    .as("reads answered after the restart")
                    .isGreaterThan(10);
            assertThat(getOn(master, k)).as("the master is empty").isNull();

            // The control plane routes again (it has seen the restart, the copy is done): reads follow the route.
            onNode(master, redis -> redis.set(k, "copied-again"));
            io.ferry.schemas.MigrationState next = io.ferry.schemas.MigrationState.newBuilder()
                    .setRunId("run")
                    .setPhase(io.ferry.schemas.Phase.MIGRATE)
                    .setStrategy(io.ferry.schemas.Strategy.BIG_BANG)
                    .setReadMode(ReadMode.TARGET)
                    .setWritePolicy(WritePolicy.SOURCE_AUTHORITATIVE)
                    .setRatioPercent(0)
                    .setEpoch(1)
                    .build();
            assertThat(proxy.applyState(next)).isTrue();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "copied-again".equals(client.sync().get(k)));
        }
    }

    private static double clusterMeter(ProxyServer proxy, String name) {
        return proxy.meters().get(name).tag("side", "target").functionCounter().count();
    }

    private static boolean keysSpanSlots(Iterable<String> keys) {
        Integer first = null;
        for (String key : keys) {
            int slot = KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
            if (first != null && slot != first) {
                return true;
            }
            first = slot;
        }
        return false;
    }

    private static WriteRecord byCommand(List<WriteRecord> writes, String command) {
        return writes.stream()
                .filter(w -> w.getCommand().equals(command))
                .findFirst()
                .orElseThrow();
    }

    /** Every record on the writes log so far. */
    private static List<WriteRecord> writes(String prefix) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TypedTopic<?, WriteRecord> topic = TypedTopic.WRITES;
        String name = TopicRegistry.builder().prefix(prefix).build().name(topic.topic());
        List<WriteRecord> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                config, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(name, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(name, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<?, WriteRecord> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
