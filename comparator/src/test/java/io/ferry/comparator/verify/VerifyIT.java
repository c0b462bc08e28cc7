package io.ferry.comparator.verify;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code ferry verify}'s engine against two real redis-servers. */
class VerifyIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static RedisClient sourceClient;
    private static RedisClient targetClient;
    private static RedisCommands<String, String> source;
    private static RedisCommands<String, String> target;

    private static final VerifyOptions FAST =
            VerifyOptions.DEFAULTS.withRounds(3, Duration.ofMillis(100)).withSampleSize(100);

    @BeforeAll
    static void connect() {
        sourceClient = RedisClient.create(redis.source().uri());
        targetClient = RedisClient.create(redis.target().uri());
        source = sourceClient.connect().sync();
        target = targetClient.connect().sync();
    }

    @AfterAll
    static void close() {
        sourceClient.shutdown();
        targetClient.shutdown();
    }

    @BeforeEach
    void empty() {
        source.flushall();
        target.flushall();
    }

    private static VerifyReport verify(VerifyOptions options) throws Exception {
        return run(options, null, null);
    }

    private static VerifyReport run(VerifyOptions options, Throttle.Options throttle, Path state) throws Exception {
        return new VerifyRun(
                        RedisEndpoint.of("source", redis.source().uri()),
                        RedisEndpoint.of("target", redis.target().uri()),
                        List.of(),
                        options,
                        throttle,
                        state,
                        new SimpleMeterRegistry(),
                        null)
                .run();
    }

    /** Sets key:0 .. key:(count - 1) on the source to {@code valueExpression} (Lua, of i) in one script. */
    private static void fill(int count, String valueExpression) {
        source.eval(
                "for i = 0, " + (count - 1) + " do redis.call('SET', 'key:' .. i, " + valueExpression + ") end",
                io.lettuce.core.ScriptOutputType.STATUS);
    }

    /** Makes the target an exact copy of the source, the way Redis replication copies it. */
    private static void replicate() throws Exception {
        RedisServer from = redis.source();
        target.replicaof(from.host(), from.port());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> redis.target().info("master_link_status").equals("up")
                        && redis.target().info("master_sync_in_progress").equals("0"));
        target.replicaofNoOne();
        assertThat(target.dbsize()).isEqualTo(source.dbsize());
    }

    /** Keys of every type, small (listpack) and large (hashtable, quicklist), some with TTLs, some in db 3. */
    private static void dataset() {
        for (int i = 0; i < 300; i++) {
            source.set("string:" + i, "value-" + i);
            source.hset("hash:" + i, Map.of("a", "1", "b", "value-" + i));
            source.rpush("list:" + i, "x", "y", "z" + i);
            source.sadd("set:" + i, "m1", "m2", "m" + i);
            source.zadd("zset:" + i, 1.5, "a", 2.5, "b" + i);
        }
        for (int i = 0; i < 300; i++) {
            source.sadd("bigset", "member-" + i);
            source.hset("bighash", "field-" + i, "value-" + i);
            source.zadd("bigzset", i, "member-" + i);
            source.rpush("biglist", "item-" + i);
        }
        source.setex("ttl:1", 1000, "expires");
        source.xadd("stream", Map.of("f", "1"));
        source.xadd("stream", Map.of("f", "2"));
        source.xgroupCreate(XReadArgs.StreamOffset.from("stream", "0"), "group");
        source.xreadgroup(
                io.lettuce.core.Consumer.from("group", "alice"), XReadArgs.StreamOffset.lastConsumed("stream"));
        source.select(3);
        source.set("db3:key", "in db 3");
        source.select(0);
    }

    @Test
    void anExactCopyIsEqual() throws Exception {
        dataset();
        replicate();

        VerifyReport report = verify(FAST.withFindExtra(true));

        assertThat(report.exitStatus()).isEqualTo(VerifyReport.EQUAL);
        assertThat(report.checked()).isEqualTo(source.dbsize() + 1);
        assertThat(report.count(Verdict.EQUAL)).isEqualTo(report.checked());
        assertThat(report.firstPassMismatches()).isZero();
    }

    @Test
    void plantedDivergencesOfEachKindAreConfirmedWithTheirKind() throws Exception {
        dataset();
        replicate();
        target.set("string:1", "changed");
        target.hset("hash:2", "b", "changed");
        target.lset("list:3", 1, "changed");
        target.srem("bigset", "member-7");
        target.sadd("bigset", "member-x");
        target.zadd("bigzset", 99.5, "member-9");
        target.xadd("stream", Map.of("f", "3"));
        target.del("string:4");
        target.del("hash:5");
        target.set("extra:1", "only on the target");
        target.del("zset:6");
        target.set("zset:6", "now a string");
        target.expire("string:7", 5000);
        target.persist("ttl:1");
        target.select(3);
        target.set("db3:key", "changed in db 3");
        target.select(0);

        VerifyReport report = verify(FAST.withFindExtra(true));

        assertThat(report.exitStatus()).isEqualTo(VerifyReport.DIFFERENT);
        assertThat(report.confirmed())
                .containsEntry(Verdict.VALUE, 7L)
                .containsEntry(Verdict.MISSING, 2L)
                .containsEntry(Verdict.EXTRA, 1L)
                .containsEntry(Verdict.TYPE, 1L)
                .containsEntry(Verdict.TTL, 2L);
        assertThat(keys(report, Verdict.VALUE))
                .containsExactlyInAnyOrder("string:1", "hash:2", "list:3", "bigset", "bigzset", "stream", "db3:key");
        assertThat(keys(report, Verdict.MISSING)).containsExactlyInAnyOrder("string:4", "hash:5");
        assertThat(keys(report, Verdict.EXTRA)).containsExactly("extra:1");
        assertThat(keys(report, Verdict.TYPE)).containsExactly("zset:6");
        assertThat(keys(report, Verdict.TTL)).containsExactlyInAnyOrder("string:7", "ttl:1");
        Mismatch type = report.samples().get(Verdict.TYPE).get(0);
        assertThat(type.sourceType()).isEqualTo("zset");
        assertThat(type.targetType()).isEqualTo("string");
        assertThat(report.transientMismatches()).isZero();
    }

    private static List<String> keys(VerifyReport report, Verdict verdict) {
        return report.samples().getOrDefault(verdict, List.of()).stream()
                .map(m -> new String(m.key(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void theSameElementsInAnotherOrderAreNeverReported() throws Exception {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            members.add("member-" + i);
        }
        List<String> shuffled = new ArrayList<>(members);
        Collections.shuffle(shuffled, new Random(7));
        for (int size : new int[] {5, 100, 2000}) {
            for (String member : members.subList(0, size)) {
                source.sadd("set:" + size, member);
                source.hset("hash:" + size, member, "v" + member);
                source.zadd("zset:" + size, member.length(), member);
            }
            for (String member : shuffled) {
                if (members.indexOf(member) < size) {
                    target.sadd("set:" + size, member);
                    target.hset("hash:" + size, member, "v" + member);
                    target.zadd("zset:" + size, member.length(), member);
                }
            }
        }
        // Integers: an intset on one side, a hashtable converted back and forth on the other.
        source.sadd("ints", "1", "2", "3");
        target.sadd("ints", "3", "x", "2", "1");
        target.srem("ints", "x");

        VerifyReport report = verify(FAST.withFindExtra(true));

        assertThat(report.firstPassMismatches()).isZero();
        assertThat(report.exitStatus()).isEqualTo(VerifyReport.EQUAL);
        assertThat(report.checked()).isEqualTo(10);
    }

    @Test
    void scriptAndPipelinedReadsDigestEveryTypeAlike() throws Exception {
        dataset();
        source.sadd("binary", "\u0000a", "b\u00ff", "\u00ff", "");
        source.hset("binary-hash", Map.of("\u00ff", "x", "a", "\u0000"));
        List<byte[]> keys = new ArrayList<>();
        for (String key : source.keys("*")) {
            keys.add(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        io.lettuce.core.resource.ClientResources resources = io.lettuce.core.resource.ClientResources.create();
        try (RedisEndpoint.Client client =
                        RedisEndpoint.of("source", redis.source().uri()).open(resources);
                StatefulRedisConnection<byte[], byte[]> connection = client.connect()) {
            KeyReader scripted = new KeyReader("source", connection, 64 << 20, 100, true);
            KeyReader pipelined = new KeyReader("source", connection, 64 << 20, 100, true);
            pipelined.withoutScripts();
            List<KeyState> byScript = new ArrayList<>();
            List<KeyState> byPipeline = new ArrayList<>();
            while (byScript.size() < keys.size()) {
                byScript.addAll(scripted.read(keys.subList(byScript.size(), keys.size())));
            }
            while (byPipeline.size() < keys.size()) {
                byPipeline.addAll(pipelined.read(keys.subList(byPipeline.size(), keys.size())));
            }
            for (int i = 0; i < keys.size(); i++) {
                KeyState a = byScript.get(i);
                KeyState b = byPipeline.get(i);
                String key = new String(keys.get(i), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(b.type()).as(key).isEqualTo(a.type());
                assertThat(b.size()).as(key).isEqualTo(a.size());
                assertThat(b.expiryMillis()).as(key).isEqualTo(a.expiryMillis());
                if (!a.type().equals("zset")) {
                    // Sorted sets: the script digests the server's score text, the pipeline their DUMP.
                    assertThat(b.digest()).as("digest of %s", key).isEqualTo(a.digest());
                }
            }
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    @Test
    void bigKeysAreComparedInChunks() throws Exception {
        String big = "x".repeat(100_000);
        source.set("bigstring", big);
        target.set("bigstring", big);
        source.set("bigstring:2", big);
        target.set("bigstring:2", big.substring(0, 70_000) + "y" + big.substring(70_001));
        for (int i = 0; i < 5000; i++) {
            source.rpush("biglist", "item-" + i);
            target.rpush("biglist", i == 4321 ? "changed" : "item-" + i);
            source.hset("bighash", "f" + i, "v" + i);
            target.hset("bighash", "f" + i, "v" + i);
        }
        // Well below the values: nothing is DUMPed, every key is compared by its type's commands.
        VerifyOptions chunked = FAST.withBigKeys(1_000, 100, 4096);

        VerifyReport report = verify(chunked);

        assertThat(report.confirmed()).containsEntry(Verdict.VALUE, 2L).hasSize(1);
        assertThat(keys(report, Verdict.VALUE)).containsExactlyInAnyOrder("bigstring:2", "biglist");
        assertThat(report.samples().get(Verdict.VALUE).get(0).sourceDigest()).isNull();
    }

    @Test
    void expiriesWithinTheToleranceAreEqualAndKeysAboutToExpireAreNotMissing() throws Exception {
        source.set("close", "v", SetArgs.Builder.px(100_000));
        target.set("close", "v", SetArgs.Builder.px(100_800));
        source.set("far", "v", SetArgs.Builder.px(100_000));
        target.set("far", "v", SetArgs.Builder.px(130_000));
        // Expires within the 2 s tolerance, yet not before the verify (a few ms) reads it.
        source.set("expiring", "v", SetArgs.Builder.px(1_500));

        VerifyReport report =
                verify(FAST.withTtlTolerance(Duration.ofSeconds(2)).withRounds(1, Duration.ZERO));

        assertThat(report.count(Verdict.EXPIRING)).isEqualTo(1);
        assertThat(report.confirmed()).containsOnlyKeys(Verdict.TTL).containsEntry(Verdict.TTL, 1L);
        assertThat(keys(report, Verdict.TTL)).containsExactly("far");
    }

    @Test
    void writesInFlightAreTransientNotConfirmed() throws Exception {
        fill(20_000, "'0'");
        replicate();
        // A writer that updates the source and the target a moment later, as a dual write does.
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> done = writer.submit(() -> {
            try (StatefulRedisConnection<String, String> s = sourceClient.connect();
                    StatefulRedisConnection<String, String> t = targetClient.connect()) {
                Random random = new Random(1);
                while (writing.get()) {
                    String key = "key:" + random.nextInt(20_000);
                    String value = Long.toString(writes.incrementAndGet());
                    s.sync().set(key, value);
                    s.sync().set("key:0", value);
                    // The target write lags a little behind the source.
                    t.async().set(key, value).get(5, TimeUnit.SECONDS);
                    t.sync().set("key:0", value);
                }
            }
            return null;
        });
        await().until(() -> writes.get() > 100);
        VerifyReport report;
        try {
            report = verify(VerifyOptions.DEFAULTS
                    .withWindowKeys(50)
                    .withRounds(3, Duration.ofMillis(200))
                    .withSampleSize(100));
        } finally {
            writing.set(false);
            done.get(10, TimeUnit.SECONDS);
            writer.shutdown();
        }

        assertThat(writes.get()).isGreaterThan(100);
        assertThat(report.exitStatus()).isEqualTo(VerifyReport.EQUAL);
        assertThat(report.confirmed()).isEmpty();
        assertThat(report.transientMismatches()).isEqualTo(report.firstPassMismatches());
    }

    @Test
    void scriptsRefusedByAclGiveTheSameVerdicts() throws Exception {
        dataset();
        replicate();
        target.set("string:1", "changed");
        target.del("string:2");
        for (RedisCommands<String, String> side : List.of(source, target)) {
            side.aclSetuser(
                    "noscripts",
                    io.lettuce.core.AclSetuserArgs.Builder.on()
                            .addPassword("pw")
                            .allKeys()
                            .allCommands()
                            .removeCategory(io.lettuce.core.AclCategory.SCRIPTING));
        }
        VerifyReport report = new VerifyRun(
                        RedisEndpoint.of(
                                "source",
                                "redis://noscripts:pw@127.0.0.1:"
                                        + redis.source().port()),
                        RedisEndpoint.of(
                                "target",
                                "redis://noscripts:pw@127.0.0.1:"
                                        + redis.target().port()),
                        List.of(),
                        FAST,
                        null,
                        null,
                        new SimpleMeterRegistry(),
                        null)
                .run();

        assertThat(report.confirmed()).containsEntry(Verdict.VALUE, 1L).containsEntry(Verdict.MISSING, 1L);
        assertThat(report.count(Verdict.EQUAL)).isEqualTo(report.checked() - 2);
    }

    @Test
    void aStoppedVerifyResumesFromItsSavedPosition(@TempDir Path state) throws Exception {
        fill(30_000, "'v' .. i");
        replicate();
        target.set("key:29999", "changed");
        // Held to 5,000 keys/s so it can be stopped part-way.
        Throttle.Options slow = new Throttle.Options(Duration.ofSeconds(10), 10_000, 5_000, 100);
        VerifyRun first = new VerifyRun(
                RedisEndpoint.of("source", redis.source().uri()),
                RedisEndpoint.of("target", redis.target().uri()),
                List.of(),
                FAST.withWindowKeys(100),
                slow,
                state,
                new SimpleMeterRegistry(),
                null);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        Future<VerifyReport> running = runner.submit(first::run);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.progress().checked() > 10_000);
        first.stop();
        VerifyReport stopped = running.get(30, TimeUnit.SECONDS);
        runner.shutdown();
        assertThat(stopped.exitStatus()).isEqualTo(VerifyReport.INCOMPLETE);
        assertThat(stopped.checked()).isBetween(5_000L, 29_000L);

        VerifyRun second = new VerifyRun(
                RedisEndpoint.of("source", redis.source().uri()),
                RedisEndpoint.of("target", redis.target().uri()),
                List.of(),
                FAST.withWindowKeys(100),
                null,
                state,
                new SimpleMeterRegistry(),
                null);
        VerifyReport resumed = second.run();

        assertThat(second.progress().resumedFrom()).isGreaterThanOrEqualTo(5_000L);
        assertThat(resumed.exitStatus()).isEqualTo(VerifyReport.DIFFERENT);
        assertThat(resumed.checked()).isEqualTo(30_000);
        assertThat(keys(resumed, Verdict.VALUE)).containsExactly("key:29999");
    }
}
