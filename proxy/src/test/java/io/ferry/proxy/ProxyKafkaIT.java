package io.ferry.proxy;

import io.ferry.proxy.kafka.WriteLogOptions;
import io.ferry.proxy.kafka.WriteLogOverflow;
import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.Event;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.Phase;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Side;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WritePolicy;
import io.ferry.schemas.WriteRecord;
import io.ferry.schemas.stats.StatsAttributes;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A proxy with Kafka: every write on the writes log with both sides' outcomes, traffic captured,
 * route changes from the control topic followed by two nodes, and Kafka or the target failing while
 * clients write.
 */
class ProxyKafkaIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    static RedisClient lettuce;
    static StatefulRedisConnection<String, String> targetConnection;
    static RedisCommands<String, String> target;

    @BeforeAll
    static void start() {
        lettuce = ProxyHarness.client(ProtocolVersion.RESP2);
        targetConnection = lettuce.connect(RedisURI.create(redis.target().uri()));
        target = targetConnection.sync();
    }

    @AfterAll
    static void stop() {
        targetConnection.close();
        lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @BeforeEach
    void flush() {
        redis.source().flushAll();
        redis.target().flushAll();
    }

    private static ProxyKafka kafkaOptions(String prefix) {
        return ProxyKafka.of(kafka.bootstrapServers(), prefix);
    }

    private static ProxyServer proxy(String prefix, ProxyKafka options, WritePolicy policy, Duration mirrorTimeout)
            throws InterruptedException {
        return ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                .target(RedisUri.parse(redis.target().uri()), policy, ReadMode.SOURCE, 0)
                .mirrorTimeout(mirrorTimeout)
                .kafka(options)
                .ioThreads(1)
                .build());
    }

    /** Every record on {@code topic} so far, read from the beginning. */
    private static <K, V extends SpecificRecord> List<V> read(TypedTopic<K, V> topic, String prefix) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        String name = TopicRegistry.builder().prefix(prefix).build().name(topic.topic());
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(
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
                for (ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static WriteRecord byCommand(List<WriteRecord> writes, String command) {
        return writes.stream()
                .filter(w -> w.getCommand().equals(command))
                .findFirst()
                .orElseThrow();
    }

    private static String key(WriteRecord record) {
        return record.getKeys().isEmpty()
                ? ""
                : StandardCharsets.UTF_8
                        .decode(record.getKeys().get(0).duplicate())
                        .toString();
    }

    @Test
    void everyWriteIsOnTheWritesLogWithTheOutcomeOfBothSides() throws Exception {
        String prefix = kafka.uniqueName("writes");
        try (ProxyServer proxy =
                        proxy(prefix, kafkaOptions(prefix), WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            target.set("counter", "100");
            client.sync().set("plain", "v");
            client.sync().incr("counter");
            client.sync().get("plain");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> read(TypedTopic.WRITES, prefix).size() >= 2);
            List<WriteRecord> writes = read(TypedTopic.WRITES, prefix);
            // Keyed by Redis key: records of different keys may sit in different partitions.
            assertThat(writes).extracting(WriteRecord::getCommand).containsExactlyInAnyOrder("SET", "INCR");
            WriteRecord set = byCommand(writes, "SET");
            assertThat(key(set)).isEqualTo("plain");
            assertThat(set.getSource().getOutcome()).isEqualTo(Outcome.OK);
            assertThat(set.getTarget().getOutcome()).isEqualTo(Outcome.OK);
            assertThat(set.getFlags()).doesNotContain(WriteFlag.REPAIR);
            assertThat(set.getArgs()).hasSize(2);
            WriteRecord incr = byCommand(writes, "INCR");
            assertThat(incr.getFlags())
                    .as("the sides answered 1 and 101")
                    .contains(WriteFlag.MISMATCH, WriteFlag.REPAIR);
            assertThat(incr.getSource().getReplyDigest())
                    .isNotEqualTo(incr.getTarget().getReplyDigest());
        }
    }

    @Test
    void commandsAreCapturedOnTheTrafficLog() throws Exception {
        String prefix = kafka.uniqueName("traffic");
        try (ProxyServer proxy =
                        proxy(prefix, kafkaOptions(prefix), WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            client.sync().set("k", "value");
            assertThat(client.sync().get("k")).isEqualTo("value");
            await().atMost(Duration.ofSeconds(20)).until(() -> read(TypedTopic.TRAFFIC, prefix).stream()
                    .anyMatch(r -> r.getCommand().equals("GET")));
            TrafficRecord get = read(TypedTopic.TRAFFIC, prefix).stream()
                    .filter(r -> r.getCommand().equals("GET"))
                    .findFirst()
                    .orElseThrow();
            assertThat(get.getResponseType()).isEqualTo("bulk-string");
            assertThat(StandardCharsets.UTF_8
                            .decode(get.getResponseBody().duplicate())
                            .toString())
                    .isEqualTo("$5\r\nvalue\r\n");
            assertThat(get.getSide()).isEqualTo(Side.SOURCE);
            assertThat(get.getLatencyMicros()).isNotNegative();
        }
    }

    @Test
    void statsEventsCountWhatTheClientsDid() throws Exception {
        String prefix = kafka.uniqueName("stats");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ProxyKafka options = new ProxyKafka(
                kafka.bootstrapServers(), prefix, WriteLogOptions.DEFAULTS, 1.0, 50_000, "shop", Duration.ofSeconds(1));
        ProxyServer proxy = ProxyServer.start(
                ProxyHarness.config(redis.source()).toBuilder()
                        .target(
                                RedisUri.parse(redis.target().uri()),
                                WritePolicy.SOURCE_AUTHORITATIVE,
                                ReadMode.SOURCE,
                                0)
                        .kafka(options)
                        .ioThreads(1)
                        .build(),
                meters);
        try (proxy;
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            for (int i = 0; i < 5; i++) {
                client.sync().set("k" + i, "v");
            }
            for (int i = 0; i < 20; i++) {
                client.sync().get("k" + (i % 5));
            }
            assertThatThrownBy(() -> client.sync()
                            .dispatch(
                                    io.lettuce.core.protocol.CommandType.valueOf("ECHO"),
                                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8)))
                    .isInstanceOf(RedisCommandExecutionException.class);
            // A name no command table holds: tagged "other", whatever the client sent; unknown counts as a write.
            assertThatThrownBy(() -> client.sync()
                            .dispatch(
                                    new io.lettuce.core.protocol.ProtocolKeyword() {
                                        @Override
                                        public byte[] getBytes() {
                                            return "FERRY-NO-SUCH".getBytes(StandardCharsets.US_ASCII);
                                        }

                                        @Override
                                        public String toString() {
                                            return "FERRY-NO-SUCH";
                                        }
                                    },
                                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8)))
                    .isInstanceOf(RedisCommandExecutionException.class);
            // An event at least once a second while the node runs.
            await().atMost(Duration.ofSeconds(20)).until(() -> proxy.statsSent() >= 2);
        }
        // Closing published the last interval: the events now hold every reply the timers hold.
        assertThat(timerCount(meters, "source", "GET", "ok")).isEqualTo(20);
        assertThat(timerCount(meters, "source", "SET", "ok")).isEqualTo(5);
        assertThat(timerCount(meters, "target", "SET", "ok")).as("mirrored").isEqualTo(5);
        assertThat(timerCount(meters, "target", "GET", "ok"))
                .as("reads on the source only")
                .isZero();
        assertThat(timerCount(meters, "source", "ECHO", "error"))
                .as("ECHO without its argument")
                .isEqualTo(1);
        assertThat(timerCount(meters, "source", "other", "error")).isEqualTo(1);
        assertThat(timerCount(meters, "target", "other", "error"))
                .as("an unknown command runs on the authoritative side only, flagged for repair")
                .isZero();
        assertThat(meters.find(CommandLatency.METER)
                        .tag("command", "FERRY-NO-SUCH")
                        .timers())
                .isEmpty();
        long sourceReplies = meters.find(CommandLatency.METER).tag("side", "source").timers().stream()
                .mapToLong(Timer::count)
                .sum();
        long targetReplies = meters.find(CommandLatency.METER).tag("side", "target").timers().stream()
                .mapToLong(Timer::count)
                .sum();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Event> events = read(TypedTopic.EVENTS, prefix);
            assertThat(events).isNotEmpty().allSatisfy(event -> {
                assertThat(event.getType()).isEqualTo(StatsAttributes.PROXY);
                assertThat(event.getRunId()).isEqualTo("shop");
            });
            assertThat(sum(events, "sourceOps")).isEqualTo(sourceReplies);
            assertThat(sum(events, "targetOps")).isEqualTo(targetReplies);
            assertThat(sum(events, "sourceErrors")).isEqualTo(2);
            assertThat(sum(events, "targetErrors")).isZero();
            assertThat(sum(events, "dualWriteFailures"))
                    .isEqualTo(proxy.repairsFlagged())
                    .isPositive();
            assertThat(events)
                    .anySatisfy(event -> assertThat(
                                    Double.parseDouble(event.getAttributes().get("sourceP99Ms")))
                            .isPositive())
                    .anySatisfy(event -> assertThat(
                                    Double.parseDouble(event.getAttributes().get("sourceOpsPerSecond")))
                            .isPositive());
        });
        assertThat(sourceReplies).isGreaterThanOrEqualTo(27);
        assertThat(meters.find("ferry.proxy.connections").gauge())
                .as("a stopped node's gauges leave the registry")
                .isNull();
    }

    private static long timerCount(SimpleMeterRegistry meters, String side, String command, String outcome) {
        Timer timer = meters.find(CommandLatency.METER)
                .tags("side", side, "command", command, "outcome", outcome)
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private static long sum(List<Event> events, String attribute) {
        return events.stream()
                .mapToLong(event -> Long.parseLong(event.getAttributes().get(attribute)))
                .sum();
    }

    @Test
    void twoProxyNodesFollowOneControlTopicChange() throws Exception {
        String prefix = kafka.uniqueName("control");
        RedisServer source = redis.source();
        source.command("SET k from-source");
        target.set("k", "from-target");
        try (ProxyServer one =
                        proxy(prefix, kafkaOptions(prefix), WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                ProxyServer two =
                        proxy(prefix, kafkaOptions(prefix), WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                StatefulRedisConnection<String, String> viaOne = lettuce.connect(ProxyHarness.uri(one));
                StatefulRedisConnection<String, String> viaTwo = lettuce.connect(ProxyHarness.uri(two))) {
            assertThat(viaOne.sync().get("k")).isEqualTo("from-source");
            assertThat(viaTwo.sync().get("k")).isEqualTo("from-source");
            publishState(prefix, 1, ReadMode.TARGET, WritePolicy.TARGET_AUTHORITATIVE);
            // Within a second or so, on both nodes, with the clients' connections kept.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "from-target".equals(viaOne.sync().get("k")));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "from-target".equals(viaTwo.sync().get("k")));
            assertThat(one.route().epoch()).isEqualTo(1);
            assertThat(two.controlStatus().connected()).isTrue();
            // Rollback: one state change back.
            publishState(prefix, 2, ReadMode.SOURCE, WritePolicy.SOURCE_AUTHORITATIVE);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "from-source".equals(viaOne.sync().get("k")));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "from-source".equals(viaTwo.sync().get("k")));
        }
    }

    @Test
    void kafkaStoppedMidRunLeavesClientsWorkingAndTheLogCatchesUp() throws Exception {
        String prefix = kafka.uniqueName("outage");
        ProxyKafka options = new ProxyKafka(
                kafka.bootstrapServers(),
                prefix,
                new WriteLogOptions(100, 10_000, WriteLogOverflow.FLAG_KEYS, Duration.ofSeconds(3)),
                0.0,
                100,
                "");
        try (ProxyServer proxy = proxy(prefix, options, WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            client.sync().set("before", "v");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> read(TypedTopic.WRITES, prefix).size() == 1);
            kafka.stop();
            Set<String> written = new HashSet<>();
            try {
                for (int i = 0; i < 500; i++) {
                    client.sync().set("during:" + i, "v");
                    written.add("during:" + i);
                }
                assertThat(target.get("during:499")).as("clients kept working").isEqualTo("v");
                assertThat(proxy.controlStatus()).isNotNull();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !proxy.controlStatus().connected());
            } finally {
                kafka.restart();
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Set<String> logged = new HashSet<>();
                for (WriteRecord record : read(TypedTopic.WRITES, prefix)) {
                    logged.add(key(record));
                }
                assertThat(logged)
                        .as("every key written during the outage, as a record or for repair")
                        .containsAll(written);
            });
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> proxy.controlStatus().connected());
        }
    }

    @Test
    void rejectWritesRefusesWritesWhileTheLogIsFull() throws Exception {
        String prefix = kafka.uniqueName("reject");
        ProxyKafka options = new ProxyKafka(
                kafka.bootstrapServers(),
                prefix,
                new WriteLogOptions(2, 10, WriteLogOverflow.REJECT_WRITES, Duration.ofSeconds(3)),
                0.0,
                10,
                "");
        try (ProxyServer proxy = proxy(prefix, options, WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofSeconds(2));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            client.sync().set("before", "v");
            kafka.stop();
            try {
                assertThatThrownBy(() -> {
                            for (int i = 0; i < 100; i++) {
                                client.sync().set("during:" + i, "v");
                            }
                        })
                        .isInstanceOf(RedisCommandExecutionException.class)
                        .hasMessageContaining("the writes log cannot keep up");
                assertThat(client.sync().get("before")).as("reads still served").isEqualTo("v");
            } finally {
                kafka.restart();
            }
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                client.sync().set("after", "v");
                return true;
            });
        }
    }

    @Test
    void pausedTargetFlagsTheKeysOnTheWritesLog() throws Exception {
        String prefix = kafka.uniqueName("paused");
        RedisServer paused = redis.target();
        try (ProxyServer proxy =
                        proxy(prefix, kafkaOptions(prefix), WritePolicy.SOURCE_AUTHORITATIVE, Duration.ofMillis(500));
                StatefulRedisConnection<String, String> client = lettuce.connect(ProxyHarness.uri(proxy))) {
            client.sync().set("warm", "v");
            paused.pause();
            try {
                client.sync().set("while-paused", "v");
                await().atMost(Duration.ofSeconds(20)).until(() -> read(TypedTopic.WRITES, prefix).stream()
                        .anyMatch(r -> key(r).equals("while-paused")));
            } finally {
                paused.resume();
            }
            WriteRecord record = read(TypedTopic.WRITES, prefix).stream()
                    .filter(r -> key(r).equals("while-paused"))
                    .findFirst()
                    .orElseThrow();
            assertThat(record.getSource().getOutcome()).isEqualTo(Outcome.OK);
            assertThat(record.getTarget().getOutcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(record.getFlags()).contains(WriteFlag.TARGET_TIMEOUT, WriteFlag.REPAIR);
        }
    }

    private static void publishState(String prefix, long epoch, ReadMode mode, WritePolicy policy) throws Exception {
        MigrationState state = MigrationState.newBuilder()
                .setRunId("run-1")
                .setPhase(Phase.MIGRATE)
                .setStrategy(Strategy.BIG_BANG)
                .setReadMode(mode)
                .setWritePolicy(policy)
                .setEpoch(epoch)
                .build();
        ControlRecord record = ControlRecord.newBuilder()
                .setId("migration/run-1")
                .setUpdatedMicros(Instant.now())
                .setPayload(state)
                .build();
        TopicRegistry topics = TopicRegistry.builder().prefix(prefix).build();
        try (KafkaProducer<String, ControlRecord> producer = new KafkaProducer<>(
                kafka.clientConfig(),
                TypedTopic.CONTROL.keySerde().serializer(),
                TypedTopic.CONTROL.valueSerde().serializer())) {
            producer.send(TypedTopic.CONTROL.producerRecord(topics, record)).get();
        }
    }
}
