package io.ferry.app;

import io.ferry.comparator.replay.ReplayOptions;
import io.ferry.comparator.replay.ReplayTotals;
import io.ferry.comparator.replay.ShadowReplay;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoverNode;
import io.ferry.mover.ScanOptions;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.schemas.Confirmation;
import io.ferry.schemas.Detector;
import io.ferry.schemas.Divergence;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Shadow replay end to end, as an operator runs it: applications read and write through the proxy (source
 * authoritative, dual-write, every command captured to Kafka), the mover's reconciler follows the writes log,
 * and the comparator replays the captured reads against the target with repair on. Reads racing writes give
 * transient mismatches only; divergences planted behind the proxy's back are confirmed, published and repaired.
 */
class ShadowReplayLiveIT {
    private static final int KEYS = 4_000;
    private static final String RUN = "shadow-live";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void concurrentWritesConfirmNothingAndPlantedDivergencesAreRepaired() throws Exception {
        RedisServer source = redis.start("shadow-source");
        RedisServer target = redis.start("shadow-target");
        String prefix = kafka.uniqueName("shadow");
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> src = client.connect(RedisURI.create(source.uri()));
                StatefulRedisConnection<String, String> dst = client.connect(RedisURI.create(target.uri()));
                ProxyServer proxy = ProxyServer.start(proxyConfig(source, target, prefix))) {
            load(src);
            // The historical copy, complete: from then on the reconciler repairs keys as their requests come.
            CopyRun.Outcome copied = new CopyRun(
                            new CopyRun.Options(
                                    RUN,
                                    RedisEndpoint.of("source", source.uri()),
                                    RedisEndpoint.of("target", target.uri()),
                                    Map.of("bootstrap.servers", kafka.bootstrapServers()),
                                    prefix,
                                    new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 500, 500),
                                    CopyOptions.DEFAULTS,
                                    2,
                                    false,
                                    Duration.ofSeconds(1)),
                            new SimpleMeterRegistry())
                    .run(Duration.ofSeconds(1), totals -> {});
            assertThat(copied.complete()).isTrue();
            assertThat(Keyspaces.differences(src, dst)).isEmpty();

            MoverNode mover = new MoverNode(
                    new MoverNode.Options(
                            RUN,
                            RedisEndpoint.of("source", source.uri()),
                            RedisEndpoint.of("target", target.uri()),
                            Map.of("bootstrap.servers", kafka.bootstrapServers()),
                            prefix,
                            CopyOptions.DEFAULTS,
                            0,
                            true,
                            Duration.ofSeconds(1),
                            Throttle.Options.DEFAULTS),
                    new SimpleMeterRegistry());
            AtomicReference<Throwable> moverFailure = new AtomicReference<>();
            Thread moverThread = new Thread(
                    () -> {
                        try {
                            mover.run(Duration.ofSeconds(5), snapshot -> {});
                        } catch (Throwable e) {
                            moverFailure.set(e);
                        }
                    },
                    "shadow-live-mover");
            ShadowReplay replay = new ShadowReplay(
                    ReplayOptions.builder(
                                    RUN,
                                    RedisEndpoint.of("source", source.uri()),
                                    RedisEndpoint.of("target", target.uri()),
                                    kafka.clientConfig(),
                                    TopicRegistry.builder().prefix(prefix).build())
                            .repair(true)
                            .maxReplaysPerSecond(5000)
                            .fromEarliest(true)
                            .build(),
                    new SimpleMeterRegistry());
            Thread replayThread = new Thread(replay, "shadow-live-replay");
            moverThread.start();
            replayThread.start();
            try {
                // 1. Writers and readers through the proxy at once: every mismatch is a read that raced a write.
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicLong writes = new AtomicLong();
                AtomicLong reads = new AtomicLong();
                AtomicReference<Throwable> clientFailure = new AtomicReference<>();
                List<Thread> clients = List.of(
                        new Thread(() -> writeLoop(proxy, 1, running, writes, clientFailure), "writer-1"),
                        new Thread(() -> writeLoop(proxy, 2, running, writes, clientFailure), "writer-2"),
                        new Thread(() -> readLoop(proxy, 3, running, reads, clientFailure), "reader-1"),
                        new Thread(() -> readLoop(proxy, 4, running, reads, clientFailure), "reader-2"));
                clients.forEach(Thread::start);
                try {
                    await().atMost(Duration.ofMinutes(2))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> clientFailure.get() != null
                                    || (replay.totals().replayed() >= 4_000 && writes.get() >= 4_000));
                } finally {
                    running.set(false);
                    for (Thread thread : clients) {
                        thread.join(TimeUnit.SECONDS.toMillis(30));
                    }
                }
                assertThat(clientFailure.get()).isNull();
                long readsMade = reads.get();
                // Every captured read is handled (replayed or skipped) before the verdict.
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> replay.totals().records() >= readsMade + writes.get());
                ReplayTotals racing = replay.totals();
                assertThat(racing.replayed()).as(racing.line()).isGreaterThanOrEqualTo(readsMade);
                assertThat(racing.equal()).as(racing.line()).isGreaterThan(readsMade / 2);
                assertThat(racing.confirmed())
                        .as("reads racing writes: " + racing.line())
                        .isZero();
                assertThat(racing.repairsRequested()).isZero();
                assertThat(replay.failure()).isNull();

                // 2. Divergences made behind the proxy's back, then read through it.
                RedisCommands<String, String> target0 = dst.sync();
                target0.set("s:0", "changed on the target");
                target0.del("s:4");
                target0.del("h:1");
                target0.set("h:1", "a string now");
                target0.expire("l:2", 100);
                target0.set("x:extra", "only on the target");
                try (StatefulRedisConnection<String, String> app = connect(client, proxy)) {
                    RedisCommands<String, String> through = app.sync();
                    through.get("s:0");
                    through.get("s:4");
                    through.hgetall("h:1");
                    through.ttl("l:2");
                    through.get("x:extra");
                }
                List<Divergence> found = divergences(prefix, 5);
                assertThat(found)
                        .extracting(d -> text(d.getKey()), Divergence::getKind, Divergence::getStatus)
                        .containsExactlyInAnyOrder(
                                tuple("s:0", DivergenceKind.VALUE, Confirmation.CONFIRMED),
                                tuple("s:4", DivergenceKind.MISSING, Confirmation.CONFIRMED),
                                tuple("h:1", DivergenceKind.TYPE, Confirmation.CONFIRMED),
                                tuple("l:2", DivergenceKind.TTL, Confirmation.CONFIRMED),
                                tuple("x:extra", DivergenceKind.EXTRA, Confirmation.CONFIRMED));
                assertThat(found).allSatisfy(d -> {
                    assertThat(d.getDetector()).isEqualTo(Detector.SHADOW_REPLAY);
                    assertThat(d.getRunId()).isEqualTo(RUN);
                });
                // The reconciler copies each again from the source (and deletes the extra key).
                await().atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() ->
                                assertThat(Keyspaces.differences(src, dst)).isEmpty());
                assertThat(target0.exists("x:extra")).isZero();
                assertThat(target0.ttl("l:2")).isEqualTo(-1);
                assertThat(replay.totals().repairsRequested()).isEqualTo(5);
                assertThat(mover.reconciled().recopied() + mover.reconciled().deleted())
                        .isGreaterThanOrEqualTo(5);
                assertThat(moverFailure.get()).isNull();
            } finally {
                replay.stop();
                mover.stop();
                replayThread.join(TimeUnit.SECONDS.toMillis(30));
                moverThread.join(TimeUnit.SECONDS.toMillis(30));
            }
        } finally {
            client.shutdown();
        }
    }

    private static void load(StatefulRedisConnection<String, String> connection) {
        RedisAsyncCommands<String, String> redis = connection.async();
        List<RedisFuture<?>> replies = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            replies.add(
                    switch (i % 4) {
                        case 0 -> redis.set("s:" + i, "v" + i);
                        case 1 -> redis.hset("h:" + i, Map.of("a", "1", "b", "2"));
                        case 2 -> redis.rpush("l:" + i, "x", "y");
                        default -> redis.sadd("z:" + i, "m1", "m2", "m3");
                    });
        }
        assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(60), replies.toArray(RedisFuture[]::new)))
                .isTrue();
    }

    private static StatefulRedisConnection<String, String> connect(RedisClient client, ProxyServer proxy) {
        return client.connect(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(proxy.address().getPort())
                .withTimeout(Duration.ofSeconds(10))
                .build());
    }

    /** Random writes of every type over the loaded keys (key 0 to 99 only: hot keys race more). */
    private static void writeLoop(
            ProxyServer proxy, int seed, AtomicBoolean running, AtomicLong writes, AtomicReference<Throwable> failure) {
        RedisClient client = RedisClient.create();
        Random random = new Random(seed);
        try (StatefulRedisConnection<String, String> connection = connect(client, proxy)) {
            RedisCommands<String, String> redis = connection.sync();
            while (running.get()) {
                int i = hotOrCold(random);
                switch (i % 4) {
                    case 0 -> redis.set("s:" + i, "w" + random.nextInt(1000));
                    case 1 -> redis.hincrby("h:" + i, "a", 1);
                    case 2 -> {
                        redis.rpush("l:" + i, "z" + random.nextInt(1000));
                        redis.ltrim("l:" + i, -5, -1);
                    }
                    default -> {
                        redis.sadd("z:" + i, "m" + random.nextInt(20));
                        redis.srem("z:" + i, "m" + random.nextInt(20));
                    }
                }
                writes.addAndGet(i % 4 >= 2 ? 2 : 1); // commands sent, each one captured
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        } finally {
            client.shutdown();
        }
    }

    /** Reads of the same keys, with replies the noise model must handle: sets, hashes, TTLs. */
    private static void readLoop(
            ProxyServer proxy, int seed, AtomicBoolean running, AtomicLong reads, AtomicReference<Throwable> failure) {
        RedisClient client = RedisClient.create();
        Random random = new Random(seed);
        try (StatefulRedisConnection<String, String> connection = connect(client, proxy)) {
            RedisCommands<String, String> redis = connection.sync();
            while (running.get()) {
                int i = hotOrCold(random);
                switch (i % 4) {
                    case 0 -> redis.get("s:" + i);
                    case 1 -> redis.hgetall("h:" + i);
                    case 2 -> redis.lrange("l:" + i, 0, -1);
                    default -> redis.smembers("z:" + i);
                }
                if (random.nextInt(10) == 0) {
                    redis.ttl("s:" + (i - i % 4));
                    reads.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        } finally {
            client.shutdown();
        }
    }

    private static int hotOrCold(Random random) {
        return random.nextInt(4) == 0 ? random.nextInt(100) : 100 + random.nextInt(KEYS - 100);
    }

    private static List<Divergence> divergences(String prefix, int count) {
        TopicRegistry topics = TopicRegistry.builder().prefix(prefix).build();
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueName("divergence-reader"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Divergence> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.name(TypedTopic.DIVERGENCES.topic())));
            await().atMost(Duration.ofMinutes(1)).until(() -> {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r ->
                                found.add(TypedTopic.DIVERGENCES.valueSerde().deserialize(r.topic(), r.value())));
                return found.size() >= count;
            });
            // Nothing more comes: only the planted keys diverged.
            consumer.poll(Duration.ofSeconds(2))
                    .forEach(r -> found.add(TypedTopic.DIVERGENCES.valueSerde().deserialize(r.topic(), r.value())));
        }
        return found;
    }

    private static String text(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static ProxyConfig proxyConfig(RedisServer source, RedisServer target, String prefix) {
        return ProxyConfig.from(SettingsLoader.load(
                ProxySettings.SPEC,
                Optional.empty(),
                Map.of(
                        ProxySettings.LISTEN,
                        "127.0.0.1:0",
                        ProxySettings.SOURCE,
                        source.uri(),
                        ProxySettings.TARGET,
                        target.uri(),
                        ProxySettings.WRITE_POLICY,
                        "SOURCE_AUTHORITATIVE",
                        ProxySettings.READ_MODE,
                        "SOURCE",
                        ProxySettings.KAFKA,
                        kafka.bootstrapServers(),
                        ProxySettings.TOPIC_PREFIX,
                        prefix,
                        ProxySettings.IO_THREADS,
                        "1")));
    }
}
