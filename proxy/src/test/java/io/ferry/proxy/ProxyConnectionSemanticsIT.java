package io.ferry.proxy;

import io.ferry.resp.RespLimits;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connection-scoped behaviours a client relies on beyond request and reply, through the proxy to a
 * real source: client-side caching invalidations, MONITOR, blocking stream reads and pops, WAIT for
 * replicas, and a flood of bad input that must cost neither the other clients nor unbounded memory.
 */
class ProxyConnectionSemanticsIT {
    private static final long MB = 1024 * 1024;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static ProxyServer proxy;
    static RedisClient resp2;
    static RedisClient resp3;
    static RedisServer replica;

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

    // --- client-side caching

    @Test
    void trackingClientReceivesAnInvalidationPushInResp3() {
        List<List<Object>> invalidations = new CopyOnWriteArrayList<>();
        try (StatefulRedisConnection<String, String> tracked = connect(ProtocolVersion.RESP3);
                StatefulRedisConnection<String, String> writer = connect(ProtocolVersion.RESP3)) {
            tracked.addListener((PushMessage push) -> {
                if (push.getType().equals("invalidate")) {
                    invalidations.add(push.getContent(StringCodec.UTF8::decodeKey));
                }
            });
            writer.sync().set("tracked-key", "v1");
            assertThat(tracked.sync().clientTracking(TrackingArgs.Builder.enabled()))
                    .isEqualTo("OK");
            assertThat(tracked.sync().get("tracked-key")).isEqualTo("v1");

            writer.sync().set("tracked-key", "v2");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(invalidations)
                    .containsExactly(List.of("invalidate", List.of("tracked-key"))));
            // The tracking connection still pairs its own replies after the push.
            assertThat(tracked.sync().get("tracked-key")).isEqualTo("v2");
        }
    }

    @Test
    void trackingWithRedirectDeliversInvalidationsToTheSubscribedConnectionInResp2() throws Exception {
        try (ProxyHarness.RawClient listener = new ProxyHarness.RawClient(proxy);
                ProxyHarness.RawClient tracked = new ProxyHarness.RawClient(proxy);
                StatefulRedisConnection<String, String> writer = connect(ProtocolVersion.RESP2)) {
            listener.send("CLIENT ID\r\n");
            String id = listener.readLine();
            assertThat(id).matches(":\\d+");
            listener.send("SUBSCRIBE __redis__:invalidate\r\n");
            assertThat(listener.readLines(6))
                    .containsExactly("*3", "$9", "subscribe", "$20", "__redis__:invalidate", ":1");

            tracked.send("CLIENT TRACKING ON REDIRECT " + id.substring(1) + "\r\nGET redirect-key\r\n");
            assertThat(tracked.readLines(2)).containsExactly("+OK", "$-1");

            writer.sync().set("redirect-key", "changed");

            assertThat(listener.readLines(8))
                    .containsExactly("*3", "$7", "message", "$20", "__redis__:invalidate", "*1", "$12", "redirect-key");
        }
    }

    // --- MONITOR

    @Test
    void monitorSeesCommandsOfOtherClients() throws Exception {
        try (ProxyHarness.RawClient monitor = new ProxyHarness.RawClient(proxy);
                StatefulRedisConnection<String, String> writer = connect(ProtocolVersion.RESP2)) {
            monitor.send("MONITOR\r\n");
            assertThat(monitor.readLine()).isEqualTo("+OK");

            writer.sync().set("monitored-key", "v");

            String seen = null;
            for (int i = 0; i < 100 && seen == null; i++) {
                String line = monitor.readLine(); // bounded by the client's socket timeout
                assertThat(line).as("the MONITOR stream ended").isNotNull();
                if (line.contains("monitored-key")) {
                    seen = line;
                }
            }
            assertThat(seen)
                    .as("a MONITOR line for the SET")
                    .matches("\\+\\d+\\.\\d+ \\[0 127\\.0\\.0\\.1:\\d+\\] \"SET\" \"monitored-key\" \"v\"");
        }
    }

    // --- blocking stream reads

    @Test
    void xreadBlockIsWokenByAnXaddFromAnotherClient() throws Exception {
        try (StatefulRedisConnection<String, String> reader = connect(ProtocolVersion.RESP2);
                StatefulRedisConnection<String, String> writer = connect(ProtocolVersion.RESP2)) {
            RedisFuture<List<StreamMessage<String, String>>> read =
                    reader.async().xread(XReadArgs.Builder.block(5000), XReadArgs.StreamOffset.latest("s"));
            awaitClientsBlockedAtSource(1);
            assertThat(read.isDone()).isFalse();

            String id = writer.sync().xadd("s", Map.of("field", "value"));

            List<StreamMessage<String, String>> entries = read.get(10, TimeUnit.SECONDS);
            assertThat(entries).hasSize(1);
            assertThat(entries.get(0).getStream()).isEqualTo("s");
            assertThat(entries.get(0).getId()).isEqualTo(id);
            assertThat(entries.get(0).getBody()).isEqualTo(Map.of("field", "value"));
        }
    }

    @Test
    void xreadBlockTimesOutWithANullReply() throws Exception {
        try (ProxyHarness.RawClient reader = new ProxyHarness.RawClient(proxy)) {
            long started = System.nanoTime();
            reader.send("XREAD BLOCK 100 STREAMS s2 $\r\n");
            assertThat(reader.readLine()).isEqualTo("*-1");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
            // The connection is usable afterwards.
            reader.send("PING\r\n");
            assertThat(reader.readLine()).isEqualTo("+PONG");
        }
    }

    @Test
    void xreadWithoutBlockAnswersAtOnce() throws Exception {
        try (StatefulRedisConnection<String, String> client = connect(ProtocolVersion.RESP2);
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            String id = client.sync().xadd("s", Map.of("field", "value"));
            List<StreamMessage<String, String>> entries = client.sync().xread(XReadArgs.StreamOffset.from("s", "0"));
            assertThat(entries).extracting(StreamMessage::getId).containsExactly(id);

            long started = System.nanoTime();
            raw.send("XREAD STREAMS never-written 0\r\n");
            assertThat(raw.readLine()).isEqualTo("*-1");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    // --- WAIT

    @Test
    void waitReturnsOnceTheReplicaAcknowledged() throws Exception {
        RedisServer inSync = replica();
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send("SET wait-key v\r\nWAIT 1 5000\r\n");
            assertThat(client.readLines(2)).containsExactly("+OK", ":1");
            assertThat(inSync.command("GET wait-key")).isEqualTo("$1");
        }
    }

    @Test
    void waitForMoreReplicasThanThereAreReturnsTheCountAfterTheTimeout() throws Exception {
        replica();
        try (ProxyHarness.RawClient client = new ProxyHarness.RawClient(proxy)) {
            client.send("SET wait-key v\r\nWAIT 1 5000\r\n");
            assertThat(client.readLines(2)).containsExactly("+OK", ":1");

            long started = System.nanoTime();
            client.send("WAIT 2 200\r\n");
            assertThat(client.readLine()).isEqualTo(":1");
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(150)).isLessThan(Duration.ofSeconds(5));
        }
    }

    /** One replica of the source for the class, connected and in sync. */
    private static synchronized RedisServer replica() {
        if (replica == null) {
            replica = redis.start(
                    "replica",
                    "--replicaof",
                    "127.0.0.1",
                    String.valueOf(redis.source().port()));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> redis.source().info("connected_slaves").equals("1")
                        && replica.info("master_link_status").equals("up"));
        return replica;
    }

    // --- blocking pops

    @Test
    void brpopIsWokenByAPushFromAnotherClient() throws Exception {
        try (StatefulRedisConnection<String, String> blocked = connect(ProtocolVersion.RESP2);
                StatefulRedisConnection<String, String> pusher = connect(ProtocolVersion.RESP2)) {
            RedisFuture<KeyValue<String, String>> pop = blocked.async().brpop(10, "brpop-queue");
            awaitClientsBlockedAtSource(1);
            assertThat(pop.isDone()).isFalse();

            pusher.sync().rpush("brpop-queue", "first", "last");

            assertThat(pop.get(10, TimeUnit.SECONDS)).isEqualTo(KeyValue.just("brpop-queue", "last"));
            assertThat(pusher.sync().lrange("brpop-queue", 0, -1)).containsExactly("first");
        }
    }

    @Test
    void blmoveIsWokenByAPushFromAnotherClient() throws Exception {
        try (StatefulRedisConnection<String, String> blocked = connect(ProtocolVersion.RESP2);
                StatefulRedisConnection<String, String> pusher = connect(ProtocolVersion.RESP2)) {
            RedisFuture<String> move =
                    blocked.async().blmove("blmove-from", "blmove-to", LMoveArgs.Builder.rightLeft(), 10);
            awaitClientsBlockedAtSource(1);
            assertThat(move.isDone()).isFalse();

            pusher.sync().rpush("blmove-from", "a", "b");

            assertThat(move.get(10, TimeUnit.SECONDS)).isEqualTo("b");
            assertThat(pusher.sync().lrange("blmove-from", 0, -1)).containsExactly("a");
            assertThat(pusher.sync().lrange("blmove-to", 0, -1)).containsExactly("b");
        }
    }

    @Test
    void bzpopminIsWokenByAnAddFromAnotherClient() throws Exception {
        try (StatefulRedisConnection<String, String> blocked = connect(ProtocolVersion.RESP2);
                StatefulRedisConnection<String, String> pusher = connect(ProtocolVersion.RESP2)) {
            RedisFuture<KeyValue<String, ScoredValue<String>>> pop =
                    blocked.async().bzpopmin(10, "bz-zset");
            awaitClientsBlockedAtSource(1);
            assertThat(pop.isDone()).isFalse();

            pusher.sync().zadd("bz-zset", ScoredValue.just(2, "two"), ScoredValue.just(1, "one"));

            KeyValue<String, ScoredValue<String>> popped = pop.get(10, TimeUnit.SECONDS);
            assertThat(popped.getKey()).isEqualTo("bz-zset");
            assertThat(popped.getValue()).isEqualTo(ScoredValue.just(1, "one"));
            assertThat(pusher.sync().zrange("bz-zset", 0, -1)).containsExactly("two");
        }
    }

    private static void awaitClientsBlockedAtSource(int count) {
        // The command must be blocked at the source before the other client acts, or the test
        // would not show the wake-up (and XREAD $ would miss the entry).
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.source().info("blocked_clients").equals(Integer.toString(count)));
    }

    // --- a flood of bad input

    /** A frame a client must not get away with, and the reply Redis gives it. */
    private record BadFrame(String name, byte[] bytes, String reply) {
        BadFrame(String name, String frame, String reply) {
            this(name, frame.getBytes(StandardCharsets.ISO_8859_1), reply);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<BadFrame> BAD_FRAMES = List.of(
            new BadFrame("non-numeric multibulk count", "*abc\r\n", "-ERR Protocol error: invalid multibulk length"),
            new BadFrame(
                    "negative bulk length inside a multibulk",
                    "*2\r\n$3\r\nGET\r\n$-5\r\n",
                    "-ERR Protocol error: invalid bulk length"),
            new BadFrame(
                    "multibulk count over client.max-multibulk-length",
                    "*" + (RespLimits.DEFAULT_MAX_AGGREGATE_LENGTH + 1) + "\r\n",
                    "-ERR Protocol error: invalid multibulk length"),
            new BadFrame(
                    "bulk length over client.max-bulk-length",
                    "*1\r\n$" + (RespLimits.DEFAULT_MAX_BULK_LENGTH + 1L) + "\r\n",
                    "-ERR Protocol error: invalid bulk length"),
            // Exactly the bytes that prove the line too long: nothing is left unread when the proxy
            // closes, so the close is a FIN and the reply cannot be lost to a reset.
            new BadFrame(
                    "inline line over client.max-inline-length",
                    "A".repeat(RespLimits.DEFAULT_MAX_INLINE_LENGTH + 2),
                    "-ERR Protocol error: too big inline request"),
            new BadFrame(
                    "nested arrays", "*1\r\n" + "*1\r\n".repeat(64), "-ERR Protocol error: expected '$', got '*'"));

    private record Outcome(BadFrame frame, String reply, boolean closed) {}

    @Test
    void aFloodOfBadFramesClosesOnlyTheOffendersAndMemoryStaysBounded() throws Exception {
        int attackers = 20;
        int roundsEach = 3 * BAD_FRAMES.size();
        AtomicBoolean flooding = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(attackers + 1);
        try (StatefulRedisConnection<String, String> bystander = connect(ProtocolVersion.RESP2)) {
            Future<Integer> wellBehaved = threads.submit(() -> {
                RedisCommands<String, String> commands = bystander.sync();
                int done = 0;
                while (flooding.get() || done < 100) {
                    String value = "value-" + done;
                    assertThat(commands.set("steady-key", value)).isEqualTo("OK");
                    assertThat(commands.get("steady-key")).isEqualTo(value);
                    done++;
                }
                return done;
            });
            List<Future<List<Outcome>>> floods = new ArrayList<>();
            for (int i = 0; i < attackers; i++) {
                int first = i;
                floods.add(threads.submit(() -> {
                    List<Outcome> outcomes = new ArrayList<>();
                    for (int round = 0; round < roundsEach; round++) {
                        BadFrame frame = BAD_FRAMES.get((first + round) % BAD_FRAMES.size());
                        try (ProxyHarness.RawClient attacker = new ProxyHarness.RawClient(proxy)) {
                            attacker.send(frame.bytes());
                            String reply = attacker.readLine();
                            outcomes.add(new Outcome(frame, reply, attacker.closedByPeer(Duration.ofSeconds(5))));
                        }
                    }
                    return outcomes;
                }));
            }

            List<Outcome> outcomes = new ArrayList<>();
            for (Future<List<Outcome>> flood : floods) {
                outcomes.addAll(flood.get(60, TimeUnit.SECONDS));
            }
            flooding.set(false);

            assertThat(outcomes).hasSize(attackers * roundsEach);
            for (Outcome outcome : outcomes) {
                assertThat(outcome.reply())
                        .as("reply to %s", outcome.frame())
                        .isEqualTo(outcome.frame().reply());
                assertThat(outcome.closed())
                        .as("closed after %s", outcome.frame())
                        .isTrue();
            }
            // Every SET/GET of the well-behaved client succeeded during the whole flood.
            assertThat(wellBehaved.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(100);
        } finally {
            flooding.set(false);
            threads.shutdownNow();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.connectionCount() == 0);
        try (ProxyHarness.RawClient newcomer = new ProxyHarness.RawClient(proxy)) {
            newcomer.send("PING\r\n");
            assertThat(newcomer.readLine()).isEqualTo("+PONG");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nettyBufferBytes())
                .as("bytes held by Netty's buffer allocator after the flood")
                .isLessThan(64 * MB));
    }

    @Test
    void aStalledBulkOfTheMaximumDeclaredSizeIsNotAllocatedUpFront() throws Exception {
        int declared = RespLimits.DEFAULT_MAX_BULK_LENGTH; // the largest the proxy accepts: 512 MiB
        byte[] chunk = new byte[(int) MB];
        Arrays.fill(chunk, (byte) 'x');
        long before = nettyBufferBytes();
        try (ProxyHarness.RawClient stalled = new ProxyHarness.RawClient(proxy)) {
            stalled.send("*3\r\n$3\r\nSET\r\n$11\r\nstalled-key\r\n$" + declared + "\r\n");
            for (int i = 0; i < 16; i++) {
                stalled.send(chunk);
            }
            // The proxy reads what was sent, and holds it (that is the only way to measure it)...
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nettyBufferBytes() - before)
                    .as("bytes held for the 16 MiB sent so far")
                    .isGreaterThanOrEqualTo(8 * MB));
            // ...and never more than a small multiple of it: not the 512 MiB the client declared.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                            nettyBufferBytes() - before)
                    .as("bytes held while the client stalls, %d declared", declared)
                    .isLessThan(64 * MB));

            // Nothing of the incomplete command reached the source, and others are served.
            assertThat(redis.source().command("EXISTS stalled-key")).isEqualTo(":0");
            try (ProxyHarness.RawClient other = new ProxyHarness.RawClient(proxy)) {
                other.send("PING\r\n");
                assertThat(other.readLine()).isEqualTo("+PONG");
            }
        }
        // Once the client goes away, what it made the proxy hold is given back (the allocator may
        // keep a few chunks for reuse; the peak above was over 16 MiB).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nettyBufferBytes() - before)
                .as("bytes still held after the stalled client left")
                .isLessThan(12 * MB));
    }

    /**
     * Bytes held by the allocator the proxy's channels use: Netty's default, {@link
     * ByteBufAllocator#DEFAULT} (the adaptive allocator in Netty 4.2, not {@code
     * PooledByteBufAllocator.DEFAULT}). Lettuce shares it; its few connections hold little.
     */
    private static long nettyBufferBytes() {
        ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }
}
