package io.ferry.proxy;

import io.ferry.testkit.RedisServers;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real client through the proxy to a real source notices nothing: every connection semantic holds. */
class ProxyPassthroughIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static ProxyServer proxy;
    static RedisClient resp2;
    static RedisClient resp3;

    @BeforeAll
    static void start() throws InterruptedException {
        proxy = ProxyServer.start(ProxyHarness.config(redis.source()));
        resp2 = ProxyHarness.client(ProtocolVersion.RESP2);
        resp3 = ProxyHarness.client(ProtocolVersion.RESP3);
    }

    @AfterAll
    static void stop() {
        resp2.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resp3.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        proxy.close();
    }

    @BeforeEach
    void flush() {
        redis.source().flushAll();
    }

    static StatefulRedisConnection<String, String> connect(ProtocolVersion protocol) {
        return (protocol == ProtocolVersion.RESP2 ? resp2 : resp3).connect(ProxyHarness.uri(proxy));
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void readsAndWritesEveryDataType(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> connection = connect(protocol)) {
            RedisCommands<String, String> redis = connection.sync();
            redis.set("s", "v");
            redis.hset("h", java.util.Map.of("f1", "a", "f2", "b"));
            redis.rpush("l", "1", "2", "3");
            redis.sadd("set", "x", "y");
            redis.zadd("z", 1.5, "m");
            redis.xadd("stream", java.util.Map.of("k", "v"));

            assertThat(redis.get("s")).isEqualTo("v");
            assertThat(redis.hgetall("h")).containsEntry("f1", "a").containsEntry("f2", "b");
            assertThat(redis.lrange("l", 0, -1)).containsExactly("1", "2", "3");
            assertThat(redis.smembers("set")).containsExactlyInAnyOrder("x", "y");
            assertThat(redis.zscore("z", "m")).isEqualTo(1.5);
            assertThat(redis.xlen("stream")).isEqualTo(1);
            assertThat(redis.get("missing")).isNull();
            assertThat(redis.ttl("s")).isEqualTo(-1);
        }
        assertThat(sourceValue("s")).isEqualTo("$1");
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void pipelinedCommandsComeBackInOrder(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> connection = connect(protocol)) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                futures.add(async.set("k" + i, "v" + i));
                futures.add(async.incr("counter"));
                futures.add(async.get("k" + i));
            }
            connection.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(20), futures.toArray(new RedisFuture[0])))
                    .isTrue();
            for (int i = 0; i < 2000; i++) {
                assertThat(futures.get(3 * i + 1).toCompletableFuture().join()).isEqualTo((long) i + 1);
                assertThat(futures.get(3 * i + 2).toCompletableFuture().join()).isEqualTo("v" + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void selectIsPerConnection(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> one = connect(protocol);
                StatefulRedisConnection<String, String> two = connect(protocol)) {
            one.sync().select(3);
            one.sync().set("k", "in-db-3");

            assertThat(two.sync().get("k")).isNull();
            two.sync().select(3);
            assertThat(two.sync().get("k")).isEqualTo("in-db-3");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void transactionsAndWatch(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> one = connect(protocol);
                StatefulRedisConnection<String, String> two = connect(protocol)) {
            RedisCommands<String, String> redis = one.sync();
            redis.multi();
            redis.set("a", "1");
            redis.incr("a");
            TransactionResult result = redis.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat((Long) result.get(1)).isEqualTo(2L);

            redis.watch("a");
            two.sync().set("a", "changed");
            redis.multi();
            redis.set("a", "mine");
            assertThat(redis.exec().wasDiscarded()).isTrue();
            assertThat(redis.get("a")).isEqualTo("changed");

            redis.multi();
            redis.set("a", "discarded");
            assertThat(redis.discard()).isEqualTo("OK");
            assertThat(redis.get("a")).isEqualTo("changed");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void blockingCommandsWaitAndWake(ProtocolVersion protocol) throws Exception {
        try (StatefulRedisConnection<String, String> blocked = connect(protocol);
                StatefulRedisConnection<String, String> pusher = connect(protocol)) {
            RedisFuture<io.lettuce.core.KeyValue<String, String>> pop =
                    blocked.async().blpop(10, "queue");
            CompletableFuture<?> moved = blocked.async()
                    .blmove("src", "dst", io.lettuce.core.LMoveArgs.Builder.leftRight(), 10)
                    .toCompletableFuture();
            assertThat(pop.isDone()).isFalse();

            pusher.sync().rpush("queue", "job");
            pusher.sync().rpush("src", "item");

            assertThat(pop.get(10, TimeUnit.SECONDS).getValue()).isEqualTo("job");
            assertThat(moved.get(10, TimeUnit.SECONDS)).isEqualTo("item");
            assertThat(blocked.sync().bzpopmin(0.1, "empty-zset")).isNull();
            assertThat(pusher.sync().lrange("dst", 0, -1)).containsExactly("item");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void pubSubChannelsPatternsAndShards(ProtocolVersion protocol) {
        RedisClient client = protocol == ProtocolVersion.RESP2 ? resp2 : resp3;
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub(ProxyHarness.uri(proxy));
                StatefulRedisConnection<String, String> publisher = connect(protocol)) {
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    received.add(pattern + ":" + channel + "=" + message);
                }

                @Override
                public void smessage(String channel, String message) {
                    received.add("shard:" + channel + "=" + message);
                }
            });
            subscriber.sync().subscribe("news");
            subscriber.sync().psubscribe("orders.*");
            subscriber.sync().ssubscribe("shard-ch");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                publisher.sync().publish("news", "hello");
                publisher.sync().publish("orders.eu", "o1");
                publisher.sync().spublish("shard-ch", "s1");
                assertThat(received).contains("news=hello", "orders.*:orders.eu=o1", "shard:shard-ch=s1");
            });

            subscriber.sync().unsubscribe("news");
            assertThat(publisher.sync().pubsubNumsub("news")).containsEntry("news", 0L);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void scriptsAndFunctions(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> connection = connect(protocol)) {
            RedisCommands<String, String> redis = connection.sync();
            Long set = redis.eval(
                    "return redis.call('INCRBY', KEYS[1], ARGV[1])", ScriptOutputType.INTEGER, new String[] {"n"}, "5");
            assertThat(set).isEqualTo(5L);
            String sha = redis.scriptLoad("return redis.call('GET', KEYS[1])");
            assertThat((String) redis.evalsha(sha, ScriptOutputType.VALUE, "n")).isEqualTo("5");

            redis.functionLoad(
                    "#!lua name=ferrylib\nredis.register_function('double', function(keys, args) "
                            + "return redis.call('INCRBY', keys[1], redis.call('GET', keys[1])) end)",
                    true);
            assertThat((Long) redis.fcall("double", ScriptOutputType.INTEGER, "n"))
                    .isEqualTo(10L);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void clientStateStaysOnTheConnection(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> connection = connect(protocol)) {
            RedisCommands<String, String> redis = connection.sync();
            redis.clientSetname("billing-worker");
            assertThat(redis.clientGetname()).isEqualTo("billing-worker");
            Long id = redis.clientId();
            assertThat(redis.clientList()).contains("id=" + id + " ").contains("name=billing-worker");
            assertThat(redis.ping()).isEqualTo("PONG");
            assertThat(redis.echo("hi")).isEqualTo("hi");
        }
    }

    @Test
    void helloNegotiatesResp3WithTheSourceThroughTheProxy() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("HELLO 3\r\n");
            assertThat(raw.readLine()).startsWith("%"); // a RESP3 map, as Redis answers HELLO 3
            raw.send("*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n");
            String line;
            do {
                line = raw.readLine();
            } while (line != null && !line.contains("resp="));
            assertThat(line).contains("resp=3");
            // CLIENT INFO's text ends in its own newline, before the frame's CRLF.
            assertThat(raw.readLine()).isEmpty();
            raw.send("*2\r\n$3\r\nGET\r\n$7\r\nnothing\r\n");
            assertThat(raw.readLine()).isEqualTo("_"); // RESP3 null
        }
    }

    @Test
    void resetAndQuitBehaveAsRedis() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("SELECT 4\r\nSET k v\r\nRESET\r\nGET k\r\nQUIT\r\n");
            assertThat(raw.readLines(5)).containsExactly("+OK", "+OK", "+RESET", "$-1", "+OK");
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void redisCliWorksUnchanged() throws Exception {
        assertThat(ProxyHarness.redisCli(proxy, "SET", "cli-key", "hello world"))
                .isEqualTo("OK");
        assertThat(ProxyHarness.redisCli(proxy, "GET", "cli-key")).isEqualTo("hello world");
        assertThat(ProxyHarness.redisCli(proxy, "-n", "2", "INCR", "c")).isEqualTo("1");
        assertThat(ProxyHarness.redisCli(proxy, "-3", "HGETALL", "nothing")).isEmpty();
        assertThat(ProxyHarness.redisCli(proxy, "DBSIZE")).isEqualTo("1");
    }

    @Test
    void inlineCommandsAsFromTelnet() throws Exception {
        try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("SET greeting \"hello world\"\r\nGET greeting\r\n");
            assertThat(raw.readLines(3)).containsExactly("+OK", "$11", "hello world");
        }
    }

    private static String sourceValue(String key) {
        try {
            return redis.source().command("GET " + key);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
