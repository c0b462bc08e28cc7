package io.ferry.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.control.store.Sealer;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.ScanOptions;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's error keys through the API: listed, exported, copied again once the cause is fixed. */
class ControlErrorsIT {
    private static final String TOKEN = "another-token-of-enough-length";
    private static final String SECRET = "pa55word-of-the-mover";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theKeysACopyCouldNotWriteAreListedExportedAndReplayed(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("errors-api-source");
        RedisServer target = redis.start("errors-api-target", "--user", "mover", "on", ">" + SECRET, "~ok:*", "+@all");
        for (int i = 0; i < 5; i++) {
            source.command("SET ok:" + i + " v" + i);
        }
        source.command("SET blocked:a 1");
        source.command("SADD blocked:b x y");
        TopicRegistry topics =
                TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("errors-api"), Duration.ofSeconds(30));
        String targetUri = "redis://mover:" + SECRET + "@127.0.0.1:" + target.port();
        CopyRun.Outcome copied = new CopyRun(
                        new CopyRun.Options(
                                "orders",
                                RedisEndpoint.of("source", source.uri()),
                                RedisEndpoint.of("target", targetUri),
                                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                                topics.prefix(),
                                new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 100, 100),
                                CopyOptions.DEFAULTS,
                                1,
                                false,
                                Duration.ofSeconds(1)),
                        new SimpleMeterRegistry())
                .run(Duration.ofSeconds(1), totals -> {});
        assertThat(copied.totals().failed()).isEqualTo(2);

        try (ControlServer server = ControlServer.start(new ControlServer.Options(
                "127.0.0.1",
                0,
                TOKEN,
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                topics,
                Sealer.fromKeyFile(dir.resolve("key"))))) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            post(base, "/api/v1/endpoints", """
                    {"id": "source", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(source.port()));
            post(base, "/api/v1/endpoints", """
                    {"id": "target", "config": {"target": {"host": "127.0.0.1", "port": %d},
                      "read_credentials": {"username": "mover", "password": "%s"},
                      "write_credentials": {"username": "mover", "password": "%s"}}}""".formatted(target.port(), SECRET, SECRET));
            post(base, "/api/v1/migrations", "{\"id\": \"orders\"}");
            send(
                    base,
                    "PUT",
                    "/api/v1/migrations/orders/setup",
                    "{\"source\": \"source\", \"target\": \"target\", \"strategy\": \"BIG_BANG\"}",
                    200);

            JsonNode listed = json.readTree(send(base, "GET", "/api/v1/migrations/orders/errors", null, 200));
            assertThat(listed.get("total").asInt()).isEqualTo(2);
            List<String> keys = new ArrayList<>();
            listed.get("errors").forEach(e -> keys.add(e.get("key").asText()));
            assertThat(keys).containsExactlyInAnyOrder("blocked:a", "blocked:b");
            assertThat(listed.at("/errors/0/error").asText()).startsWith("NOPERM");
            JsonNode one = json.readTree(send(base, "GET", "/api/v1/migrations/orders/errors?limit=1", null, 200));
            assertThat(one.get("errors")).hasSize(1);
            assertThat(one.get("total").asInt()).isEqualTo(2);
            send(base, "GET", "/api/v1/migrations/orders/errors?limit=0", null, 400);
            send(base, "GET", "/api/v1/migrations/orders/errors?limit=many", null, 400);

            String exported = send(base, "GET", "/api/v1/migrations/orders/errors/export", null, 200);
            assertThat(exported.lines().toList()).hasSize(2).allSatisfy(line -> assertThat(
                            json.readTree(line).get("runId").asText())
                    .isEqualTo("orders"));

            // The cause fixed, the keys copied again and checked.
            target.command("ACL SETUSER mover ~*");
            JsonNode replayed = json.readTree(send(base, "POST", "/api/v1/migrations/orders/errors/replay", null, 200));
            assertThat(replayed.get("replayed").asInt()).isEqualTo(2);
            assertThat(replayed.get("all_resolved").asBoolean())
                    .as(replayed.toString())
                    .isTrue();
            assertThat(replayed.at("/outcomes/VERIFIED").asInt()).isEqualTo(2);
            assertThat(target.command("EXISTS blocked:a")).isEqualTo(":1");
            assertThat(target.command("SCARD blocked:b")).isEqualTo(":2");
        }
    }

    private void post(String base, String path, String body) throws Exception {
        send(base, "POST", path, body, 201);
    }

    private String send(String base, String method, String path, String body, int status) throws Exception {
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
        assertThat(response.body()).doesNotContain(SECRET);
        return response.body();
    }
}
