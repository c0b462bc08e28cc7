package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ferry run}: everything in one process around an embedded Kafka on disk. The run comes set up; through the
 * API it is prepared and approved; an application writing through the listener reaches both sides and the copy
 * carries the older keys; stopped and started again on the same data folder, it is where it was.
 */
class RunCommandIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @Test
    void oneProcessRunsTheMigrationAndResumesItAfterARestart(@TempDir Path data) throws Exception {
        RedisServer source = redis.start("run-source");
        RedisServer target = redis.start("run-target", "--requirepass", "target-pa55");
        for (int i = 0; i < 100; i++) {
            source.command("SET old:" + i + " v" + i);
        }
        int listen = FreePorts.next();
        AllInOne.Options options = new AllInOne.Options(
                RedisUri.parse(source.uri()),
                RedisUri.parse("redis://:target-pa55@127.0.0.1:" + target.port()),
                data,
                new HostPort("127.0.0.1", listen),
                new HostPort("127.0.0.1", 0),
                "move");
        try (AllInOne run = AllInOne.start(options, new SimpleMeterRegistry())) {
            assertThat(run.run("move").get("phase").asText()).isEqualTo("ANALYZE");
            ControlClient api = new ControlClient(run.url(), run.token());
            JsonNode prepared = api.post("/api/v1/migrations/move/prepare", null);
            for (JsonNode finding : prepared.get("findings")) {
                assertThat(finding.get("blocking").asBoolean())
                        .as(finding.toString())
                        .isFalse();
                if (!finding.get("severity").asText().equals("INFO")) {
                    api.post(
                            "/api/v1/migrations/move/findings/"
                                    + finding.get("index").asInt() + "/acknowledge",
                            Map.of("note", "test"));
                }
            }
            // Approved with ferry migrate, which waits for the copy with its progress.
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            assertThat(Ferry.execute(
                            new String[] {
                                "migrate",
                                "approve",
                                "--control",
                                run.url(),
                                "--token",
                                run.token(),
                                "--run",
                                "move",
                                "--wait-copy",
                                "true"
                            },
                            new java.io.PrintWriter(out, true),
                            new java.io.PrintWriter(err, true)))
                    .as(out + " " + err)
                    .isZero();
            assertThat(out.toString()).contains("phase MIGRATE").containsPattern("copy COMPLETE: 100 copied, .* bytes");
            assertThat(run.run("move").at("/copy/total").asLong()).isEqualTo(100);
            assertThat(run.run("move").at("/copy/bytes").asLong()).isPositive();

            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> app =
                    client.connect(RedisURI.create("redis://127.0.0.1:" + listen))) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    app.sync().set("new", "through the listener");
                    assertThat(targetHas(target, "new")).isTrue();
                });
            } finally {
                client.shutdown();
            }
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> run.run("move").at("/copy/state").asText().equals("COMPLETE"));
            assertThat(targetHas(target, "old:99")).isTrue();
        }

        // The same data folder: the migration is where it was.
        try (AllInOne again = AllInOne.start(options, new SimpleMeterRegistry())) {
            JsonNode resumed = again.run("move");
            assertThat(resumed.get("phase").asText()).isEqualTo("MIGRATE");
            assertThat(resumed.at("/route/write_policy").asText()).isEqualTo("SOURCE_AUTHORITATIVE");
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> app =
                    client.connect(RedisURI.create("redis://127.0.0.1:" + listen))) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    app.sync().set("after-restart", "both");
                    assertThat(targetHas(target, "after-restart")).isTrue();
                });
            } finally {
                client.shutdown();
            }
        }
    }

    private static boolean targetHas(RedisServer target, String key) throws Exception {
        try (var redis = RedisClient.create("redis://:target-pa55@127.0.0.1:" + target.port())
                .connect()) {
            return redis.sync().exists(key) == 1;
        }
    }
}
