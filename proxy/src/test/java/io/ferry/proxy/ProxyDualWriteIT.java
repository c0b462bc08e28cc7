package io.ferry.proxy;

import io.ferry.proxy.route.KeySlice;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.Phase;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A proxy with a target: every write policy and read mode against a real source and target, what a
 * client sees and what each side holds afterwards; connection-bound commands under dual-write; route
 * changes while clients write (a canary walk); a paused target.
 */
class ProxyDualWriteIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static RedisClient lettuce;
    static RedisClient lettuce3;
    static RedisCommands<String, String> source;
    static RedisCommands<String, String> target;
    static StatefulRedisConnection<String, String> sourceConnection;
    static StatefulRedisConnection<String, String> targetConnection;

    @BeforeAll
    static void start() {
        lettuce = ProxyHarness.client(ProtocolVersion.RESP2);
        lettuce3 = ProxyHarness.client(ProtocolVersion.RESP3);
        sourceConnection =
                lettuce.connect(io.lettuce.core.RedisURI.create(redis.source().uri()));
        targetConnection =
                lettuce.connect(io.lettuce.core.RedisURI.create(redis.target().uri()));
        source = sourceConnection.sync();
        target = targetConnection.sync();
    }

    @AfterAll
    static void stop() {
        sourceConnection.close();
        targetConnection.close();
        lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        lettuce3.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @BeforeEach
    void flush() {
        redis.source().flushAll();
        redis.target().flushAll();
    }

    static ProxyServer proxy(WritePolicy policy, ReadMode mode, int ratio) throws InterruptedException {
        return proxy(policy, mode, ratio, Duration.ofSeconds(2));
    }

    static ProxyServer proxy(WritePolicy policy, ReadMode mode, int ratio, Duration mirrorTimeout)
            throws InterruptedException {
        return ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                .target(RedisUri.parse(redis.target().uri()), policy, mode, ratio)
                .mirrorTimeout(mirrorTimeout)
                .build());
    }

    static StatefulRedisConnection<String, String> connect(ProxyServer proxy) {
        return lettuce.connect(ProxyHarness.uri(proxy));
    }

    // --- write policies ---

    @Test
    void sourceAuthoritativeWritesBothSidesAndAnswersFromTheSource() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            target.set("counter", "100");
            assertThat(client.sync().incr("counter")).as("the source's reply").isEqualTo(1L);
            client.sync().set("k", "v");
            client.sync().hset("h", "f", "1");
            client.sync().del("nothing");
            assertThat(source.get("k")).isEqualTo("v");
            assertThat(target.get("k")).isEqualTo("v");
            assertThat(target.hget("h", "f")).isEqualTo("1");
            assertThat(target.get("counter"))
                    .as("the write reached the target too")
                    .isEqualTo("101");
        }
    }

    @Test
    void bestEffortWritesBothSides() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.BEST_EFFORT, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("k", "v");
            client.sync().rpush("list", "a", "b");
            await().atMost(Duration.ofSeconds(5)).until(() -> target.llen("list") == 2);
            assertThat(target.get("k")).isEqualTo("v");
            assertThat(source.lrange("list", 0, -1)).containsExactly("a", "b");
        }
    }

    @Test
    void bothRequiredFailsWithTheSideThatFailed() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.BOTH_REQUIRED, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("k", "v");
            assertThat(target.get("k")).isEqualTo("v");
            // The target holds a string where the source has nothing: the push fails there only.
            target.set("list", "not a list");
            assertThatThrownBy(() -> client.sync().rpush("list", "a"))
                    .isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessageContaining("failed on the target")
                    .hasMessageContaining("WRONGTYPE");
            // An error both sides give alike is the application's own error, passed on as it is.
            source.set("s", "x");
            target.set("s", "x");
            assertThatThrownBy(() -> client.sync().lpush("s", "a"))
                    .isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessageStartingWith("WRONGTYPE");
            assertThat(client.sync().get("k")).isEqualTo("v");
        }
    }

    @Test
    void targetAuthoritativeAnswersFromTheTargetAndStillWritesTheSource() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.TARGET_AUTHORITATIVE, ReadMode.TARGET, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            target.set("counter", "100");
            assertThat(client.sync().incr("counter")).as("the target's reply").isEqualTo(101L);
            // The source's copy of a write is mirrored: it lands a moment after the client's reply.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(source.get("counter"))
                    .as("the source is kept for rollback")
                    .isEqualTo("1"));
            client.sync().set("k", "v");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v".equals(source.get("k")));
            assertThat(client.sync().get("counter")).isEqualTo("101");
        }
    }

    @Test
    void targetOnlyLeavesTheSourceAlone() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.TARGET_ONLY, ReadMode.TARGET, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("k", "v");
            assertThat(target.get("k")).isEqualTo("v");
            assertThat(source.exists("k")).isZero();
            assertThat(client.sync().get("k")).isEqualTo("v");
        }
    }

    @Test
    void sourceOnlyLeavesTheTargetAlone() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_ONLY, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("k", "v");
            assertThat(source.get("k")).isEqualTo("v");
            assertThat(target.exists("k")).isZero();
        }
    }

    // --- read modes ---

    @ParameterizedTest
    @EnumSource(
            value = ReadMode.class,
            names = {"SOURCE", "TARGET"})
    void readsComeFromTheSideTheModeNames(ReadMode mode) throws Exception {
        source.set("k", "from-source");
        target.set("k", "from-target");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, mode, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            assertThat(client.sync().get("k")).isEqualTo(mode == ReadMode.SOURCE ? "from-source" : "from-target");
        }
    }

    @Test
    void ratioReadsEachKeyFromTheSideItsHashPicksAndKeepsPipelineOrder() throws Exception {
        int keys = 400;
        for (int i = 0; i < keys; i++) {
            source.set("key:" + i, "source-" + i);
            target.set("key:" + i, "target-" + i);
        }
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 40);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            // Pipelined: replies from both sides, each to the command that asked.
            RedisAsyncCommands<String, String> async = client.async();
            List<RedisFuture<String>> replies = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < keys; i++) {
                    replies.add(async.get("key:" + i));
                }
            }
            int fromTarget = 0;
            for (int n = 0; n < replies.size(); n++) {
                int i = n % keys;
                byte[] key = ("key:" + i).getBytes(StandardCharsets.UTF_8);
                boolean targetSide = KeySlice.bucket(key) < 40 * 100;
                String expected = (targetSide ? "target-" : "source-") + i;
                assertThat(replies.get(n).get(10, TimeUnit.SECONDS))
                        .as("GET key:%d", i)
                        .isEqualTo(expected);
                fromTarget += targetSide && n < keys ? 1 : 0;
            }
            assertThat(fromTarget).as("share of keys read from the target").isBetween(keys * 30 / 100, keys * 50 / 100);
        }
    }

    @Test
    void fallbackOnMissReadsTheSourceWhenTheTargetHasNothing() throws Exception {
        source.set("only-source", "s");
        source.set("both", "s");
        target.set("both", "t");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.FALLBACK_ON_MISS, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            RedisAsyncCommands<String, String> async = client.async();
            RedisFuture<String> missing = async.get("only-source");
            RedisFuture<String> both = async.get("both");
            RedisFuture<String> nowhere = async.get("nowhere");
            assertThat(missing.get(5, TimeUnit.SECONDS)).isEqualTo("s");
            assertThat(both.get(5, TimeUnit.SECONDS)).isEqualTo("t");
            assertThat(nowhere.get(5, TimeUnit.SECONDS)).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = ReadMode.class,
            names = {"VERSION_COMPARE", "REPLICATED"})
    void comparingModesServeTheSourceAndCountDivergences(ReadMode mode) throws Exception {
        source.set("same", "x");
        target.set("same", "x");
        source.set("differs", "new");
        target.set("differs", "old");
        source.sadd("set", "a", "b", "c");
        target.sadd("set", "c", "b", "a");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, mode, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            assertThat(client.sync().get("same")).isEqualTo("x");
            assertThat(client.sync().smembers("set")).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(client.sync().get("differs")).isEqualTo("new");
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.divergences() == 1);
            long repairs = proxy.repairsFlagged();
            assertThat(repairs).as("repairs requested").isEqualTo(mode == ReadMode.VERSION_COMPARE ? 1 : 0);
        }
    }

    // --- connection-bound commands under dual-write ---

    @Test
    void selectAppliesToBothSides() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().select(3);
            client.sync().set("in-3", "v");
            sourceConnection.sync().select(3);
            targetConnection.sync().select(3);
            try {
                assertThat(source.get("in-3")).isEqualTo("v");
                assertThat(target.get("in-3")).isEqualTo("v");
            } finally {
                sourceConnection.sync().select(0);
                targetConnection.sync().select(0);
            }
            assertThat(source.exists("in-3")).isZero();
            assertThat(target.exists("in-3")).isZero();
        }
    }

    @Test
    void transactionsRunOnTheAuthoritativeSideAndTheirKeysAreFlaggedForRepair() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            RedisCommands<String, String> sync = client.sync();
            sync.multi();
            sync.set("tx", "1");
            sync.incr("tx");
            assertThat(sync.exec().wasDiscarded()).isFalse();
            assertThat(source.get("tx")).isEqualTo("2");
            assertThat(target.exists("tx")).as("not replayed on the target").isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.repairsFlagged() >= 2);
            // After EXEC the client is not pinned any more: its writes reach both sides again.
            sync.set("after", "v");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v".equals(target.get("after")));
        }
    }

    @Test
    void resp3ClientGetsResp3RepliesFromBothSides() throws Exception {
        source.hset("h", "f", "s");
        target.hset("h", "f", "t");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.TARGET, 0);
                StatefulRedisConnection<String, String> client = lettuce3.connect(ProxyHarness.uri(proxy))) {
            assertThat(client.sync().hgetall("h")).containsEntry("f", "t");
            client.sync().hset("h", "g", "1");
            assertThat(source.hget("h", "g")).isEqualTo("1");
            assertThat(client.sync().hgetall("h")).containsEntry("g", "1");
        }
    }

    @Test
    void subscribersStayOnOneSideAndPublishReachesBoth() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> publisher = connect(proxy);
                io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> viaProxy =
                        lettuce.connectPubSub(ProxyHarness.uri(proxy));
                io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> onTarget = lettuce.connectPubSub(
                        io.lettuce.core.RedisURI.create(redis.target().uri()))) {
            java.util.concurrent.BlockingQueue<String> heardViaProxy = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.BlockingQueue<String> heardOnTarget = new java.util.concurrent.LinkedBlockingQueue<>();
            viaProxy.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    heardViaProxy.add(message);
                }
            });
            onTarget.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    heardOnTarget.add(message);
                }
            });
            viaProxy.sync().subscribe("news");
            onTarget.sync().subscribe("news");
            // The proxy's subscriber is on the source only: one subscriber there.
            assertThat(publisher.sync().publish("news", "hello")).isEqualTo(1L);
            assertThat(heardViaProxy.poll(5, TimeUnit.SECONDS)).isEqualTo("hello");
            assertThat(heardOnTarget.poll(5, TimeUnit.SECONDS))
                    .as("PUBLISH reached the target")
                    .isEqualTo("hello");
            assertThat(heardViaProxy.poll(200, TimeUnit.MILLISECONDS))
                    .as("heard once")
                    .isNull();
        }
    }

    @Test
    void blockingPopsRunOnTheAuthoritativeSideAndAreFlaggedForRepair() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().rpush("queue", "a", "b");
            // The mirrored write may still be on its way when the source's reply is the client's.
            await().atMost(Duration.ofSeconds(5)).until(() -> target.llen("queue") == 2);
            assertThat(client.sync().blpop(1, "queue").getValue()).isEqualTo("a");
            assertThat(source.lrange("queue", 0, -1)).containsExactly("b");
            assertThat(target.lrange("queue", 0, -1))
                    .as("left for the reconciler")
                    .containsExactly("a", "b");
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.repairsFlagged() >= 1);
            // The client has its own connections now; its writes still reach both sides.
            client.sync().set("after", "v");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v".equals(target.get("after")));
        }
    }

    @Test
    void userByUserServesEachTenantFromItsSide() throws Exception {
        source.set("orders:1", "source");
        target.set("orders:1", "target");
        source.set("users:1", "source");
        target.set("users:1", "target");
        source.set("other", "source");
        target.set("other", "target");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            MigrationState state = state(1, 0);
            state.setStrategy(Strategy.USER_BY_USER);
            state.setReadMode(ReadMode.SOURCE);
            state.setTenants(List.of(
                    new io.ferry.schemas.TenantRule("orders-team", List.of("orders:"), io.ferry.schemas.Side.TARGET),
                    new io.ferry.schemas.TenantRule("users-team", List.of("users:*"), io.ferry.schemas.Side.SOURCE)));
            assertThat(proxy.applyState(state)).isTrue();
            assertThat(client.sync().get("orders:1")).isEqualTo("target");
            assertThat(client.sync().get("users:1")).isEqualTo("source");
            assertThat(client.sync().get("other"))
                    .as("no tenant: the authoritative side")
                    .isEqualTo("source");
        }
    }

    @Test
    void shadowNeverServesTheTargetAndRollbackLosesNothing() throws Exception {
        source.set("k", "source");
        target.set("k", "target");
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0);
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            MigrationState shadow = state(1, 100);
            shadow.setStrategy(Strategy.SHADOW);
            shadow.setReadMode(ReadMode.TARGET);
            assertThat(proxy.applyState(shadow)).isTrue();
            assertThat(client.sync().get("k"))
                    .as("shadow: the target never serves")
                    .isEqualTo("source");

            MigrationState cutOver = state(2, 100);
            cutOver.setStrategy(Strategy.BIG_BANG);
            cutOver.setReadMode(ReadMode.TARGET);
            cutOver.setWritePolicy(WritePolicy.TARGET_AUTHORITATIVE);
            assertThat(proxy.applyState(cutOver)).isTrue();
            assertThat(client.sync().get("k")).isEqualTo("target");
            client.sync().set("written-after-cut-over", "v");

            MigrationState rollback = state(3, 0);
            rollback.setStrategy(Strategy.BIG_BANG);
            rollback.setReadMode(ReadMode.SOURCE);
            rollback.setPhase(Phase.ROLLBACK);
            assertThat(proxy.applyState(rollback)).isTrue();
            assertThat(client.sync().get("written-after-cut-over"))
                    .as("nothing lost by the rollback")
                    .isEqualTo("v");
            assertThat(client.sync().get("k")).isEqualTo("source");
        }
    }

    @Test
    void aStateThatWouldLoseWritesIsRefused() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0)) {
            MigrationState unsafe = state(5, 0);
            unsafe.setStrategy(Strategy.BIG_BANG);
            unsafe.setReadMode(ReadMode.TARGET);
            unsafe.setWritePolicy(WritePolicy.SOURCE_ONLY);
            assertThatThrownBy(() -> proxy.applyState(unsafe))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SOURCE_ONLY");
            assertThat(proxy.route().writePolicy()).isEqualTo(WritePolicy.SOURCE_AUTHORITATIVE);
        }
    }

    @Test
    void passwordProtectedSidesWithResp3HelloAuth() throws Exception {
        RedisServer securedSource = redis.start("secured-source", "--requirepass", "source-secret");
        RedisServer securedTarget = redis.start("secured-target", "--requirepass", "target-secret");
        String sourceUri = "redis://:source-secret@127.0.0.1:" + securedSource.port();
        String targetUri = "redis://:target-secret@127.0.0.1:" + securedTarget.port();
        try (ProxyServer proxy = ProxyServer.start(ProxyHarness.config(sourceUri).toBuilder()
                        .target(RedisUri.parse(targetUri), WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.TARGET, 0)
                        .build());
                StatefulRedisConnection<String, String> client = lettuce3.connect(io.lettuce.core.RedisURI.builder()
                        .withHost("127.0.0.1")
                        .withPort(proxy.address().getPort())
                        .withPassword("source-secret".toCharArray())
                        .withTimeout(Duration.ofSeconds(10))
                        .build())) {
            client.sync().hset("h", "f", "v");
            // Read from the target over a connection that got HELLO 3 replayed: a RESP3 map.
            assertThat(client.sync().hgetall("h")).containsEntry("f", "v");
            assertThat(client.sync().select(2)).isEqualTo("OK");
            client.sync().set("in-2", "v");
            assertThat(client.sync().get("in-2")).isEqualTo("v");
        }
    }

    // --- route changes and faults ---

    @Test
    void canaryWalkThereAndBackWhileAClientWritesLeavesBothSidesEqual() throws Exception {
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 0);
                StatefulRedisConnection<String, String> writer = connect(proxy);
                StatefulRedisConnection<String, String> reader = connect(proxy)) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            AtomicInteger readErrors = new AtomicInteger();
            Thread writing = new Thread(() -> {
                long n = 0;
                while (running.get()) {
                    String key = "walk:" + (n % 500);
                    writer.sync().set(key, "v" + n);
                    String read = reader.sync().get(key);
                    if (!("v" + n).equals(read)) {
                        readErrors.incrementAndGet();
                    }
                    n++;
                    written.set(n);
                }
            });
            writing.start();
            long epoch = 1;
            for (int ratio : new int[] {5, 20, 40, 80, 100, 40, 0}) {
                long before = written.get();
                assertThat(proxy.applyState(state(epoch++, ratio))).isTrue();
                assertThat(proxy.route().ratioPercent()).isEqualTo(ratio);
                await().atMost(Duration.ofSeconds(10)).until(() -> written.get() > before + 200);
            }
            running.set(false);
            writing.join(10_000);
            assertThat(readErrors.get())
                    .as("reads that did not see the client's own write")
                    .isZero();
            // The last mirrored writes land a moment after their replies.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int i = 0; i < 500; i++) {
                    assertThat(target.get("walk:" + i)).as("walk:%d", i).isEqualTo(source.get("walk:" + i));
                }
            });
            assertThat(proxy.applyState(state(1, 50)))
                    .as("an older epoch is ignored")
                    .isFalse();
        }
    }

    @Test
    void manyClientsWritingThroughRapidRouteChangesLeaveBothSidesEqual() throws Exception {
        int clients = 8;
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 0)) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong increments = new AtomicLong();
            AtomicInteger stale = new AtomicInteger();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                Thread thread = new Thread(
                        () -> {
                            try (StatefulRedisConnection<String, String> client = connect(proxy)) {
                                long n = 0;
                                while (running.get()) {
                                    String own = "client:" + id + ":" + (n % 200);
                                    client.sync().set(own, "v" + n);
                                    // Shared counters: every proxy node's mirror must apply each INCR exactly once.
                                    client.sync().incr("shared:" + (n % 16));
                                    increments.incrementAndGet();
                                    client.sync().hset("hash:" + (n % 50), "client:" + id, String.valueOf(n));
                                    if (!("v" + n).equals(client.sync().get(own))) {
                                        stale.incrementAndGet();
                                    }
                                    n++;
                                }
                            } catch (RuntimeException e) {
                                failures.add(e);
                            }
                        },
                        "route-writer-" + c);
                threads.add(thread);
                thread.start();
            }
            long epoch = 1;
            // 32 changes, back and forth, each a few dozen writes after the last, while eight clients write.
            for (int round = 0; round < 4; round++) {
                for (int ratio : new int[] {5, 20, 40, 80, 100, 60, 30, 0}) {
                    long before = increments.get();
                    assertThat(proxy.applyState(state(epoch++, ratio))).isTrue();
                    // The next change once the clients have written across this one.
                    await().atMost(Duration.ofSeconds(10)).until(() -> increments.get() > before + 40);
                }
            }
            running.set(false);
            for (Thread thread : threads) {
                thread.join(20_000);
            }
            assertThat(failures).as("client errors during the route changes").isEmpty();
            assertThat(stale.get())
                    .as("reads that did not see the client's own write")
                    .isZero();
            assertThat(increments.get()).isGreaterThan(clients * 10L);
            long counted = 0;
            for (int i = 0; i < 16; i++) {
                String key = "shared:" + i;
                assertThat(target.get(key)).as(key).isEqualTo(source.get(key));
                counted += source.get(key) == null ? 0 : Long.parseLong(source.get(key));
            }
            assertThat(counted).as("increments on the source").isEqualTo(increments.get());
            for (int c = 0; c < clients; c++) {
                for (int i = 0; i < 200; i++) {
                    String key = "client:" + c + ":" + i;
                    assertThat(target.get(key)).as(key).isEqualTo(source.get(key));
                }
            }
            for (int i = 0; i < 50; i++) {
                assertThat(target.hgetall("hash:" + i)).isEqualTo(source.hgetall("hash:" + i));
            }
        }
    }

    @Test
    void pausedTargetLeavesSourceAuthoritativeClientsServedAndFlagsTheirWrites() throws Exception {
        RedisServer paused = redis.target();
        try (ProxyServer proxy = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0, Duration.ofMillis(500));
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("before", "v");
            paused.pause();
            try {
                for (int i = 0; i < 200; i++) {
                    client.sync().set("during:" + i, "v");
                }
                assertThat(client.sync().get("during:199")).isEqualTo("v");
                await().atMost(Duration.ofSeconds(10)).until(() -> proxy.repairsFlagged() >= 1);
                assertThat(proxy.meters()
                                .get("ferry.proxy.mirror.timeouts")
                                .functionCounter()
                                .count())
                        .as("writes the paused target did not answer")
                        .isPositive();
            } finally {
                paused.resume();
            }
            client.sync().set("after", "v");
            await().atMost(Duration.ofSeconds(10)).until(() -> "v".equals(target.get("after")));
        }
    }

    @Test
    void aClientOnItsOwnConnectionIsNotHeldByAPausedTargetBeyondTheMirrorTimeout() throws Exception {
        RedisServer paused = redis.target();
        try (ProxyServer relaxed = proxy(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0, Duration.ofMillis(500));
                ProxyServer strict = proxy(WritePolicy.BOTH_REQUIRED, ReadMode.SOURCE, 0, Duration.ofMillis(500));
                StatefulRedisConnection<String, String> writer = connect(relaxed);
                StatefulRedisConnection<String, String> both = connect(strict)) {
            // SELECT gives each client connections of its own on both sides.
            assertThat(writer.sync().select(2)).isEqualTo("OK");
            assertThat(both.sync().select(3)).isEqualTo("OK");
            writer.sync().set("own:before", "v");
            both.sync().set("own:before", "v");
            paused.pause();
            try {
                for (int i = 0; i < 50; i++) {
                    writer.sync().set("own:during:" + i, "v");
                }
                assertThat(writer.sync().get("own:during:49")).isEqualTo("v");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> relaxed.meters()
                                        .get("ferry.proxy.mirror.timeouts")
                                        .functionCounter()
                                        .count()
                                > 0);
                long started = System.nanoTime();
                assertThatThrownBy(() -> both.sync().set("own:during", "v"))
                        .isInstanceOf(RedisCommandExecutionException.class)
                        .hasMessageContaining("target");
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .as("a BOTH_REQUIRED write is refused after the mirror timeout, not held")
                        .isLessThan(Duration.ofSeconds(5));
                writer.sync().set("own:after-timeout", "v");
            } finally {
                paused.resume();
            }
            writer.sync().set("own:after", "v");
            RedisClient direct = RedisClient.create(redis.target().uri());
            try (StatefulRedisConnection<String, String> check = direct.connect()) {
                check.sync().select(2);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> "v".equals(check.sync().get("own:after")));
            } finally {
                direct.shutdown();
            }
        }
    }

    @Test
    void pausedTargetFailsBothRequiredWritesAfterTheTimeout() throws Exception {
        RedisServer paused = redis.target();
        try (ProxyServer proxy = proxy(WritePolicy.BOTH_REQUIRED, ReadMode.SOURCE, 0, Duration.ofMillis(500));
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("before", "v");
            paused.pause();
            try {
                assertThatThrownBy(() -> client.sync().set("during", "v"))
                        .isInstanceOf(RedisCommandExecutionException.class)
                        .hasMessageContaining("target");
            } finally {
                paused.resume();
            }
        }
    }

    @Test
    void readsOfATargetThatStopsAnsweringOrRestartsAreServedByTheSource() throws Exception {
        RedisServer own = redis.start("sentinel-target");
        try (ProxyServer proxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                        .target(RedisUri.parse(own.uri()), WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.TARGET, 0)
                        .mirrorTimeout(Duration.ofMillis(500))
                        .build());
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            client.sync().set("k", "written");
            // Only the target has this value: a read that returns it was served by the target.
            own.command("SET k on-target");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "on-target".equals(client.sync().get("k")));

            // Paused: no answer to the sentinel within a second, and reads go to the source instead of hanging.
            own.pause();
            try {
                await().atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> proxy.meters()
                                        .get("ferry.proxy.target.reads.held")
                                        .gauge()
                                        .value()
                                == 1.0);
                long started = System.nanoTime();
                assertThat(client.sync().get("k")).isEqualTo("written");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(400));
            } finally {
                own.resume();
            }
            // The same server again: reads go back to it.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "on-target".equals(client.sync().get("k")));

            // Restarted empty: from the moment its connections drop, not one read is served by the empty target,
            // and none until the control plane routes again (a newer epoch).
            AtomicBoolean reading = new AtomicBoolean(true);
            List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> {
                StatefulRedisConnection<String, String> other = connect(proxy);
                try {
                    while (reading.get()) {
                        try {
                            String value = other.sync().get("k");
                            reads.incrementAndGet();
                            if (!"on-target".equals(value) && !"written".equals(value)) {
                                wrong.add(String.valueOf(value));
                            }
                        } catch (io.lettuce.core.RedisException e) {
                            // A read in flight on the connection that dropped: an error, never a wrong value; the
                            // proxy closes that client, which connects again (as an application would).
                            if (!other.isOpen()) {
                                other.close();
                                other = connect(proxy);
                            }
                        }
                    }
                } finally {
                    other.close();
                }
            });
            reader.start();
            TimeUnit.MILLISECONDS.sleep(200);
            own.restartEmpty();
            TimeUnit.SECONDS.sleep(3);
            reading.set(false);
            reader.join(10_000);
            assertThat(wrong).as("reads answered by the emptied target").isEmpty();
            assertThat(reads.get()).isGreaterThan(100);
            assertThat(client.sync().get("k")).isEqualTo("written");
            assertThat(own.command("EXISTS k")).as("the target is empty").isEqualTo(":0");

            // The control plane routes again (it has seen the restart, the copy is done): reads follow the route.
            own.command("SET k copied-again");
            MigrationState next = MigrationState.newBuilder()
                    .setRunId("run")
                    .setPhase(Phase.MIGRATE)
                    .setStrategy(Strategy.BIG_BANG)
                    .setReadMode(ReadMode.TARGET)
                    .setWritePolicy(WritePolicy.SOURCE_AUTHORITATIVE)
                    .setRatioPercent(0)
                    .setEpoch(1)
                    .build();
            assertThat(proxy.applyState(next)).isTrue();
            assertThat(client.sync().get("k")).isEqualTo("copied-again");
        }
    }

    @Test
    void aClientWhoseLastMirroredWriteWentToATargetConnectionThatDiedIsStillServed() throws Exception {
        RedisServer own = redis.start("dead-link-target");
        try (ProxyServer proxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                        .target(RedisUri.parse(own.uri()), WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.SOURCE, 0)
                        .build());
                StatefulRedisConnection<String, String> client = connect(proxy)) {
            // The write is mirrored on the loop's shared target connection, which then dies with the target.
            client.sync().set("k", "written");
            own.kill();
            TimeUnit.MILLISECONDS.sleep(500);
            // A read served by the source: the client must not stay unread, waiting for the dead connection
            // to drain (it never will).
            long started = System.nanoTime();
            assertThat(client.sync().get("k")).isEqualTo("written");
            assertThat(client.sync().get("k")).isEqualTo("written");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    private static MigrationState state(long epoch, int ratio) {
        return MigrationState.newBuilder()
                .setRunId("run")
                .setPhase(Phase.MIGRATE)
                .setStrategy(Strategy.CANARY)
                .setReadMode(ReadMode.RATIO)
                .setWritePolicy(WritePolicy.SOURCE_AUTHORITATIVE)
                .setRatioPercent(ratio)
                .setEpoch(epoch)
                .build();
    }
}
