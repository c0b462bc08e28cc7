package io.ferry.control.interlay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.control.api.ControlServer;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole run driven through the control plane's HTTP API only, with a real client connected to an interlay served
 * by an interlay node: set up, started, prepared, approved (writes reach both sides, the copy runs), the control
 * plane restarted, canary steps to the target, rollback, resume, a clean verify, complete, stopped. The run has a
 * mirror target, which gets the copy and every write, is verified with the target, and never serves a read.
 */
class InterlayIT {
    private static final String TOKEN = "interlay-token-long-enough";
    private static final String SECRET = "target-pa55word";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private String base;

    @Test
    void aClientOfTheInterlayFollowsTheRunThroughItsPhases(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("interlay-source");
        RedisServer target = redis.start("interlay-target");
        RedisServer mirror = redis.start("interlay-mirror");
        target.command("ACL SETUSER ferry on >" + SECRET + " ~* +@all");
        TopicRegistry topics =
                TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("interlay"), Duration.ofSeconds(30));
        Map<String, Object> kafkaConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Sealer sealer = Sealer.fromKeyFile(dir.resolve("key"));
        int port = FreePorts.next();
        ControlServer.Options options = new ControlServer.Options("127.0.0.1", 0, TOKEN, kafkaConfig, topics, sealer);
        ControlServer control = ControlServer.start(options);
        try (InterlayNode node = new InterlayNode("app", kafkaConfig, topics, sealer, "node-1")) {
            base = "http://127.0.0.1:" + control.address().getPort();
            call("POST", "/api/v1/endpoints", """
                    {"id": "source", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(source.port()), 201);
            call("POST", "/api/v1/endpoints", """
                    {"id": "target", "config": {"target": {"host": "127.0.0.1", "port": %d},
                      "read_credentials": {"username": "ferry", "password": "%s"},
                      "write_credentials": {"username": "ferry", "password": "%s"}}}""".formatted(target.port(), SECRET, SECRET), 201);
            call("POST", "/api/v1/endpoints", """
                    {"id": "mirror", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(mirror.port()), 201);
            call("POST", "/api/v1/interlays", """
                    {"id": "app", "endpoint": "source", "listen_host": "127.0.0.1", "port": %d}""".formatted(port), 201);
            assertThat(node.address()).as("created, not started").isEmpty();
            // The run is set up first, so the listener starts with its target and never restarts.
            call("POST", "/api/v1/migrations", "{\"id\": \"app-move\"}", 201);
            call(
                    "PUT",
                    "/api/v1/migrations/app-move/setup",
                    "{\"source\": \"source\", \"target\": \"target\", \"mirror_targets\": [\"mirror\"], "
                            + "\"strategy\": \"CANARY\"}",
                    200);
            call("POST", "/api/v1/interlays/app/start", null, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> node.address().isPresent());

            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> app = client.connect(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(port)
                    .withTimeout(Duration.ofSeconds(10))
                    .build())) {
                RedisCommands<String, String> redis = app.sync();
                redis.set("before", "source only");
                assertThat(source.command("GET before")).isEqualTo("$11");
                assertThat(target.command("EXISTS before"))
                        .as("no dual-write before approval")
                        .isEqualTo(":0");

                JsonNode prepared = json.readTree(call("POST", "/api/v1/migrations/app-move/prepare", null, 200));
                for (JsonNode finding : prepared.get("findings")) {
                    assertThat(finding.get("blocking").asBoolean())
                            .as(finding.toString())
                            .isFalse();
                    if (!finding.get("severity").asText().equals("INFO")) {
                        call(
                                "POST",
                                "/api/v1/migrations/app-move/findings/"
                                        + finding.get("index").asInt() + "/acknowledge",
                                "{\"note\": \"reviewed\"}",
                                200);
                    }
                }
                call("POST", "/api/v1/migrations/app-move/approve", null, 200);
                // Approved: the node's proxy takes the new route from the control topic; writes reach both.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    redis.set("during", "both");
                    assertThat(target.command("EXISTS during")).isEqualTo(":1");
                });

                // The control plane dies mid-run: the interlay keeps serving; a new one carries on.
                control.close();
                redis.set("while-control-is-down", "both");
                assertThat(target.command("EXISTS while-control-is-down")).isEqualTo(":1");
                control = ControlServer.start(options);
                base = "http://127.0.0.1:" + control.address().getPort();
                assertThat(json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200))
                                .get("phase")
                                .asText())
                        .isEqualTo("MIGRATE");

                target.command("SET only-on-target here");
                call("POST", "/api/v1/migrations/app-move/traffic", "{\"ratio_percent\": 100}", 200);
                await().atMost(Duration.ofSeconds(30)).until(() -> "here".equals(redis.get("only-on-target")));

                call("POST", "/api/v1/migrations/app-move/rollback", null, 200);
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.get("only-on-target") == null);
                redis.set("after-rollback", "mirrored");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> target.command("EXISTS after-rollback").equals(":1"));
                call("POST", "/api/v1/migrations/app-move/resume", null, 200);
                call("POST", "/api/v1/migrations/app-move/traffic", "{\"ratio_percent\": 20}", 200);
                assertThat(redis.get("during")).isEqualTo("both");

                // The copy started at approval carried "before"; a clean verify, then complete.
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200))
                                .at("/copy/state")
                                .asText()
                                .equals("COMPLETE"));
                assertThat(target.command("EXISTS before")).isEqualTo(":1");
                target.command("DEL only-on-target");
                // The mirror got the historical copy ("before") and follows the writes; it never serves a read.
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200))
                                .at("/mirrors/0/state")
                                .asText()
                                .equals("FOLLOWING"));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> mirror.command("EXISTS after-rollback").equals(":1"));
                assertThat(mirror.command("EXISTS before")).isEqualTo(":1");
                mirror.command("SET only-on-mirror stray");
                assertThat(redis.get("only-on-mirror")).isNull();

                // The verify covers the mirror too: its stray key keeps the run from completing.
                assertThat(verify().at("/verify/exit_status").asInt()).isEqualTo(1);
                call("POST", "/api/v1/migrations/app-move/complete", "{\"accept_target\": true}", 409);
                mirror.command("DEL only-on-mirror");
                JsonNode verified = verify();
                assertThat(verified.at("/verify/exit_status").asInt())
                        .as(verified.toString())
                        .isZero();
                call("POST", "/api/v1/migrations/app-move/complete", "{\"accept_target\": true}", 200);
                // Committed: the target is authoritative; a key only it holds is what the client reads.
                target.command("SET only-on-target committed");
                await().atMost(Duration.ofSeconds(30)).until(() -> "committed".equals(redis.get("only-on-target")));
                // After commit the mirror keeps following; checked key by key against the source, not by Ferry.
                redis.set("after-commit", "mirrored too");
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(dumps(mirror)).isEqualTo(dumps(source)));
            } finally {
                client.shutdown();
            }

            call("POST", "/api/v1/interlays/app/stop", null, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> node.address().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> !listening(port));
            assertThat(node.problem()).isNull();
        } finally {
            control.close();
        }
    }

    @Test
    void aTakenPortIsReportedAndTheNodeKeepsFollowingTheControlTopic(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("busy-source");
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("busy"), Duration.ofSeconds(30));
        Map<String, Object> kafkaConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Sealer sealer = Sealer.fromKeyFile(dir.resolve("key"));
        ControlServer control =
                ControlServer.start(new ControlServer.Options("127.0.0.1", 0, TOKEN, kafkaConfig, topics, sealer));
        try (InterlayNode node = new InterlayNode("busy", kafkaConfig, topics, sealer, "node-1");
                java.net.ServerSocket squatter = new java.net.ServerSocket()) {
            base = "http://127.0.0.1:" + control.address().getPort();
            squatter.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = squatter.getLocalPort();
            call("POST", "/api/v1/endpoints", """
                    {"id": "source", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(source.port()), 201);
            call("POST", "/api/v1/interlays", """
                    {"id": "busy", "endpoint": "source", "listen_host": "127.0.0.1", "port": %d}""".formatted(port), 201);
            call("POST", "/api/v1/interlays/busy/start", null, 200);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(node.problem()).contains("could not start"));
            assertThat(node.address()).isEmpty();

            // The port is freed; the node, still following the control topic, listens at the next change.
            squatter.close();
            call("POST", "/api/v1/interlays/busy/stop", null, 200);
            call("POST", "/api/v1/interlays/busy/start", null, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> node.address().isPresent());
            assertThat(node.problem()).isNull();
        } finally {
            control.close();
        }
    }

    /** Runs a keyspace verify through the API and returns the run once its result is recorded. */
    private JsonNode verify() throws Exception {
        String before = json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200))
                .at("/verify/finished_at")
                .asText();
        call("POST", "/api/v1/migrations/app-move/verify", null, 202);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> !json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200))
                        .at("/verify/finished_at")
                        .asText()
                        .equals(before));
        return json.readTree(call("GET", "/api/v1/migrations/app-move", null, 200));
    }

    /** Every key of {@code server} with its DUMP payload (values and encodings), read with a plain client. */
    private static Map<String, String> dumps(RedisServer server) {
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            Map<String, String> dumps = new TreeMap<>();
            for (byte[] key : connection.sync().keys("*")) {
                dumps.put(
                        new String(key, StandardCharsets.UTF_8),
                        HexFormat.of().formatHex(connection.sync().dump(key)));
            }
            return dumps;
        } finally {
            client.shutdown();
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private String call(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isEqualTo(status);
        return response.body();
    }
}
