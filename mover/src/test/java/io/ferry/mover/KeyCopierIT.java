package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Keys of every type, with and without TTLs, copied between two real redis-servers. */
class KeyCopierIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static ClientResources resources;
    private static RedisEndpoint.Client source;
    private static RedisEndpoint.Client target;
    private static StatefulRedisConnection<byte[], byte[]> sourceCopy;
    private static StatefulRedisConnection<byte[], byte[]> targetCopy;
    private static StatefulRedisConnection<String, String> sourceText;
    private static StatefulRedisConnection<String, String> targetText;

    @BeforeAll
    static void connect() {
        resources = DefaultClientResources.create();
        source = RedisEndpoint.of("source", redis.source().uri()).open(resources);
        target = RedisEndpoint.of("target", redis.target().uri()).open(resources);
        sourceCopy = source.connect();
        targetCopy = target.connect();
        sourceText = io.lettuce.core.RedisClient.create(
                        resources, redis.source().uri())
                .connect();
        targetText = io.lettuce.core.RedisClient.create(
                        resources, redis.target().uri())
                .connect();
    }

    @AfterAll
    static void close() {
        sourceCopy.close();
        targetCopy.close();
        sourceText.close();
        targetText.close();
        source.close();
        target.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @BeforeEach
    void empty() {
        sourceText.sync().flushall();
        targetText.sync().flushall();
    }

    private static KeyCopier copier(CopyOptions options) {
        return new KeyCopier(sourceCopy, targetCopy, ServerFacts.of(sourceCopy), ServerFacts.of(targetCopy), options);
    }

    private static List<byte[]> keys(String... names) {
        List<byte[]> keys = new ArrayList<>();
        for (String name : names) {
            keys.add(name.getBytes(StandardCharsets.UTF_8));
        }
        return keys;
    }

    @Test
    void everyTypeArrivesWithItsValueAndExpiry() throws Exception {
        RedisCommands<String, String> src = sourceText.sync();
        src.set("string", "v");
        src.rpush("list", "a", "b", "a");
        src.sadd("set", "x", "y");
        src.zadd("zset", 1.5, "m1");
        src.zadd("zset", -2, "m2");
        src.hset("hash", "f1", "v1");
        src.hset("hash", "f2", "v2");
        src.xadd("stream", "f", "1");
        src.xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from("stream", "0"), "group");
        src.xreadgroup(
                io.lettuce.core.Consumer.from("group", "c1"),
                io.lettuce.core.XReadArgs.StreamOffset.lastConsumed("stream"));
        List<String> names = new ArrayList<>(List.of("string", "list", "set", "zset", "hash", "stream"));
        for (String name : List.copyOf(names)) {
            src.copy(name, name + ":ttl");
            src.pexpire(name + ":ttl", 600_000 + names.size() * 1000L);
            names.add(name + ":ttl");
        }

        List<KeyCopier.Result> results = copier(CopyOptions.DEFAULTS).copy(keys(names.toArray(String[]::new)));

        assertThat(results).extracting(KeyCopier.Result::outcome).containsOnly(KeyOutcome.COPIED);
        RedisCommands<String, String> dst = targetText.sync();
        for (String name : names) {
            assertThat(dst.type(name)).as(name).isEqualTo(src.type(name));
            assertThat(dst.pexpiretime(name)).as("absolute expiry of %s", name).isEqualTo(src.pexpiretime(name));
        }
        assertThat(dst.get("string")).isEqualTo("v");
        assertThat(dst.lrange("list", 0, -1)).containsExactly("a", "b", "a");
        assertThat(dst.smembers("set")).containsExactlyInAnyOrder("x", "y");
        assertThat(dst.zrangeWithScores("zset", 0, -1)).isEqualTo(src.zrangeWithScores("zset", 0, -1));
        assertThat(dst.hgetall("hash")).isEqualTo(src.hgetall("hash"));
        assertThat(dst.xrange("stream", io.lettuce.core.Range.create("-", "+")))
                .isEqualTo(src.xrange("stream", io.lettuce.core.Range.create("-", "+")));
        assertThat(dst.xinfoGroups("stream")).isEqualTo(src.xinfoGroups("stream"));
        assertThat(dst.xpending("stream", "group").getCount()).isEqualTo(1);
        assertThat(dst.pexpiretime("string")).isEqualTo(-1);
    }

    @Test
    void sourcesThatRefuseScriptsAreCopiedWithPipelinedCommands() throws Exception {
        RedisCommands<String, String> src = sourceText.sync();
        src.aclSetuser(
                "noscripts",
                io.lettuce.core.AclSetuserArgs.Builder.on()
                        .addPassword("pw")
                        .allKeys()
                        .allCommands()
                        .removeCategory(io.lettuce.core.AclCategory.SCRIPTING));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            src.set("plain:" + i, "v" + i);
            src.hset("hash:" + i, "f", "v" + i);
            src.pexpire("hash:" + i, 600_000 + i);
            names.add("plain:" + i);
            names.add("hash:" + i);
        }
        src.set("existing", "source");
        targetText.sync().set("existing", "target");
        names.add("existing");
        RedisEndpoint.Client limited = RedisEndpoint.of(
                        "source",
                        "redis://noscripts:pw@127.0.0.1:" + redis.source().port())
                .open(resources);
        try (StatefulRedisConnection<byte[], byte[]> noScripts = limited.connect()) {
            KeyCopier copier = new KeyCopier(
                    noScripts,
                    targetCopy,
                    ServerFacts.of(noScripts),
                    ServerFacts.of(targetCopy),
                    CopyOptions.DEFAULTS.withConflictPolicy(ConflictPolicy.NONE).withWindowKeys(16));

            List<KeyCopier.Result> results = copier.copy(keys(names.toArray(String[]::new)));

            assertThat(results.subList(0, 100))
                    .extracting(KeyCopier.Result::outcome)
                    .containsOnly(KeyOutcome.COPIED);
            assertThat(results.get(100).outcome()).isEqualTo(KeyOutcome.SKIPPED);
        } finally {
            limited.close();
        }
        RedisCommands<String, String> dst = targetText.sync();
        assertThat(dst.get("plain:49")).isEqualTo("v49");
        assertThat(dst.hget("hash:7", "f")).isEqualTo("v7");
        assertThat(dst.pexpiretime("hash:7")).isEqualTo(src.pexpiretime("hash:7"));
        assertThat(dst.get("existing")).isEqualTo("target");
    }

    @Test
    void binaryKeysAndValuesArriveByteForByte() throws Exception {
        byte[] key = {(byte) 0xff, 0, '\r', '\n', (byte) 0x80};
        byte[] value = {0, 1, 2, (byte) 0xfe, '\r', '\n'};
        sourceCopy.sync().set(key, value);

        assertThat(copier(CopyOptions.DEFAULTS).copy(List.of(key)))
                .extracting(KeyCopier.Result::outcome)
                .containsExactly(KeyOutcome.COPIED);

        assertThat(targetCopy.sync().get(key)).isEqualTo(value);
    }

    @Test
    void aKeyGoneFromTheSourceIsReportedAsVanishedAndNotCreated() throws Exception {
        sourceText.sync().set("here", "1");

        List<KeyCopier.Result> results = copier(CopyOptions.DEFAULTS).copy(keys("here", "gone"));

        assertThat(results)
                .extracting(KeyCopier.Result::outcome)
                .containsExactly(KeyOutcome.COPIED, KeyOutcome.VANISHED);
        assertThat(targetText.sync().exists("gone")).isZero();
    }

    @Test
    void replaceOverwritesWhatTheTargetHeldAndItsTtl() throws Exception {
        sourceText.sync().set("k", "source");
        targetText.sync().setex("k", 100, "stale");

        copier(CopyOptions.DEFAULTS).copy(keys("k"));

        assertThat(targetText.sync().get("k")).isEqualTo("source");
        assertThat(targetText.sync().ttl("k")).isEqualTo(-1);
    }

    @Test
    void noneLeavesWhatTheTargetHeldAndSaysSo() throws Exception {
        sourceText.sync().set("k", "source");
        sourceText.sync().set("new", "n");
        targetText.sync().set("k", "target");

        List<KeyCopier.Result> results = copier(CopyOptions.DEFAULTS.withConflictPolicy(ConflictPolicy.NONE))
                .copy(keys("k", "new"));

        assertThat(results)
                .extracting(KeyCopier.Result::outcome)
                .containsExactly(KeyOutcome.SKIPPED, KeyOutcome.COPIED);
        assertThat(targetText.sync().get("k")).isEqualTo("target");
        assertThat(targetText.sync().get("new")).isEqualTo("n");
    }

    @Test
    void aRefusedRestoreIsAFailureWithTheServersError() throws Exception {
        sourceText.sync().set("k", "v");
        targetText.sync().configSet("maxmemory", "1");
        targetText.sync().configSet("maxmemory-policy", "noeviction");
        try {
            List<KeyCopier.Result> results = copier(CopyOptions.DEFAULTS).copy(keys("k"));

            assertThat(results).hasSize(1);
            assertThat(results.get(0).outcome()).isEqualTo(KeyOutcome.FAILED);
            assertThat(results.get(0).stage()).isEqualTo(io.ferry.schemas.Stage.RESTORE);
            assertThat(results.get(0).error()).startsWith("OOM");
        } finally {
            targetText.sync().configSet("maxmemory", "0");
        }
    }

    @Test
    void windowsSmallerThanTheBatchCopyEveryKeyInOrder() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            names.add("key:" + i);
            sourceText.sync().set("key:" + i, "value:" + i);
        }

        List<KeyCopier.Result> results =
                copier(CopyOptions.DEFAULTS.withWindowKeys(7)).copy(keys(names.toArray(String[]::new)));

        assertThat(results).hasSize(1_000).extracting(KeyCopier.Result::outcome).containsOnly(KeyOutcome.COPIED);
        assertThat(new String(results.get(999).key(), StandardCharsets.UTF_8)).isEqualTo("key:999");
        assertThat(targetText.sync().dbsize()).isEqualTo(1_000);
        assertThat(targetText.sync().get("key:500")).isEqualTo("value:500");
    }
}
