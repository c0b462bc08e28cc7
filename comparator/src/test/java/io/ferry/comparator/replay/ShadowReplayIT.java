package io.ferry.comparator.replay;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Confirmation;
import io.ferry.schemas.Detector;
import io.ferry.schemas.Divergence;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WriteRecord;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Shadow replay against real source and target redis-servers and a real Kafka broker: traffic records made as the
 * proxy makes them (the read run on the source, its RESP reply encoded and digested) are replayed on the target and
 * compared.
 */
class ShadowReplayIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private static final CommandTable TABLE = CommandTable.bundled();
    private static final int MAX_CAPTURE_BYTES = 4096;

    private RedisServer source;
    private RedisServer target;
    private ReplayConnections capture;
    private KafkaProducer<String, byte[]> producer;
    private TopicRegistry topics;
    private ShadowReplay replay;
    private Thread loop;
    private long sequence;

    @BeforeEach
    void start() {
        source = redis.server("replay-source");
        target = redis.server("replay-target");
        source.flushAll();
        target.flushAll();
        capture = new ReplayConnections(
                RedisEndpoint.of("source", source.uri()),
                RedisEndpoint.of("target", target.uri()),
                64L * 1024 * 1024,
                Duration.ofSeconds(10));
        Map<String, Object> config = kafka.clientConfig();
        producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        topics = TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("replay"), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (replay != null) {
            replay.stop();
            loop.join(TimeUnit.SECONDS.toMillis(30));
        }
        producer.close();
        capture.close();
    }

    private ShadowReplay startReplay(ReplayOptions.Builder tuning) {
        replay = new ShadowReplay(tuning.fromEarliest(true).build(), new SimpleMeterRegistry());
        loop = new Thread(replay, "shadow-replay-it");
        loop.start();
        return replay;
    }

    private ReplayOptions.Builder options(String runId) {
        return ReplayOptions.builder(
                        runId,
                        RedisEndpoint.of("source", source.uri()),
                        RedisEndpoint.of("target", target.uri()),
                        kafka.clientConfig(),
                        topics)
                .recheck(3, Duration.ofMillis(50));
    }

    @Test
    void plantedDivergencesAreConfirmedWithTheirKind() throws Exception {
        both("SET", "k:same", "v");
        run(source, "SET", "k:value", "on-source");
        run(target, "SET", "k:value", "on-target");
        run(source, "SET", "k:type", "a string");
        run(target, "RPUSH", "k:type", "a", "list");
        run(source, "SET", "k:ttl", "v", "PX", "600000");
        run(target, "SET", "k:ttl", "v", "PX", "100000");
        run(source, "SET", "k:missing", "v");
        run(target, "SET", "k:extra", "v");
        run(source, "SADD", "k:set", "a", "b", "c");
        run(target, "SADD", "k:set", "a", "b");

        publish(captured(0, 2, "GET", "k:same"));
        publish(captured(0, 2, "GET", "k:value"));
        publish(captured(0, 2, "GET", "k:type"));
        publish(captured(0, 2, "PTTL", "k:ttl"));
        publish(captured(0, 3, "GET", "k:missing"));
        publish(captured(0, 2, "GET", "k:extra"));
        publish(captured(0, 3, "SMEMBERS", "k:set"));
        ShadowReplay replay = startReplay(options("planted"));

        awaitTotals(replay, t -> t.replayed() == 7 && settled(t));
        List<Divergence> found = divergences(6);
        assertThat(found)
                .extracting(d -> text(d.getKey()), Divergence::getKind, Divergence::getCommand)
                .containsExactlyInAnyOrder(
                        tuple("k:value", DivergenceKind.VALUE, "GET"),
                        tuple("k:type", DivergenceKind.TYPE, "GET"),
                        tuple("k:ttl", DivergenceKind.TTL, "PTTL"),
                        tuple("k:missing", DivergenceKind.MISSING, "GET"),
                        tuple("k:extra", DivergenceKind.EXTRA, "GET"),
                        tuple("k:set", DivergenceKind.VALUE, "SMEMBERS"));
        assertThat(found).allSatisfy(d -> {
            assertThat(d.getStatus()).isEqualTo(Confirmation.CONFIRMED);
            assertThat(d.getDetector()).isEqualTo(Detector.SHADOW_REPLAY);
            assertThat(d.getRunId()).isEqualTo("planted");
        });
        Divergence missing = byKey(found, "k:missing");
        assertThat(missing.getSource().getType()).isEqualTo("string");
        assertThat(missing.getSource().getSize()).isEqualTo(1);
        assertThat(missing.getSource().getDigest()).isNotNull();
        assertThat(missing.getTarget().getType()).isNull();
        assertThat(missing.getTarget().getTtlMillis()).isEqualTo(-2);
        Divergence set = byKey(found, "k:set");
        assertThat(set.getSource().getSize()).isEqualTo(3);
        assertThat(set.getTarget().getSize()).isEqualTo(2);
        assertThat(set.getSource().getDigest()).isNotEqualTo(set.getTarget().getDigest());
        Divergence ttl = byKey(found, "k:ttl");
        assertThat(ttl.getSource().getTtlMillis()).isGreaterThan(500_000);
        assertThat(ttl.getTarget().getTtlMillis()).isLessThanOrEqualTo(100_000);

        ReplayTotals totals = replay.totals();
        assertThat(totals.equal()).isEqualTo(1);
        assertThat(totals.confirmed()).isEqualTo(6);
        assertThat(totals.transients()).isZero();
        assertThat(totals.confirmed(DivergenceKind.MISSING)).isEqualTo(1);
        assertThat(totals.repairsRequested()).isZero();
    }

    @Test
    void setsAndHashesInAnotherOrderAreNeverReported() throws Exception {
        // Past the listpack and intset limits: hash tables, whose order depends on insertion history.
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            members.add("member-" + i);
        }
        List<String> reversed = new ArrayList<>(members);
        java.util.Collections.reverse(reversed);
        for (String member : members) {
            run(source, "SADD", "big:set", member);
            run(source, "HSET", "big:hash", member, "value-of-" + member);
            run(source, "SADD", "big:other", member);
        }
        for (String member : reversed) {
            run(target, "SADD", "big:set", member);
            run(target, "HSET", "big:hash", member, "value-of-" + member);
            run(target, "SADD", "big:other", member);
        }
        // Same elements, another history: the server may order them otherwise.
        run(target, "SADD", "big:set", "churn-1", "churn-2");
        run(target, "SREM", "big:set", "churn-1", "churn-2");
        RespMessage sourceOrder =
                capture.send(Side.SOURCE, 0, 2, args("SMEMBERS", "big:set")).get();
        RespMessage targetOrder =
                capture.send(Side.TARGET, 0, 2, args("SMEMBERS", "big:set")).get();
        try {
            assertThat(ReplyDigest.encode(sourceOrder))
                    .as("the two servers order the set's members differently")
                    .isNotEqualTo(ReplyDigest.encode(targetOrder));
        } finally {
            ReferenceCountUtil.release(sourceOrder);
            ReferenceCountUtil.release(targetOrder);
        }
        int published = 0;
        for (int protocol : new int[] {2, 3}) {
            publish(captured(0, protocol, "SMEMBERS", "big:set"));
            publish(captured(0, protocol, "HGETALL", "big:hash"));
            publish(captured(0, protocol, "HKEYS", "big:hash"));
            publish(captured(0, protocol, "HVALS", "big:hash"));
            publish(captured(0, protocol, "SINTER", "big:set", "big:other"));
            publish(captured(0, protocol, "SUNION", "big:set", "big:other"));
            // KEYS is unordered too, but its pattern is no key: skipped as keyless.
            publish(captured(0, protocol, "KEYS", "big:*"));
            published += 6;
        }
        ShadowReplay replay = startReplay(options("unordered"));

        int expected = published;
        awaitTotals(replay, t -> t.replayed() == expected && settled(t));
        ReplayTotals totals = replay.totals();
        assertThat(totals.equal()).as(totals.line()).isEqualTo(expected);
        assertThat(totals.transients()).isZero();
        assertThat(totals.confirmed()).isZero();
        assertThat(totals.skipped())
                .isEqualTo(totals.skipped(SkipReason.NO_KEYS))
                .isEqualTo(2);
    }

    @Test
    void comparatorsOfOneRunShareTheTrafficThroughTheirConsumerGroup() throws Exception {
        both("SET", "k:shared", "v");
        ShadowReplay first = startReplay(options("shared"));
        ShadowReplay second =
                new ShadowReplay(options("shared").fromEarliest(true).build(), new SimpleMeterRegistry());
        Thread secondLoop = new Thread(second, "shadow-replay-it-2");
        secondLoop.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.assigned() && second.assigned());
            // Records are keyed by node and connection: forty connections spread over the partitions.
            for (int i = 0; i < 400; i++) {
                TrafficRecord record = captured(0, 2, "GET", "k:shared");
                record.setConnection("c" + (i % 40));
                publish(record);
            }
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> first.totals().replayed() + second.totals().replayed() >= 400
                            && settled(first.totals())
                            && settled(second.totals()));
            ReplayTotals one = first.totals();
            ReplayTotals two = second.totals();
            assertThat(one.replayed() + two.replayed())
                    .as("each record replayed once: %s / %s", one.line(), two.line())
                    .isEqualTo(400);
            assertThat(one.replayed()).as(one.line()).isPositive();
            assertThat(two.replayed()).as(two.line()).isPositive();
            assertThat(one.equal() + two.equal()).isEqualTo(400);
        } finally {
            second.stop();
            secondLoop.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    @Test
    void aKeyChangedOnBothSidesAfterCaptureIsTransient() throws Exception {
        both("SET", "k:moving", "before");
        both("SADD", "k:moving-set", "a", "b");
        TrafficRecord get = captured(0, 2, "GET", "k:moving");
        TrafficRecord smembers = captured(0, 2, "SMEMBERS", "k:moving-set");
        both("SET", "k:moving", "after");
        both("SADD", "k:moving-set", "c");
        publish(get);
        publish(smembers);
        ShadowReplay replay = startReplay(options("moving").publishTransient(true));

        awaitTotals(replay, t -> t.transients() == 2);
        ReplayTotals totals = replay.totals();
        assertThat(totals.replayed()).isEqualTo(2);
        assertThat(totals.confirmed()).isZero();
        assertThat(divergences(2))
                .extracting(d -> text(d.getKey()), Divergence::getStatus)
                .containsExactlyInAnyOrder(
                        tuple("k:moving", Confirmation.TRANSIENT), tuple("k:moving-set", Confirmation.TRANSIENT));
    }

    @Test
    void whatCannotBeComparedIsSkippedAndCounted() throws Exception {
        both("SADD", "s", "a", "b", "c");
        both("SET", "k", "v");
        both("RPUSH", "l", "x");
        publish(captured(0, 2, "SRANDMEMBER", "s"));
        publish(captured(0, 2, "RANDOMKEY"));
        publish(captured(0, 2, "SSCAN", "s", "0"));
        publish(captured(0, 2, "OBJECT", "IDLETIME", "k"));
        publish(captured(0, 2, "TIME"));
        publish(captured(0, 2, "SET", "k", "v"));
        publish(captured(0, 2, "INCR", "l")); // WRONGTYPE: an error reply
        publish(captured(0, 2, "LPOP", "nothing"));
        publish(captured(0, 2, "BLPOP", "l", "1"));
        TrafficRecord truncatedArgs = captured(0, 2, "GET", "k");
        truncatedArgs.setArgsTruncated(true);
        publish(truncatedArgs);
        TrafficRecord queued = captured(0, 2, "GET", "k");
        queued.setResponseType("simple-string");
        queued.setResponseBody(ByteBuffer.wrap("+QUEUED\r\n".getBytes(StandardCharsets.US_ASCII)));
        publish(queued);
        TrafficRecord noReply = captured(0, 2, "GET", "k");
        noReply.setResponseType(null);
        noReply.setResponseDigest(null);
        noReply.setResponseBody(null);
        publish(noReply);
        TrafficRecord absurdDb = captured(0, 2, "GET", "k");
        absurdDb.setDb(-7);
        publish(absurdDb);
        TrafficRecord absurdProtocol = captured(0, 2, "GET", "k");
        absurdProtocol.setProtocol(99);
        publish(absurdProtocol);
        TrafficRecord badBody = captured(0, 2, "GET", "k");
        badBody.setResponseBody(ByteBuffer.wrap("not resp at all".getBytes(StandardCharsets.US_ASCII)));
        publish(badBody);
        producer.send(new ProducerRecord<>(topics.name(TypedTopic.TRAFFIC.topic()), "junk", new byte[] {1, 2, 3}))
                .get();
        producer.send(new ProducerRecord<>(
                        topics.name(TypedTopic.TRAFFIC.topic()), "junk", new byte[] {(byte) 0xC3, 1, 9, 9, 9}))
                .get();
        // After all that, the consumer still replays.
        publish(captured(0, 2, "GET", "k"));
        ShadowReplay replay = startReplay(options("skips"));

        awaitTotals(replay, t -> t.replayed() == 1 && settled(t));
        ReplayTotals totals = replay.totals();
        assertThat(totals.equal()).isEqualTo(1);
        assertThat(totals.records()).isEqualTo(18);
        assertThat(totals.skipped(SkipReason.NONDETERMINISTIC))
                .as(totals.skippedByReason().toString())
                .isEqualTo(4);
        assertThat(totals.skipped(SkipReason.NO_KEYS)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.NOT_READ)).isEqualTo(2);
        assertThat(totals.skipped(SkipReason.ERROR_REPLY)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.BLOCKING)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.ARGS_TRUNCATED)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.QUEUED)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.NO_REPLY)).isEqualTo(1);
        assertThat(totals.skipped(SkipReason.INVALID)).isEqualTo(3);
        assertThat(totals.skipped(SkipReason.UNDECODABLE)).isEqualTo(2);
        assertThat(totals.skipped()).isEqualTo(17);
        assertThat(replay.failure()).isNull();
    }

    @Test
    void aReplyOverTheSizeLimitIsSkippedAndCounted() throws Exception {
        both("SET", "big", "x".repeat(8192));
        both("SET", "small", "y");
        publish(captured(0, 2, "GET", "big"));
        publish(captured(0, 2, "GET", "small"));
        ShadowReplay replay = startReplay(options("limits").maxReplyBytes(4096));

        awaitTotals(replay, t -> t.replayed() == 1 && settled(t));
        assertThat(replay.totals().skipped(SkipReason.REPLY_TOO_LARGE)).isEqualTo(1);
        assertThat(replay.totals().equal()).isEqualTo(1);
    }

    @Test
    void withRepairAConfirmedDivergenceAsksTheReconcilerToCopyTheKeyAgain() throws Exception {
        runIn(source, 3, "HSET", "k:repair", "f", "source");
        runIn(target, 3, "HSET", "k:repair", "f", "target");
        publish(captured(3, 2, "HGET", "k:repair", "f"));
        ShadowReplay replay = startReplay(options("repairing").repair(true).nodeId("it"));

        awaitTotals(replay, t -> t.repairsRequested() == 1);
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueName("writes-reader"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<WriteRecord> writes = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.name(TypedTopic.WRITES.topic())));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("k:repair");
                    writes.add(TypedTopic.WRITES.valueSerde().deserialize(r.topic(), r.value()));
                });
                return !writes.isEmpty();
            });
        }
        WriteRecord repair = writes.get(0);
        assertThat(repair.getFlags()).containsExactly(WriteFlag.REPAIR);
        assertThat(repair.getKeys()).extracting(ShadowReplayIT::text).containsExactly("k:repair");
        assertThat(repair.getDb()).isEqualTo(3);
        assertThat(repair.getNode()).isEqualTo("comparator-it");
        assertThat(repair.getSource()).isNull();
        assertThat(repair.getTarget()).isNull();
        assertThat(divergences(1).get(0).getKind()).isEqualTo(DivergenceKind.VALUE);
    }

    // --- helpers

    /**
     * Every replay counted has its outcome counted too: a replay is counted when its reply arrives, its outcome once
     * compared (and re-checked), a moment later.
     */
    private static boolean settled(ReplayTotals totals) {
        return totals.equal() + totals.transients() + totals.confirmed() == totals.replayed();
    }

    private static void awaitTotals(ShadowReplay replay, java.util.function.Predicate<ReplayTotals> done) {
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(done.test(replay.totals()))
                .as("%s, skipped %s", replay.totals().line(), replay.totals().skippedByReason())
                .isTrue());
    }

    private void both(String... command) throws Exception {
        run(source, command);
        run(target, command);
    }

    private void run(RedisServer server, String... command) throws Exception {
        runIn(server, 0, command);
    }

    private void runIn(RedisServer server, int db, String... command) throws Exception {
        Side side = server == source ? Side.SOURCE : Side.TARGET;
        ReferenceCountUtil.release(capture.send(side, db, 2, args(command)).get(10, TimeUnit.SECONDS));
    }

    private static List<byte[]> args(String... command) {
        List<byte[]> args = new ArrayList<>();
        for (String arg : command) {
            args.add(arg.getBytes(StandardCharsets.UTF_8));
        }
        return args;
    }

    /** The traffic record the proxy would write for {@code command} served by the source, as it answers now. */
    private TrafficRecord captured(int db, int protocol, String... command) throws Exception {
        CommandMessage message = CommandMessage.of(command);
        CommandInfo info;
        int[] keyIndexes;
        try {
            info = TABLE.lookup(message);
            keyIndexes = info.keyIndexes(message);
        } finally {
            message.release();
        }
        RespMessage reply =
                capture.send(Side.SOURCE, db, protocol, args(command)).get(10, TimeUnit.SECONDS);
        try {
            ByteBuf encoded = io.ferry.resp.RespEncoder.encode(ByteBufAllocator.DEFAULT, reply);
            byte[] body;
            try {
                body = io.netty.buffer.ByteBufUtil.getBytes(encoded);
            } finally {
                encoded.release();
            }
            List<ByteBuffer> keys = new ArrayList<>();
            for (int index : keyIndexes) {
                keys.add(ByteBuffer.wrap(command[index].getBytes(StandardCharsets.UTF_8)));
            }
            int first = info.isSubcommand() ? 2 : 1;
            List<ByteBuffer> rest = new ArrayList<>();
            for (int i = first; i < command.length; i++) {
                rest.add(ByteBuffer.wrap(command[i].getBytes(StandardCharsets.UTF_8)));
            }
            return TrafficRecord.newBuilder()
                    .setOrigin(Origin.PROXY)
                    .setNode("it-proxy")
                    .setConnection("c1")
                    .setSequence(sequence++)
                    .setTimestampMicros(Instant.now())
                    .setDb(db)
                    .setCommand(info.displayName())
                    .setCommandClass(CommandClass.READ)
                    .setKeys(keys)
                    .setArgs(rest)
                    .setArgsTruncated(false)
                    .setProtocol(protocol)
                    .setResponseType(reply.type()
                            .name()
                            .toLowerCase(java.util.Locale.ROOT)
                            .replace('_', '-'))
                    .setResponseDigest(ByteBuffer.wrap(ReplyDigest.of(reply, info.isOutputOrderNondeterministic())))
                    .setResponseBody(ByteBuffer.wrap(Arrays.copyOf(body, Math.min(body.length, MAX_CAPTURE_BYTES))))
                    .setResponseTruncated(body.length > MAX_CAPTURE_BYTES)
                    .setResponseSize(body.length)
                    .setLatencyMicros(100)
                    .setSide(Side.SOURCE)
                    .build();
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    private void publish(TrafficRecord record) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.name(TypedTopic.TRAFFIC.topic()),
                        TypedTopic.TRAFFIC.keyOf(record),
                        TypedTopic.TRAFFIC.valueSerde().serialize(null, record)))
                .get();
    }

    /** Waits for {@code count} divergences on the topic and returns them (no more arrive meanwhile). */
    private List<Divergence> divergences(int count) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueName("divergence-reader"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Divergence> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.name(TypedTopic.DIVERGENCES.topic())));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r ->
                                found.add(TypedTopic.DIVERGENCES.valueSerde().deserialize(r.topic(), r.value())));
                return found.size() >= count;
            });
        }
        assertThat(found).hasSize(count);
        return found;
    }

    private static Divergence byKey(List<Divergence> found, String key) {
        return found.stream()
                .filter(d -> text(d.getKey()).equals(key))
                .findFirst()
                .orElseThrow();
    }

    private static String text(ByteBuffer buffer) {
        return new String(ReplaySelector.bytes(buffer), StandardCharsets.UTF_8);
    }
}
