package io.ferry.app;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.ScanOptions;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code ferry mover} process killed with SIGKILL in the middle of a copy: another mover process
 * takes its tasks over and the run finishes with every key right on the target.
 */
class MoverCrashIT {
    private static final int KEYS = 40_000;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void aMoverKilledMidRunIsReplacedAndEveryKeyArrives() throws Exception {
        RedisServer source = redis.start("crash-source");
        RedisServer target = redis.start("crash-target");
        String prefix = kafka.uniqueName("crash");
        RedisClient client = RedisClient.create();
        List<Process> movers = new ArrayList<>();
        try (StatefulRedisConnection<String, String> src = client.connect(RedisURI.create(source.uri()));
                StatefulRedisConnection<String, String> dst = client.connect(RedisURI.create(target.uri()))) {
            load(src.async());
            Process first = mover(source, target, prefix, "first", "10");
            movers.add(first);
            // This process only scans (no workers of its own) and waits for the movers' commits.
            CopyRun run = new CopyRun(
                    new CopyRun.Options(
                            "crash",
                            RedisEndpoint.of("source", source.uri()),
                            RedisEndpoint.of("target", target.uri()),
                            Map.of("bootstrap.servers", kafka.bootstrapServers()),
                            prefix,
                            new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 1000, 200),
                            CopyOptions.DEFAULTS,
                            0),
                    new SimpleMeterRegistry());
            CompletableFuture<CopyRun.Outcome> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return run.run(Duration.ofSeconds(1), totals -> {});
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> dst.sync().dbsize() >= KEYS / 10);
            first.destroyForcibly();
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            long copiedWhenKilled = dst.sync().dbsize();
            assertThat(copiedWhenKilled)
                    .as("keys on the target when the mover was killed")
                    .isLessThan(KEYS);

            Process second = mover(source, target, prefix, "second", "200");
            movers.add(second);
            CopyRun.Outcome done = outcome.get(3, TimeUnit.MINUTES);

            assertThat(done.complete()).isTrue();
            assertThat(Keyspaces.differences(src, dst)).isEmpty();
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(log("second"))).contains("mover stopped");
        } finally {
            for (Process mover : movers) {
                mover.destroyForcibly();
            }
            client.shutdown();
        }
    }

    private static void load(RedisAsyncCommands<String, String> redis) {
        List<RedisFuture<?>> replies = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            replies.add(
                    i % 2 == 0
                            ? redis.set("s:" + i, "value " + i)
                            : redis.hset("h:" + i, Map.of("field", "value " + i, "n", String.valueOf(i))));
            if (i % 7 == 0) {
                replies.add(redis.pexpire(i % 2 == 0 ? "s:" + i : "h:" + i, 3_600_000 + i));
            }
        }
        assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(60), replies.toArray(RedisFuture[]::new)))
                .isTrue();
    }

    private static Path log(String name) {
        return Path.of("target", "mover-crash-" + name + ".log");
    }

    /** A {@code ferry mover} process of its own (one worker, no reconciler), as an operator starts one. */
    private static Process mover(RedisServer source, RedisServer target, String prefix, String name, String window)
            throws Exception {
        return new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx256m",
                        "-jar",
                        Path.of("target", "ferry.jar").toString(),
                        "mover",
                        "--source",
                        source.uri(),
                        "--target",
                        target.uri(),
                        "--kafka",
                        kafka.bootstrapServers(),
                        "--topic-prefix",
                        prefix,
                        "--run-id",
                        "crash",
                        "--workers",
                        "1",
                        "--window-keys",
                        window,
                        "--reconcile",
                        "false",
                        // The killed mover's tasks go to the next after 6 s, not Kafka's default 45 s.
                        "--group.session-timeout-ms",
                        "6000")
                .redirectErrorStream(true)
                .redirectOutput(log(name).toFile())
                .start();
    }
}
