package io.ferry.app;

import io.ferry.comparator.verify.VerifyOptions;
import io.ferry.comparator.verify.VerifyReport;
import io.ferry.comparator.verify.VerifyRun;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.ScanOptions;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A historical copy while clients keep writing through the proxy (dual-write, writes log on Kafka):
 * the copy and the reconciler's catch-up finish while the writes go on, and then the target holds exactly what the
 * source holds.
 */
class LiveCopyIT {
    private static final int KEYS = 30_000;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void writesDuringTheCopyLeaveSourceAndTargetEqual() throws Exception {
        RedisServer source = redis.start("live-source");
        RedisServer target = redis.start("live-target");
        String prefix = kafka.uniqueName("live");
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> src = client.connect(RedisURI.create(source.uri()));
                StatefulRedisConnection<String, String> dst = client.connect(RedisURI.create(target.uri()))) {
            load(src);
            try (ProxyServer proxy = ProxyServer.start(proxyConfig(source, target, prefix))) {
                CopyRun run = new CopyRun(
                        new CopyRun.Options(
                                "live",
                                RedisEndpoint.of("source", source.uri()),
                                RedisEndpoint.of("target", target.uri()),
                                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                                prefix,
                                new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 500, 500),
                                CopyOptions.DEFAULTS.withWindowKeys(100),
                                2,
                                true,
                                Duration.ofSeconds(1)),
                        new SimpleMeterRegistry());
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong writes = new AtomicLong();
                AtomicReference<Throwable> writerFailure = new AtomicReference<>();
                Thread writer = new Thread(() -> write(proxy, writing, writes, writerFailure), "live-writer");
                writer.start();
                // Writes go on through the whole copy and its catch-up, as an application's would: the catch-up
                // ends once it has read past the end of the writes log as it stood when the copy completed
                // (a poll is never empty under a steady stream of writes).
                CopyRun.Outcome outcome = run.run(Duration.ofSeconds(1), totals -> {});
                writing.set(false);
                writer.join();

                assertThat(writerFailure.get()).isNull();
                assertThat(writes.get())
                        .as("writes made through the proxy during the copy")
                        .isGreaterThan(1000);
                assertThat(outcome.complete()).isTrue();
                assertThat(outcome.reconciled()).isNotNull();
                assertThat(outcome.reconciled().recopied()
                                + outcome.reconciled().deleted())
                        .as("keys the reconciler repaired")
                        .isGreaterThan(0);
                assertThat(Keyspaces.differences(src, dst)).isEmpty();

                // Now the keyspace verify, while the same writes go on through the proxy: the keys a
                // write in flight makes differ for a moment are re-checked, never confirmed.
                writing.set(true);
                long before = writes.get();
                Thread verifyWriter = new Thread(() -> write(proxy, writing, writes, writerFailure), "verify-writer");
                verifyWriter.start();
                VerifyReport verified;
                try {
                    verified = new VerifyRun(
                                    RedisEndpoint.of("source", source.uri()),
                                    RedisEndpoint.of("target", target.uri()),
                                    List.of(),
                                    VerifyOptions.DEFAULTS.withWindowKeys(100).withRounds(3, Duration.ofMillis(200)),
                                    null,
                                    null,
                                    new SimpleMeterRegistry(),
                                    null)
                            .run();
                } finally {
                    writing.set(false);
                    verifyWriter.join();
                }
                assertThat(writerFailure.get()).isNull();
                assertThat(writes.get() - before).as("writes during the verify").isGreaterThan(1000);
                assertThat(verified.checked()).isGreaterThanOrEqualTo(KEYS * 9 / 10);
                assertThat(verified.confirmed()).as("confirmed differences").isEmpty();
                assertThat(verified.exitStatus()).isEqualTo(VerifyReport.EQUAL);
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
                        default -> redis.set("c:" + i, String.valueOf(i));
                    });
        }
        assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(60), replies.toArray(RedisFuture[]::new)))
                .isTrue();
    }

    /** Random writes over the loaded keys, through the proxy, until told to stop. */
    private static void write(
            ProxyServer proxy, AtomicBoolean writing, AtomicLong writes, AtomicReference<Throwable> failure) {
        RedisClient client = RedisClient.create();
        Random random = new Random(11);
        try (StatefulRedisConnection<String, String> connection = client.connect(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(proxy.address().getPort())
                .withTimeout(Duration.ofSeconds(10))
                .build())) {
            RedisCommands<String, String> redis = connection.sync();
            while (writing.get()) {
                int i = random.nextInt(KEYS);
                switch (i % 4) {
                    case 0 -> {
                        if (random.nextInt(10) == 0) {
                            redis.del("s:" + i);
                        } else {
                            redis.set("s:" + i, "w" + writes.get());
                        }
                    }
                    case 1 -> redis.hincrby("h:" + i, "a", 1);
                    case 2 -> redis.rpush("l:" + i, "z" + writes.get());
                    default -> {
                        redis.incr("c:" + i);
                        if (random.nextInt(20) == 0) {
                            redis.expire("c:" + i, 3600);
                        }
                    }
                }
                writes.incrementAndGet();
            }
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            client.shutdown();
        }
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
