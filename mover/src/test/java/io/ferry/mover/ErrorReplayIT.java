package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.ErrorReplay.Outcome;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.ErrorRecord;
import io.ferry.schemas.Stage;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The errors topic read back and replayed: real keys the mover failed to copy (a target whose ACL
 * refuses them), reported by its workers, then copied again once the target accepts some of them.
 */
class ErrorReplayIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    /** A target user that may touch only the keys matching {@code ok:*}, until a test widens it. */
    private static final String[] NARROW_USER = {"--user", "mover", "on", ">m0ver-pass", "~ok:*", "+@all"};

    private static String moverUri(RedisServer target) {
        return "redis://mover:m0ver-pass@127.0.0.1:" + target.port();
    }

    private static TopicRegistry topics(String prefix) {
        return TopicBootstrap.ensure(kafka.admin(), prefix, Duration.ofSeconds(30));
    }

    private static ErrorReplay.Options replayOptions(RedisServer source, String target, ConflictPolicy policy) {
        return new ErrorReplay.Options(
                RedisEndpoint.of("source", source.uri()),
                RedisEndpoint.of("target", target),
                policy,
                Duration.ofSeconds(1));
    }

    @Test
    void keysTheMoverReportedAreReplayedOnceTheTargetTakesThem() throws Exception {
        RedisServer source = redis.start("mover-source");
        RedisServer target = redis.start("mover-target", NARROW_USER);
        try (StatefulRedisConnection<String, String> connection =
                RedisClient.create(source.uri()).connect()) {
            RedisCommands<String, String> src = connection.sync();
            for (int i = 0; i < 20; i++) {
                src.set("ok:" + i, "v" + i);
            }
            src.set("blocked:fixed:string", "value");
            src.pexpire("blocked:fixed:string", 600_000);
            src.rpush("blocked:fixed:list", "a", "b", "c");
            for (int i = 0; i < 500; i++) {
                // Past the listpack limit: a hash table, whose DUMP order may differ between servers.
                src.hset("blocked:fixed:hash", "field" + i, "value" + i);
            }
            src.sadd("blocked:still:set", "x", "y");
            src.select(2);
            src.zadd("blocked:fixed:zset", 1.5, "m");
        }
        String prefix = kafka.uniqueName("replay");
        CopyRun.Outcome copy = new CopyRun(
                        new CopyRun.Options(
                                "acl",
                                RedisEndpoint.of("source", source.uri()),
                                RedisEndpoint.of("target", moverUri(target)),
                                kafka.clientConfig(),
                                prefix,
                                ScanOptions.DEFAULTS,
                                CopyOptions.DEFAULTS,
                                1),
                        new SimpleMeterRegistry())
                .run(Duration.ofSeconds(1), totals -> {});
        assertThat(copy.complete()).isTrue();
        assertThat(copy.totals().failed()).isEqualTo(5);

        ErrorLog errors = new ErrorLog(kafka.clientConfig(), prefix);
        List<ErrorRecord> reported = new ArrayList<>();
        ErrorLog.Summary summary = errors.read(Optional.of("acl"), reported::add);

        assertThat(summary).isEqualTo(new ErrorLog.Summary(5, 5, 0));
        assertThat(reported)
                .extracting(e -> text(e.getKey()), ErrorRecord::getDb, ErrorRecord::getStage, ErrorRecord::getAttempts)
                .containsExactlyInAnyOrder(
                        tuple("blocked:fixed:string", 0, Stage.RESTORE, 3),
                        tuple("blocked:fixed:list", 0, Stage.RESTORE, 3),
                        tuple("blocked:fixed:hash", 0, Stage.RESTORE, 3),
                        tuple("blocked:still:set", 0, Stage.RESTORE, 3),
                        tuple("blocked:fixed:zset", 2, Stage.RESTORE, 3));
        assertThat(reported).allSatisfy(e -> assertThat(e.getError()).startsWith("NOPERM"));
        assertThat(errors.read(Optional.of("another-run"), e -> {})).isEqualTo(new ErrorLog.Summary(5, 0, 0));

        target.command("ACL SETUSER mover ~blocked:fixed:*");
        Map<String, ErrorReplay.Result> results = new HashMap<>();
        ErrorReplay.Totals totals;
        try (ErrorReplay replay = ErrorReplay.open(replayOptions(source, moverUri(target), ConflictPolicy.REPLACE))) {
            totals = replay.replayAll(
                    errors, Optional.of("acl"), r -> results.put(text(r.error().getKey()), r));
        }

        assertThat(totals.count(Outcome.VERIFIED)).isEqualTo(4);
        assertThat(totals.count(Outcome.STILL_FAILING)).isEqualTo(1);
        assertThat(totals.allResolved()).isFalse();
        assertThat(results.get("blocked:still:set").outcome()).isEqualTo(Outcome.STILL_FAILING);
        assertThat(results.get("blocked:still:set").detail()).startsWith("RESTORE: NOPERM");
        for (String key : List.of("blocked:fixed:string", "blocked:fixed:list", "blocked:fixed:hash")) {
            assertThat(results.get(key).outcome()).as(key).isEqualTo(Outcome.VERIFIED);
            assertSameKey(source, target, 0, key);
        }
        assertThat(results.get("blocked:fixed:zset").outcome()).isEqualTo(Outcome.VERIFIED);
        assertSameKey(source, target, 2, "blocked:fixed:zset");

        target.command("ACL SETUSER mover ~blocked:still:*");
        try (ErrorReplay replay = ErrorReplay.open(replayOptions(source, moverUri(target), ConflictPolicy.REPLACE))) {
            totals = replay.replayAll(errors, Optional.empty(), r -> {});
        }
        assertThat(totals.count(Outcome.VERIFIED)).isEqualTo(5);
        assertThat(totals.allResolved()).isTrue();
        assertSameKey(source, target, 0, "blocked:still:set");
    }

    @Test
    void aReadStopsAtTheEndTheTopicHadWhenItBeganAndSkipsWhatItCannotDecode() throws Exception {
        String prefix = kafka.uniqueName("log");
        TopicRegistry topics = topics(prefix);
        String topic = topics.name(TypedTopic.ERRORS.topic());
        try (KafkaProducer<byte[], ErrorRecord> producer = producer();
                KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(
                        kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 30; i++) {
                producer.send(TypedTopic.ERRORS.producerRecord(topics, error(i % 3 == 0 ? "b" : "a", "key:" + i, 0)))
                        .get(30, TimeUnit.SECONDS);
            }
            raw.send(new ProducerRecord<>(topic, "key:bad".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}))
                    .get(30, TimeUnit.SECONDS);

            ErrorLog errors = new ErrorLog(kafka.clientConfig(), prefix);
            List<String> seen = new ArrayList<>();
            ErrorLog.Summary first = errors.read(Optional.of("a"), error -> {
                if (seen.isEmpty()) {
                    // Published after the read began: the next read's.
                    producer.send(TypedTopic.ERRORS.producerRecord(topics, error("a", "key:late", 0)))
                            .get(30, TimeUnit.SECONDS);
                }
                seen.add(text(error.getKey()));
            });

            assertThat(first).isEqualTo(new ErrorLog.Summary(30, 20, 1));
            assertThat(first.complete()).isFalse();
            assertThat(seen).hasSize(20).doesNotContain("key:late", "key:0", "key:3");
            List<String> again = new ArrayList<>();
            assertThat(errors.read(Optional.empty(), error -> again.add(text(error.getKey()))))
                    .isEqualTo(new ErrorLog.Summary(31, 31, 1));
            assertThat(again).contains("key:late", "key:0");
        }
    }

    @Test
    void aMissingTopicIsNamed() {
        ErrorLog errors = new ErrorLog(kafka.clientConfig(), kafka.uniqueName("nothing"));

        assertThatThrownBy(() -> errors.read(Optional.empty(), e -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no topic " + errors.topic());
    }

    @Test
    void eachKeyEndsWithTheOutcomeItsStateCallsFor() throws Exception {
        RedisServer source = redis.start("cases-source");
        RedisServer target = redis.start("cases-target");
        try (StatefulRedisConnection<String, String> from =
                        RedisClient.create(source.uri()).connect();
                StatefulRedisConnection<String, String> to =
                        RedisClient.create(target.uri()).connect()) {
            from.sync().set("copied", "new");
            from.sync().pexpire("copied", 900_000);
            to.sync().set("copied", "old");
            to.sync().set("gone-but-on-target", "stale");
            from.sync().set("held", "source");
            to.sync().set("held", "target");
            from.sync().select(5);
            from.sync().sadd("in-db-5", "a");
        }
        byte[] binary = {'b', 'i', 'n', 0, (byte) 0xff, '\n'};
        try (StatefulRedisConnection<byte[], byte[]> from =
                RedisClient.create(source.uri()).connect(ByteArrayCodec.INSTANCE)) {
            from.sync().set(binary, new byte[] {0, 1, 2, (byte) 0x80});
        }
        List<ErrorRecord> records = List.of(
                error("r", "copied", 0),
                error("r", "gone", 0),
                error("r", "gone-but-on-target", 0),
                error("r", "in-db-5", 5),
                error("r", "in-db-99", 99),
                new ErrorRecord(
                        "r",
                        ByteBuffer.wrap(binary),
                        0,
                        Stage.DUMP,
                        "timeout",
                        3,
                        Instant.now(),
                        Instant.now(),
                        null,
                        Map.of()));

        List<ErrorReplay.Result> results;
        try (ErrorReplay replay = ErrorReplay.open(replayOptions(source, target.uri(), ConflictPolicy.REPLACE))) {
            results = replay.replay(records);
        }

        assertThat(results)
                .extracting(r -> text(r.error().getKey()), ErrorReplay.Result::outcome)
                .containsExactly(
                        tuple("copied", Outcome.VERIFIED),
                        tuple("gone", Outcome.VANISHED),
                        tuple("gone-but-on-target", Outcome.MISMATCH),
                        tuple("in-db-5", Outcome.VERIFIED),
                        tuple("in-db-99", Outcome.STILL_FAILING),
                        tuple(text(ByteBuffer.wrap(binary)), Outcome.VERIFIED));
        assertThat(results.get(2).detail()).isEqualTo("the source no longer has the key, but the target still does");
        assertThat(results.get(4).detail())
                .startsWith("cannot use database 99: ")
                .contains("out of range");
        assertSameKey(source, target, 0, "copied");
        assertSameKey(source, target, 5, "in-db-5");
        assertSameKey(source, target, 0, binary);

        try (ErrorReplay replay = ErrorReplay.open(replayOptions(source, target.uri(), ConflictPolicy.NONE))) {
            results = replay.replay(List.of(error("r", "held", 0)));
        }
        assertThat(results.get(0).outcome()).isEqualTo(Outcome.SKIPPED);
        try (StatefulRedisConnection<String, String> to =
                RedisClient.create(target.uri()).connect()) {
            assertThat(to.sync().get("held")).isEqualTo("target");
        }
    }

    @Test
    void aTargetExpiryBeyondTheToleranceIsAMismatch() throws Exception {
        RedisServer source = redis.start("ttl-source");
        RedisServer target = redis.start("ttl-target");
        StatefulRedisConnection<byte[], byte[]> from =
                RedisClient.create(source.uri()).connect(ByteArrayCodec.INSTANCE);
        StatefulRedisConnection<byte[], byte[]> to =
                RedisClient.create(target.uri()).connect(ByteArrayCodec.INSTANCE);
        try (from;
                to) {
            byte[] key = "ttl".getBytes(StandardCharsets.UTF_8);
            from.sync().set(key, key);
            from.sync().pexpire(key, 600_000);
            to.sync().set(key, key);
            to.sync().pexpire(key, 300_000);
            KeyCheck check = new KeyCheck(
                    from,
                    to,
                    io.ferry.endpoint.ServerFacts.of(from),
                    io.ferry.endpoint.ServerFacts.of(to),
                    Duration.ofSeconds(1));

            KeyCheck.Verdict verdict = check.check(List.of(new KeyCopier.Result(key, KeyOutcome.COPIED, 3, null, null)))
                    .get(0);

            assertThat(verdict.outcome()).isEqualTo(Outcome.MISMATCH);
            assertThat(verdict.detail()).startsWith("expiry: source at ").contains("ms apart; tolerance 1000 ms");
            to.sync().persist(key);
            verdict = check.check(List.of(new KeyCopier.Result(key, KeyOutcome.COPIED, 3, null, null)))
                    .get(0);
            assertThat(verdict.detail()).endsWith(", target none");
        }
    }

    private static KafkaProducer<byte[], ErrorRecord> producer() {
        return new KafkaProducer<>(
                kafka.clientConfig(),
                TypedTopic.ERRORS.keySerde().serializer(),
                TypedTopic.ERRORS.valueSerde().serializer());
    }

    private static ErrorRecord error(String runId, String key, int db) {
        Instant now = Instant.now();
        return new ErrorRecord(
                runId,
                ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)),
                db,
                Stage.RESTORE,
                "OOM command not allowed when used memory > 'maxmemory'.",
                3,
                now.minusSeconds(1),
                now,
                null,
                Map.of("taskId", "t-1"));
    }

    private static String text(ByteBuffer key) {
        return StandardCharsets.ISO_8859_1.decode(key.duplicate()).toString();
    }

    private static void assertSameKey(RedisServer source, RedisServer target, int db, String key) throws Exception {
        assertSameKey(source, target, db, key.getBytes(StandardCharsets.UTF_8));
    }

    /** Same type, same value (DUMP, or the contents where a hash table may order them otherwise), same expiry. */
    private static void assertSameKey(RedisServer source, RedisServer target, int db, byte[] key) throws Exception {
        RedisClient sourceClient = RedisClient.create(source.uri());
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisConnection<byte[], byte[]> from = sourceClient.connect(ByteArrayCodec.INSTANCE);
                StatefulRedisConnection<byte[], byte[]> to = targetClient.connect(ByteArrayCodec.INSTANCE)) {
            RedisCommands<byte[], byte[]> src = from.sync();
            RedisCommands<byte[], byte[]> dst = to.sync();
            src.select(db);
            dst.select(db);
            String name = text(ByteBuffer.wrap(key));
            assertThat(dst.type(key)).as("type of %s", name).isEqualTo(src.type(key));
            assertThat(dst.pexpiretime(key)).as("expiry of %s", name).isEqualTo(src.pexpiretime(key));
            if (src.type(key).equals("hash")) {
                Map<String, String> expected = new HashMap<>();
                src.hgetall(key).forEach((f, v) -> expected.put(text(ByteBuffer.wrap(f)), text(ByteBuffer.wrap(v))));
                Map<String, String> actual = new HashMap<>();
                dst.hgetall(key).forEach((f, v) -> actual.put(text(ByteBuffer.wrap(f)), text(ByteBuffer.wrap(v))));
                assertThat(actual).as("fields of %s", name).isEqualTo(expected);
            } else if (src.type(key).equals("set")) {
                // A hash-table set's DUMP lists members in its table's order, seeded per server.
                assertThat(dst.smembers(key).stream().map(m -> text(ByteBuffer.wrap(m))))
                        .as("members of %s", name)
                        .containsExactlyInAnyOrderElementsOf(src.smembers(key).stream()
                                .map(m -> text(ByteBuffer.wrap(m)))
                                .toList());
            } else {
                assertThat(dst.dump(key)).as("DUMP of %s", name).isEqualTo(src.dump(key));
            }
        } finally {
            sourceClient.shutdown();
            targetClient.shutdown();
        }
    }
}
