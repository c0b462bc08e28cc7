package io.ferry.control.api;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The control plane through HTTP only, with real redis-servers and a real broker. */
class ControlApiIT {
    private static final String TOKEN = "a-token-of-32-characters-or-so!!";
    private static final String SECRET = "pa55word-that-must-not-leak";
    private static final String MIRROR = "spare";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TopicRegistry topics;
    private ControlServer server;

    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void start() throws Exception {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        topics = TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("control"), Duration.ofSeconds(30));
        server = startServer();
    }

    private ControlServer startServer() throws IOException {
        return ControlServer.start(new ControlServer.Options(
                "127.0.0.1",
                0,
                TOKEN,
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                topics,
                Sealer.fromKeyFile(dir.resolve("control.key"))));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        synchronized (logs.list) {
            assertThat(logs.list).isNotEmpty().noneSatisfy(event -> assertThat(event.getFormattedMessage()
                            + (event.getThrowableProxy() == null
                                    ? ""
                                    : event.getThrowableProxy().getMessage()))
                    .contains(SECRET));
        }
    }

    private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path, String body) throws Exception {
        HttpResponse<String> response = call(method, path, body, TOKEN);
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isBetween(200, 299);
        assertThat(response.body()).doesNotContain(SECRET);
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    private JsonNode refused(int status, String method, String path, String body) throws Exception {
        HttpResponse<String> response = call(method, path, body, TOKEN);
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isEqualTo(status);
        assertThat(response.body()).doesNotContain(SECRET);
        return JSON.readTree(response.body());
    }

    private static String endpoint(String id, RedisServer server, String user) {
        return """
                {"id": "%s", "kind": "redis", "config": {
                  "target": {"host": "127.0.0.1", "port": %d, "tls": false, "protocol_version": 2},
                  "read_credentials": {"username": "%s", "password": "%s"},
                  "write_credentials": {"username": "%s", "password": "%s"},
                  "connection_pool": {"multiplexed_connections": 2}}}
                """.formatted(id, server.port(), user, SECRET, user, SECRET);
    }

    private static RedisServer secured(String name) throws Exception {
        RedisServer server = redis.start(name);
        server.command("ACL SETUSER ferry on >" + SECRET + " ~* +@all");
        return server;
    }

    @Test
    void everyRouteWantsTheRightTokenAndTheDocumentListsEveryRoute() throws Exception {
        List<String[]> routes = new ArrayList<>();
        for (ControlServer.Route route : ControlServer.routes()) {
            routes.add(new String[] {route.method(), route.path()});
        }
        routes.add(new String[] {"GET", "/api/v1/migrations/{id}/events"});
        assertThat(routes).hasSizeGreaterThan(20);
        for (String[] route : routes) {
            String path = route[1].replace("{id}", "x").replace("{index}", "0");
            assertThat(call(route[0], path, "{}", null).statusCode())
                    .as("no token: %s %s", route[0], path)
                    .isEqualTo(401);
            HttpResponse<String> wrong = call(route[0], path, "{}", "not-the-token");
            assertThat(wrong.statusCode())
                    .as("wrong token: %s %s", route[0], path)
                    .isEqualTo(401);
            assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
        assertThat(call("GET", "/health", null, null).statusCode()).isEqualTo(200);

        JsonNode document = ok("GET", "/api/v1/openapi.json", null);
        assertThat(document.get("openapi").asText()).startsWith("3.");
        for (String[] route : routes) {
            assertThat(document.get("paths").get(route[1]))
                    .as("the OpenAPI document lists %s", route[1])
                    .isNotNull();
            assertThat(document.get("paths").get(route[1]).get(route[0].toLowerCase()))
                    .as("the OpenAPI document lists %s %s", route[0], route[1])
                    .isNotNull();
        }
    }

    @Test
    void endpointsKeepTheirPasswordsAndBadBodiesAreNamed() throws Exception {
        RedisServer source = secured("api-source");
        JsonNode created = ok("POST", "/api/v1/endpoints", endpoint("src", source, "ferry"));
        assertThat(created.at("/config/read_credentials/username").asText()).isEqualTo("ferry");
        assertThat(created.at("/config/read_credentials/password_set").asBoolean())
                .isTrue();
        assertThat(created.at("/config/connection_pool/multiplexed_connections").asInt())
                .isEqualTo(2);
        assertThat(ok("GET", "/api/v1/endpoints/src", null)
                        .at("/config/target/port")
                        .asInt())
                .isEqualTo(source.port());
        assertThat(ok("GET", "/api/v1/endpoints", null)).hasSize(1);
        refused(409, "POST", "/api/v1/endpoints", endpoint("src", source, "ferry"));

        // The per-role shape, with a reader address of its own.
        JsonNode roles = ok("POST", "/api/v1/endpoints", """
                {"id": "roles", "config": {
                  "read_conn": {"host": "127.0.0.1", "port": %d, "username": "ferry", "password": "%s"},
                  "write_conn": {"host": "localhost", "port": %d, "username": "ferry", "password": "%s"}}}
                """.formatted(source.port(), SECRET, source.port(), SECRET));
        assertThat(roles.at("/config/read_address/host").asText()).isEqualTo("127.0.0.1");
        assertThat(roles.at("/config/target/host").asText()).isEqualTo("localhost");

        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "mixed", "config": {"read_conn": {"host": "h", "port": 1}, "write_conn": {"host": "h", "port": 1},
                  "target": {"host": "h", "port": 1}}}""").get("error").asText())
                .contains("mixes the two shapes");
        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "typo", "config": {"target": {"hots": "h", "port": 1}}}""").get("error").asText())
                .isEqualTo("unknown field 'config.target.hots'");
        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "port", "config": {"target": {"host": "h", "port": "six"}}}""").get("error").asText())
                .isEqualTo("field 'config.target.port': expected an integer");
        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "port", "config": {"target": {"host": "h", "port": 70000}}}""").get("error").asText())
                .contains("config.target.port")
                .contains("70000");
        assertThat(refused(400, "POST", "/api/v1/endpoints", "{\"id\": ")
                        .get("error")
                        .asText())
                .contains("not valid JSON");
        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "bad id!", "config": {"target": {"host": "h", "port": 1}}}""").get("error").asText())
                .contains("field 'id'");
        assertThat(refused(400, "POST", "/api/v1/endpoints", """
                {"id": "x", "kind": "oracle", "config": {"target": {"host": "h", "port": 1}}}""").get("error").asText())
                .contains("field 'kind'");

        // Sealed on the topic too.
        for (byte[] value : rawControlRecords()) {
            assertThat(new String(value, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        }
        assertThat(call("POST", "/api/v1/endpoints", "{\"id\": \"" + "x".repeat(100_000) + "\"}", TOKEN)
                        .statusCode())
                .as("a body over the limit")
                .isEqualTo(413);
        ok("DELETE", "/api/v1/endpoints/roles", null);
        refused(404, "GET", "/api/v1/endpoints/roles", null);
    }

    @Test
    void directCallsRunOneCommandAndTheReadRouteRefusesWrites() throws Exception {
        RedisServer server = secured("api-direct");
        ok("POST", "/api/v1/endpoints", endpoint("direct", server, "ferry"));

        assertThat(ok("POST", "/api/v1/endpoints/direct/write", "{\"command\": [\"SET\", \"greeting\", \"hello\"]}")
                        .get("reply")
                        .asText())
                .isEqualTo("OK");
        assertThat(ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"GET\", \"greeting\"]}")
                        .get("reply")
                        .asText())
                .isEqualTo("hello");
        ok("POST", "/api/v1/endpoints/direct/write", "{\"command\": [\"RPUSH\", \"list\", \"a\", \"b\"]}");
        JsonNode list =
                ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"LRANGE\", \"list\", \"0\", \"-1\"]}");
        assertThat(list.get("reply").isArray()).isTrue();
        assertThat(list.get("reply").get(1).asText()).isEqualTo("b");
        assertThat(ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"GET\", \"nothing\"]}")
                        .get("reply")
                        .isNull())
                .isTrue();
        assertThat(ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"LLEN\", \"list\"]}")
                        .get("reply")
                        .asLong())
                .isEqualTo(2);
        assertThat(ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"GET\", \"list\"]}")
                        .get("error")
                        .asText())
                .startsWith("WRONGTYPE");
        server.command("SET binary \"\\xff\\xfe\"");
        assertThat(ok("POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"GET\", \"binary\"]}")
                        .at("/reply/base64")
                        .asText())
                .isEqualTo("//4=");

        assertThat(refused(400, "POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"SET\", \"k\", \"v\"]}")
                        .get("error")
                        .asText())
                .contains("SET is not a read");
        assertThat(refused(400, "POST", "/api/v1/endpoints/direct/read", "{\"command\": [\"FOO\"]}")
                        .get("error")
                        .asText())
                .contains("unknown commands count as writes");
        assertThat(refused(400, "POST", "/api/v1/endpoints/direct/write", "{\"command\": [\"BLPOP\", \"list\", \"0\"]}")
                        .get("error")
                        .asText())
                .contains("blocking");
        assertThat(refused(400, "POST", "/api/v1/endpoints/direct/write", "{\"command\": [\"SUBSCRIBE\", \"c\"]}")
                        .get("error")
                        .asText())
                .contains("pubsub");
        refused(400, "POST", "/api/v1/endpoints/direct/read", "{\"command\": []}");
        ok("POST", "/api/v1/endpoints", endpoint("wrong", server, "nobody"));
        assertThat(refused(502, "POST", "/api/v1/endpoints/wrong/read", "{\"command\": [\"PING\"]}")
                        .get("error")
                        .asText())
                .contains("wrong")
                .containsIgnoringCase("WRONGPASS");
        refused(404, "POST", "/api/v1/endpoints/nowhere/read", "{\"command\": [\"PING\"]}");
    }

    @Test
    void aRunGoesThroughItsPhasesAndSurvivesARestartOfTheControlPlane() throws Exception {
        RedisServer source = secured("run-source");
        RedisServer target = secured("run-target");
        for (int i = 0; i < 50; i++) {
            source.command("SET key:" + i + " v" + i);
            target.command("SET key:" + i + " v" + i);
        }
        target.command("SET already-here 1");
        ok("POST", "/api/v1/endpoints", endpoint("source", source, "ferry"));
        ok("POST", "/api/v1/endpoints", endpoint("target", target, "ferry"));
        ok("POST", "/api/v1/endpoints", endpoint(MIRROR, target, "ferry"));
        String run = "/api/v1/migrations/orders";

        JsonNode created = ok("POST", "/api/v1/migrations", "{\"id\": \"orders\"}");
        assertThat(created.get("phase").asText()).isEqualTo("PRE_TEST");
        assertThat(refused(409, "POST", run + "/approve", null).get("error").asText())
                .isEqualTo("approve is not allowed in phase PRE_TEST (allowed now: [setup, abandon])");
        refused(
                400,
                "PUT",
                run + "/setup",
                "{\"source\": \"source\", \"target\": \"nowhere\", \"strategy\": \"CANARY\"}");
        assertThat(refused(
                                400,
                                "PUT",
                                run + "/setup",
                                "{\"source\": \"source\", \"target\": \"target\", \"strategy\": \"SLOW\"}")
                        .get("error")
                        .asText())
                .contains("field 'strategy'");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "preserve_ttl": false}""").get("error").asText())
                .contains("preserve_ttl");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "key_filters": {"include": ["%s"]}}""".formatted("k".repeat(1500)))
                        .get("error")
                        .asText())
                .contains("key_filters.include[0]");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "mirror_targets": ["target"]}""").get("error").asText())
                .isEqualTo("field 'mirror_targets[0]': 'target' is already the source or the target");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "mirror_targets": ["elsewhere"]}""").get("error").asText())
                .contains("mirror_targets[0]");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "data_movement": "SYNC_ONLY",
                 "mirror_targets": ["%s"]}""".formatted(MIRROR))
                        .get("error")
                        .asText())
                .contains("needs data_movement COPY_AND_SYNC");
        assertThat(refused(400, "PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "mirror_targets": ["%s", "%s"]}""".formatted(MIRROR, MIRROR))
                        .get("error")
                        .asText())
                .isEqualTo("field 'mirror_targets[1]': '" + MIRROR + "' is listed twice");
        JsonNode setUp = ok("PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY", "conflict_policy": "REPLACE",
                 "write_consistency": "SOURCE_AUTHORITATIVE", "preserve_ttl": true,
                 "key_filters": {"include": [], "exclude": ["tmp:*"]}}""");
        assertThat(setUp.get("phase").asText()).isEqualTo("ANALYZE");

        // Configuration replication: the source publishes keyspace events, the target does not yet.
        source.command("CONFIG SET notify-keyspace-events Ex");
        JsonNode config = ok("GET", run + "/config", null);
        assertThat(config.get("diff").asText())
                .contains("notify-keyspace-events")
                .contains("+ 'xE'");
        refused(400, "POST", run + "/config/apply", "{\"parameters\": [\"maxmemory-samples\"]}");
        JsonNode applied = ok("POST", run + "/config/apply", "{\"parameters\": [\"notify-keyspace-events\"]}");
        assertThat(applied.at("/outcomes/0/result").asText()).isEqualTo("APPLIED");
        assertThat(target.command("CONFIG GET notify-keyspace-events")).isNotNull();
        assertThat(ok("GET", run + "/config", null).get("diff").asText()).doesNotContain("notify-keyspace-events");

        // No interlay stands in for the source yet: a blocking finding.
        JsonNode prepared = ok("POST", run + "/prepare", null);
        assertThat(prepared.get("phase").asText()).isEqualTo("TEST");
        assertThat(findings(prepared, true))
                .anyMatch(f -> f.get("check").asText().equals("interlays"));
        assertThat(refused(409, "POST", run + "/approve", null).get("error").asText())
                .contains("interlays, blocking");
        int blockingIndex = index(prepared, "interlays");
        assertThat(refused(409, "POST", run + "/findings/" + blockingIndex + "/acknowledge", "{\"note\": \"meh\"}")
                        .get("error")
                        .asText())
                .contains("is blocking");

        ok("POST", "/api/v1/interlays", """
                {"id": "orders-proxy", "endpoint": "source", "port": 16390,
                 "settings": {"max_concurrent_connections": 500}}""");
        assertThat(ok("POST", "/api/v1/interlays/orders-proxy/start", null)
                        .get("running")
                        .asBoolean())
                .isTrue();
        refused(409, "DELETE", "/api/v1/endpoints/source", null);
        prepared = ok("POST", run + "/prepare", null);
        assertThat(findings(prepared, true)).as(prepared.toString()).isEmpty();
        int notEmpty = index(prepared, "target-not-empty");
        assertThat(refused(409, "POST", run + "/approve", null).get("error").asText())
                .contains("not acknowledged");
        ok("POST", run + "/findings/" + notEmpty + "/acknowledge", "{\"note\": \"already-here is a test key\"}");
        for (JsonNode finding : prepared.get("findings")) {
            if (!finding.get("severity").asText().equals("INFO")
                    && finding.get("index").asInt() != notEmpty) {
                ok("POST", run + "/findings/" + finding.get("index").asInt() + "/acknowledge", "{\"note\": \"seen\"}");
            }
        }
        JsonNode approved = ok("POST", run + "/approve", null);
        assertThat(approved.get("phase").asText()).isEqualTo("MIGRATE");
        assertThat(approved.at("/route/write_policy").asText()).isEqualTo("SOURCE_AUTHORITATIVE");
        assertThat(approved.at("/route/read_mode").asText()).isEqualTo("SOURCE");
        long epoch = approved.at("/route/epoch").asLong();

        JsonNode canary = ok("POST", run + "/traffic", "{\"ratio_percent\": 5}");
        assertThat(canary.at("/route/read_mode").asText()).isEqualTo("RATIO");
        assertThat(canary.at("/route/ratio_percent").asInt()).isEqualTo(5);
        assertThat(canary.at("/route/epoch").asLong()).isEqualTo(epoch + 1);
        assertThat(refused(400, "POST", run + "/traffic", "{\"ratio_percent\": 7}")
                        .get("error")
                        .asText())
                .contains("canary step");
        ok("POST", run + "/traffic", "{\"ratio_percent\": 20}");
        JsonNode rolledBack = ok("POST", run + "/rollback", null);
        assertThat(rolledBack.get("phase").asText()).isEqualTo("ROLLBACK");
        assertThat(rolledBack.at("/route/read_mode").asText()).isEqualTo("SOURCE");
        assertThat(rolledBack.at("/route/ratio_percent").asInt()).isZero();
        refused(409, "POST", run + "/complete", "{\"accept_target\": true}");
        ok("POST", run + "/resume", null);

        // The control plane dies and comes back: the same state, read from the topic.
        server.close();
        server = startServer();
        JsonNode resumed = ok("GET", run, null);
        assertThat(resumed.get("phase").asText()).isEqualTo("MIGRATE");
        assertThat(resumed.at("/findings/" + notEmpty + "/note").asText()).isEqualTo("already-here is a test key");
        assertThat(resumed.at("/route/epoch").asLong()).isEqualTo(epoch + 4);
        assertThat(ok("POST", "/api/v1/endpoints/source/read", "{\"command\": [\"GET\", \"key:1\"]}")
                        .get("reply")
                        .asText())
                .as("the sealed password opens with the same key file after the restart")
                .isEqualTo("v1");

        // The run's events, from the first, as Server-Sent Events (asked of the restarted control plane).
        CompletableFuture<List<String>> stream = events("orders", "migration.committed");

        // Completing needs a clean keyspace verify: the extra key on the target makes it exit 1.
        assertThat(refused(409, "POST", run + "/complete", "{\"accept_target\": true}")
                        .get("error")
                        .asText())
                .contains("none has run");
        assertThat(call("POST", run + "/verify", null, TOKEN).statusCode()).isEqualTo(202);
        JsonNode verified = awaitVerify(run);
        assertThat(verified.at("/verify/exit_status").asInt()).isEqualTo(1);
        assertThat(verified.at("/verify/confirmed").asInt()).isEqualTo(1);
        assertThat(refused(409, "POST", run + "/complete", "{\"accept_target\": true}")
                        .get("error")
                        .asText())
                .contains("exited 1");
        target.command("DEL already-here");
        ok("POST", run + "/verify", null);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> ok("GET", run, null).at("/verify/exit_status").asInt() == 0);
        // The copy approval started (resumed by the restarted control plane) must be done too.
        await().atMost(Duration.ofMinutes(1))
                .until(() -> ok("GET", run, null).at("/copy/state").asText().equals("COMPLETE"));
        refused(400, "POST", run + "/complete", "{\"accept_target\": false}");
        JsonNode committed = ok("POST", run + "/complete", "{\"accept_target\": true}");
        assertThat(committed.get("phase").asText()).isEqualTo("COMMIT");
        assertThat(committed.at("/route/write_policy").asText()).isEqualTo("TARGET_AUTHORITATIVE");
        assertThat(committed.at("/route/read_mode").asText()).isEqualTo("TARGET");
        assertThat(committed.get("allowed_actions")).isEmpty();

        // What proxies follow: the run's migration state on the control topic.
        MigrationState route = latestRoute("orders");
        assertThat(route.getWritePolicy().name()).isEqualTo("TARGET_AUTHORITATIVE");
        assertThat(route.getEpoch()).isEqualTo(committed.at("/route/epoch").asLong());

        List<String> types = stream.get(60, TimeUnit.SECONDS);
        assertThat(types)
                .containsSubsequence(
                        "migration.created",
                        "migration.setup",
                        "config.applied",
                        "migration.prepared",
                        "finding.acknowledged",
                        "migration.approved",
                        "traffic.step",
                        "migration.rolled-back",
                        "migration.resumed",
                        "verify.finished",
                        "migration.committed");
        for (byte[] value : rawControlRecords()) {
            assertThat(new String(value, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        }
        for (byte[] value : raw(TypedTopic.EVENTS.topic())) {
            assertThat(new String(value, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        }
    }

    @Test
    void aTargetThatRestartsEmptyIsReadNoMoreUntilItsCopyStartedOverIsComplete() throws Exception {
        RedisServer source = secured("restart-source");
        RedisServer target = secured("restart-target");
        for (int i = 0; i < 2_000; i++) {
            source.command("SET key:" + i + " v" + i);
        }
        ok("POST", "/api/v1/endpoints", endpoint("source", source, "ferry"));
        ok("POST", "/api/v1/endpoints", endpoint("target", target, "ferry"));
        ok("POST", "/api/v1/interlays", """
                {"id": "restart-proxy", "endpoint": "source", "port": %d}""".formatted(FreePorts.next()));
        ok("POST", "/api/v1/interlays/restart-proxy/start", null);
        String run = "/api/v1/migrations/restarts";
        ok("POST", "/api/v1/migrations", "{\"id\": \"restarts\"}");
        ok("PUT", run + "/setup", """
                {"source": "source", "target": "target", "strategy": "CANARY"}""");
        JsonNode prepared = ok("POST", run + "/prepare", null);
        assertThat(findings(prepared, true)).as(prepared.toString()).isEmpty();
        for (JsonNode finding : prepared.get("findings")) {
            if (!finding.get("severity").asText().equals("INFO")) {
                ok("POST", run + "/findings/" + finding.get("index").asInt() + "/acknowledge", "{\"note\": \"seen\"}");
            }
        }
        ok("POST", run + "/approve", null);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> ok("GET", run, null).at("/copy/state").asText().equals("COMPLETE"));
        assertThat(target.command("DBSIZE")).isEqualTo(":2000");
        ok("POST", run + "/traffic", "{\"ratio_percent\": 20}");
        assertThat(call("POST", run + "/verify", null, TOKEN).statusCode()).isEqualTo(202);
        assertThat(awaitVerify(run).at("/verify/exit_status").asInt()).isZero();

        // The target dies and comes back empty (its ACL user is configured again, as a config file would).
        target.restartEmpty();
        target.command("ACL SETUSER ferry on >" + SECRET + " ~* +@all");

        // Noticed within seconds: reads back on the source, the clean verify forgotten, the copy started over.
        JsonNode held = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> ok("GET", run, null),
                        view -> view.at("/route/read_mode").asText().equals("SOURCE"));
        assertThat(held.at("/route/ratio_percent").asInt()).isZero();
        assertThat(held.get("target_restarts").asInt()).isEqualTo(1);
        assertThat(held.get("verify").isNull()).isTrue();
        assertThat(refused(409, "POST", run + "/complete", "{\"accept_target\": true}")
                        .get("error")
                        .asText())
                .contains("none has run");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> ok("GET", run, null).at("/copy/state").asText().equals("COMPLETE"));
        assertThat(target.command("DBSIZE"))
                .as("every key copied again into the emptied target")
                .isEqualTo(":2000");
        assertThat(target.command("EXISTS key:1999")).isEqualTo(":1");
        ok("POST", run + "/traffic", "{\"ratio_percent\": 20}");
        ok("POST", run + "/verify", null);
        assertThat(awaitVerify(run).at("/verify/exit_status").asInt()).isZero();
        List<String> types = new ArrayList<>();
        for (byte[] value : raw(TypedTopic.EVENTS.topic())) {
            String text = new String(value, StandardCharsets.ISO_8859_1);
            for (String type : List.of("target.restarted", "copy.started-over")) {
                if (text.contains(type)) {
                    types.add(type);
                }
            }
        }
        assertThat(types).containsSubsequence("target.restarted", "copy.started-over");
    }

    private JsonNode awaitVerify(String run) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(1)).until(() -> {
            last[0] = ok("GET", run, null);
            return !last[0].get("verify").isNull();
        });
        return last[0];
    }

    private static List<JsonNode> findings(JsonNode run, boolean blocking) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode finding : run.get("findings")) {
            if (finding.get("blocking").asBoolean() == blocking) {
                out.add(finding);
            }
        }
        return out;
    }

    private static int index(JsonNode run, String check) {
        for (JsonNode finding : run.get("findings")) {
            if (finding.get("check").asText().equals(check)) {
                return finding.get("index").asInt();
            }
        }
        throw new AssertionError("no finding " + check + " in " + run);
    }

    /** The event types of a run as Server-Sent Events deliver them, until {@code last} arrives. */
    private CompletableFuture<List<String>> events(String run, String last) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.address().getPort() + "/api/v1/migrations/" + run + "/events"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "text/event-stream")
                .build();
        return CompletableFuture.supplyAsync(() -> {
            List<String> types = new ArrayList<>();
            // The run does not exist yet: the stream is asked for once it does.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> call("GET", "/api/v1/migrations/" + run, null, TOKEN)
                                    .statusCode()
                            == 200);
            try {
                HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                Iterator<String> lines = response.body().iterator();
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith("event:")) {
                        String type = line.substring(6).trim();
                        types.add(type);
                        if (type.equals(last)) {
                            break;
                        }
                    }
                }
                response.body().close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return types;
        });
    }

    private List<byte[]> rawControlRecords() {
        return raw(TypedTopic.CONTROL.topic());
    }

    private List<byte[]> raw(io.ferry.schemas.Topic topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueName("raw"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.name(topic)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) {
                        values.add(record.value());
                    }
                }
                if (!values.isEmpty() && consumer.poll(Duration.ofMillis(500)).isEmpty()) {
                    break;
                }
            }
        }
        assertThat(values).isNotEmpty();
        return values;
    }

    private MigrationState latestRoute(String run) {
        MigrationState latest = null;
        for (byte[] value : rawControlRecords()) {
            ControlRecord record = TypedTopic.CONTROL.valueSerde().deserialize(null, value);
            if (record.getPayload() instanceof MigrationState state
                    && state.getRunId().equals(run)) {
                if (latest == null || state.getEpoch() > latest.getEpoch()) {
                    latest = state;
                }
            }
        }
        assertThat(latest).isNotNull();
        return latest;
    }
}
