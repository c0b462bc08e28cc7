package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys copied with their type's own commands between real redis-servers: big keys in chunks, keys whose
 * DUMP the target refuses (a target whose RESTORE is renamed away), and MERGE into keys the target holds.
 */
class ChunkedCopyIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static ClientResources resources;
    private static RedisServer noRestore;
    private static final List<AutoCloseable> closing = new ArrayList<>();
    private static StatefulRedisConnection<byte[], byte[]> sourceCopy;
    private static StatefulRedisConnection<byte[], byte[]> targetCopy;
    private static StatefulRedisConnection<byte[], byte[]> noRestoreCopy;
    private static RedisCommands<byte[], byte[]> src;
    private static RedisCommands<byte[], byte[]> dst;
    private static RedisCommands<byte[], byte[]> old;

    @BeforeAll
    static void connect() {
        resources = DefaultClientResources.create();
        noRestore = redis.start("no-restore", "--rename-command", "RESTORE", "RESTORE-DISABLED-BY-TEST");
        sourceCopy = open("source", redis.source());
        targetCopy = open("target", redis.target());
        noRestoreCopy = open("target", noRestore);
        src = text(redis.source());
        dst = text(redis.target());
        old = text(noRestore);
    }

    private static StatefulRedisConnection<byte[], byte[]> open(String role, RedisServer server) {
        RedisEndpoint.Client client = RedisEndpoint.of(role, server.uri()).open(resources);
        closing.add(client);
        StatefulRedisConnection<byte[], byte[]> connection = client.connect();
        closing.add(connection);
        return connection;
    }

    private static RedisCommands<byte[], byte[]> text(RedisServer server) {
        StatefulRedisConnection<byte[], byte[]> connection =
                RedisClient.create(resources, server.uri()).connect(ByteArrayCodec.INSTANCE);
        closing.add(connection);
        return connection.sync();
    }

    @AfterAll
    static void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @BeforeEach
    void empty() {
        src.flushall();
        dst.flushall();
        old.flushall();
    }

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> keys(String... names) {
        return Arrays.stream(names).map(ChunkedCopyIT::b).toList();
    }

    /** Big keys of every type, each over several chunks, and a small key in the same window. */
    private static List<String> loadBigKeys() {
        Random random = new Random(7);
        Map<byte[], byte[]> fields = new HashMap<>();
        for (int i = 0; i < 2500; i++) {
            fields.put(b("field:" + i), b("value:" + i + ":" + random.nextInt()));
        }
        src.hset(b("big:hash"), fields);
        src.hset(b("{user:1}:big"), fields);
        for (int i = 0; i < 2500; i++) {
            src.sadd(b("big:set"), b("member:" + i));
            src.rpush(b("big:list"), b("item:" + (i % 700)));
            src.zadd(b("big:zset"), i / 3.0 + 0.1, b("m:" + i));
        }
        src.zadd(b("big:zset"), Double.POSITIVE_INFINITY, b("top"));
        src.zadd(b("big:zset"), Double.NEGATIVE_INFINITY, b("bottom"));
        src.zadd(b("big:zset"), 1e-300, b("tiny"));
        byte[] blob = new byte[3 * 1024 * 1024 + 17];
        random.nextBytes(blob);
        src.set(b("big:string"), blob);
        for (int i = 0; i < 1200; i++) {
            src.xadd(b("big:stream"), Map.of(b("n"), b(String.valueOf(i)), b("pad"), b("x".repeat(40))));
        }
        src.xgroupCreate(StreamOffset.from(b("big:stream"), "0"), b("readers"));
        src.xgroupCreate(StreamOffset.from(b("big:stream"), "$"), b("late"));
        src.xreadgroup(
                Consumer.from(b("readers"), b("alice")),
                io.lettuce.core.XReadArgs.Builder.count(300),
                StreamOffset.lastConsumed(b("big:stream")));
        src.xreadgroup(
                Consumer.from(b("readers"), b("bob")),
                io.lettuce.core.XReadArgs.Builder.count(150),
                StreamOffset.lastConsumed(b("big:stream")));
        List<io.lettuce.core.StreamMessage<byte[], byte[]>> first = src.xrange(b("big:stream"), Range.create("-", "+"));
        src.xack(
                b("big:stream"),
                b("readers"),
                first.get(0).getId(),
                first.get(1).getId());
        // Deleted entries nobody has pending (a pending entry whose message is gone cannot be recreated
        // with commands: XCLAIM drops it; see docs/copy.md).
        src.xdel(
                b("big:stream"),
                first.get(1000).getId(),
                first.get(first.size() - 1).getId());
        // A stream whose entries were all deleted still exists, with its last ID and group.
        String gone = src.xadd(b("empty:stream"), Map.of(b("f"), b("v")));
        src.xgroupCreate(StreamOffset.from(b("empty:stream"), "$"), b("g"));
        src.xdel(b("empty:stream"), gone);
        src.set(b("small"), b("v"));
        List<String> names =
                List.of("big:hash", "{user:1}:big", "big:set", "big:list", "big:zset", "big:string", "big:stream");
        long at = System.currentTimeMillis() + 3_600_000;
        for (String name : names) {
            src.pexpireat(b(name), at + name.length());
        }
        List<String> all = new ArrayList<>(names);
        all.add("empty:stream");
        all.add("small");
        return all;
    }

    private static CopyOptions bigOptions(ConflictPolicy policy) {
        return CopyOptions.DEFAULTS
                .withConflictPolicy(policy)
                .withBigKeyBytes(4096)
                .withChunks(100, 64 * 1024);
    }

    @Test
    void bigKeysArriveWholeWithTheirExpiryAndNoTemporaryKeyIsLeft() throws Exception {
        List<String> names = loadBigKeys();
        KeyCopier copier = new KeyCopier(
                sourceCopy,
                targetCopy,
                ServerFacts.of(sourceCopy),
                ServerFacts.of(targetCopy),
                bigOptions(ConflictPolicy.REPLACE));

        List<KeyCopier.Result> results = copier.copy(keys(names.toArray(String[]::new)));

        assertThat(results).extracting(KeyCopier.Result::outcome).containsOnly(KeyOutcome.COPIED);
        for (KeyCopier.Result result : results) {
            String name = new String(result.key(), StandardCharsets.UTF_8);
            if (name.equals("small")) {
                assertThat(result.via()).as("how %s was copied", name).isEqualTo(KeyCopier.Via.DUMP);
            } else if (!name.equals("empty:stream")) {
                assertThat(result.via()).as("how %s was copied", name).isEqualTo(KeyCopier.Via.CHUNKS);
            }
            assertSameKey(dst, name);
        }
        assertThat(dst.keys("*ferry-tmp*"))
                .as("temporary keys left on the target")
                .isEmpty();
        assertThat(dst.dbsize()).isEqualTo(src.dbsize());
    }

    @Test
    void aBigKeyAlreadyOnTheTargetIsLeftUnderNone() throws Exception {
        loadBigKeys();
        dst.hset(b("big:hash"), b("mine"), b("keep"));
        KeyCopier copier = new KeyCopier(
                sourceCopy,
                targetCopy,
                ServerFacts.of(sourceCopy),
                ServerFacts.of(targetCopy),
                bigOptions(ConflictPolicy.NONE));

        List<KeyCopier.Result> results = copier.copy(keys("big:hash", "big:set"));

        assertThat(results)
                .extracting(KeyCopier.Result::outcome)
                .containsExactly(KeyOutcome.SKIPPED, KeyOutcome.COPIED);
        assertThat(dst.hgetall(b("big:hash"))).hasSize(1);
        assertSameKey(dst, "big:set");
    }

    @Test
    void aTargetThatRefusesDumpPayloadsGetsEveryTypeByItsCommands() throws Exception {
        List<String> names = loadBigKeys();
        KeyCopier copier = new KeyCopier(
                sourceCopy,
                noRestoreCopy,
                ServerFacts.of(sourceCopy),
                ServerFacts.of(noRestoreCopy),
                CopyOptions.DEFAULTS);

        List<KeyCopier.Result> results = copier.copy(keys(names.toArray(String[]::new)));

        assertThat(results).extracting(KeyCopier.Result::outcome).containsOnly(KeyOutcome.COPIED);
        assertThat(results).extracting(KeyCopier.Result::via).containsOnly(KeyCopier.Via.FALLBACK);
        assertThat(results.get(0).refusal()).containsIgnoringCase("unknown").containsIgnoringCase("command");
        for (String name : names) {
            assertSameKey(old, name);
        }
        assertThat(old.keys("*ferry-tmp*")).isEmpty();
    }

    @Test
    void mergeCombinesCollectionsReplacesStringsAndRefusesMixedTypes() throws Exception {
        src.hset(b("hash"), Map.of(b("shared"), b("from-source"), b("only-source"), b("s")));
        dst.hset(b("hash"), Map.of(b("shared"), b("from-target"), b("only-target"), b("t")));
        src.rpush(b("list"), b("s1"), b("s2"));
        dst.rpush(b("list"), b("t1"));
        src.sadd(b("set"), b("a"), b("b"));
        dst.sadd(b("set"), b("b"), b("c"));
        src.zadd(b("zset"), 5, b("shared"));
        dst.zadd(b("zset"), 1, b("shared"));
        dst.zadd(b("zset"), 2, b("only-target"));
        src.set(b("string"), b("source"));
        dst.set(b("string"), b("target"));
        src.sadd(b("mixed"), b("member"));
        dst.set(b("mixed"), b("text"));
        src.rpush(b("new"), b("x"));
        src.pexpire(b("set"), 600_000);
        List<CopyOptions> rounds = List.of(
                CopyOptions.DEFAULTS.withConflictPolicy(ConflictPolicy.MERGE),
                bigOptions(ConflictPolicy.MERGE).withBigKeyBytes(1));
        for (int round = 0; round < rounds.size(); round++) {
            CopyOptions options = rounds.get(round);
            KeyCopier copier = new KeyCopier(
                    sourceCopy, targetCopy, ServerFacts.of(sourceCopy), ServerFacts.of(targetCopy), options);

            List<KeyCopier.Result> results = copier.copy(keys("hash", "list", "set", "zset", "string", "mixed", "new"));

            assertThat(results)
                    .extracting(KeyCopier.Result::outcome)
                    .containsExactly(
                            KeyOutcome.MERGED,
                            KeyOutcome.MERGED,
                            KeyOutcome.MERGED,
                            KeyOutcome.MERGED,
                            KeyOutcome.REPLACED_ON_MERGE,
                            KeyOutcome.FAILED,
                            // The second round finds "new" on the target: merged (appended).
                            round == 0 ? KeyOutcome.COPIED : KeyOutcome.MERGED);
            assertThat(results.get(5).error())
                    .contains("MERGE cannot combine the target's string with the source's set");
            assertThat(dst.hget(b("hash"), b("shared")))
                    .as("a field the target has is kept")
                    .isEqualTo(b("from-target"));
            assertThat(dst.hget(b("hash"), b("only-source"))).isEqualTo(b("s"));
            assertThat(dst.hget(b("hash"), b("only-target"))).isEqualTo(b("t"));
            assertThat(dst.smembers(b("set"))).extracting(String::new).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(dst.pexpiretime(b("set")))
                    .as("the merged key takes the source's expiry")
                    .isEqualTo(src.pexpiretime(b("set")));
            assertThat(dst.zscore(b("zset"), b("shared"))).isEqualTo(5.0);
            assertThat(dst.zscore(b("zset"), b("only-target"))).isEqualTo(2.0);
            assertThat(dst.get(b("string"))).isEqualTo(b("source"));
            assertThat(dst.get(b("mixed"))).isEqualTo(b("text"));
        }
        // Lists are concatenated on every merge: twice here, once per round.
        assertThat(dst.lrange(b("list"), 0, -1)).extracting(String::new).containsExactly("t1", "s1", "s2", "s1", "s2");
    }

    @Test
    void temporaryKeysShareTheKeysClusterSlot() {
        for (String name : List.of("plain", "{user:1}:cart", "a{b}c{d}", "k\u00e9y")) {
            byte[] key = b(name);
            assertThat(io.lettuce.core.cluster.SlotHash.getSlot(ChunkedCopier.tempKey(key)))
                    .as("slot of the temporary key of %s", name)
                    .isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot(key));
        }
        // Keys whose hashed part contains a brace cannot be wrapped in a tag: the suffix is appended.
        for (String name : List.of("{}x", "x{", "a}b")) {
            assertThat(new String(ChunkedCopier.tempKey(b(name)), StandardCharsets.UTF_8))
                    .startsWith(name + ChunkedCopier.TEMP_MARK);
        }
        assertThat(ChunkedCopier.nextId("5-1")).isEqualTo("5-2");
        assertThat(ChunkedCopier.nextId("5-18446744073709551615")).isEqualTo("6-0");
    }

    /** The target holds what the source holds under {@code name}: type, value, expiry (and stream state). */
    private static void assertSameKey(RedisCommands<byte[], byte[]> target, String name) {
        byte[] key = b(name);
        String type = src.type(key);
        assertThat(target.type(key)).as("type of %s", name).isEqualTo(type);
        assertThat(target.pexpiretime(key)).as("absolute expiry of %s", name).isEqualTo(src.pexpiretime(key));
        switch (type) {
            case "string" -> assertThat(target.get(key)).as(name).isEqualTo(src.get(key));
            case "hash" -> assertThat(text(target.hgetall(key))).as(name).isEqualTo(text(src.hgetall(key)));
            case "set" -> assertThat(text(target.smembers(key))).as(name).isEqualTo(text(src.smembers(key)));
            case "list" -> assertThat(text(target.lrange(key, 0, -1))).as(name).isEqualTo(text(src.lrange(key, 0, -1)));
            case "zset" -> assertThat(scored(target, key)).as(name).isEqualTo(scored(src, key));
            case "stream" -> {
                assertThat(entries(target, key)).as(name).isEqualTo(entries(src, key));
                assertThat(streamState(target, key))
                        .as("stream state of %s", name)
                        .isEqualTo(streamState(src, key));
            }
            default -> throw new AssertionError("unexpected type " + type);
        }
    }

    private static List<String> scored(RedisCommands<byte[], byte[]> redis, byte[] key) {
        return redis.zrangeWithScores(key, 0, -1).stream()
                .map(v -> show(v.getValue()) + "=" + v.getScore())
                .toList();
    }

    private static List<String> entries(RedisCommands<byte[], byte[]> redis, byte[] key) {
        return redis.xrange(key, Range.create("-", "+")).stream()
                .map(m -> m.getId() + text(m.getBody()))
                .toList();
    }

    /** Last ID, counters, groups with their positions, and each group's pending entries. */
    private static String streamState(RedisCommands<byte[], byte[]> redis, byte[] key) {
        StringBuilder state = new StringBuilder();
        List<Object> info = redis.xinfoStream(key);
        for (int i = 0; i < info.size(); i += 2) {
            String field = new String((byte[]) info.get(i), StandardCharsets.UTF_8);
            if (List.of("length", "last-generated-id", "max-deleted-entry-id", "entries-added")
                    .contains(field)) {
                state.append(field).append('=').append(show(info.get(i + 1))).append(' ');
            }
        }
        for (Object group : redis.xinfoGroups(key)) {
            List<?> g = (List<?>) group;
            for (int i = 0; i < g.size(); i += 2) {
                state.append(show(g.get(i)))
                        .append('=')
                        .append(show(g.get(i + 1)))
                        .append(' ');
            }
            byte[] name = (byte[]) g.get(1);
            for (var pending : redis.xpending(key, name, Range.create("-", "+"), io.lettuce.core.Limit.from(10_000))) {
                state.append(pending.getId())
                        .append('@')
                        .append(pending.getConsumer())
                        .append('#')
                        .append(pending.getRedeliveryCount())
                        .append(' ');
            }
        }
        return state.toString();
    }

    private static String show(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static Object text(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, String> out = new HashMap<>();
            map.forEach((k, v) -> out.put(show(k), show(v)));
            return out;
        }
        if (value instanceof java.util.Set<?> set) {
            return set.stream().map(ChunkedCopyIT::show).collect(java.util.stream.Collectors.toSet());
        }
        return ((List<?>) value).stream().map(ChunkedCopyIT::show).toList();
    }
}
