package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.control.api.ControlServer;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ferry migrate}: a run driven from the command line against a real control plane, with its exit codes. */
class MigrateCommandIT {
    private static final String TOKEN = "migrate-command-token-123";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private String control;
    private Path tokenFile;

    private int migrate(String action, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        List<String> all =
                new ArrayList<>(List.of("migrate", action, "--control", control, "--token-file", tokenFile.toString()));
        all.addAll(List.of(args));
        return Ferry.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aRunFromTheCommandLineWithExitCodesScriptsCanRelyOn(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("migrate-source");
        RedisServer target = redis.start("migrate-target");
        TopicRegistry topics =
                TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("migrate"), Duration.ofSeconds(30));
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        try (ControlServer server = ControlServer.start(new ControlServer.Options(
                "127.0.0.1",
                0,
                TOKEN,
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                topics,
                Sealer.fromKeyFile(dir.resolve("key"))))) {
            control = "http://127.0.0.1:" + server.address().getPort();
            post(
                    "/api/v1/endpoints",
                    "{\"id\": \"source\", \"config\": {\"target\": {\"host\": \"127.0.0.1\", \"port\": " + source.port()
                            + "}}}");
            post(
                    "/api/v1/endpoints",
                    "{\"id\": \"target\", \"config\": {\"target\": {\"host\": \"127.0.0.1\", \"port\": " + target.port()
                            + "}}}");
            post("/api/v1/interlays", "{\"id\": \"app\", \"endpoint\": \"source\", \"port\": 16398}");

            assertThat(migrate("create", "--run", "cli")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("run cli: phase PRE_TEST");
            assertThat(migrate("approve", "--run", "cli")).isEqualTo(MigrateService.REFUSED);
            assertThat(err.toString()).contains("refused: approve is not allowed in phase PRE_TEST");
            assertThat(migrate(
                            "setup",
                            "--run",
                            "cli",
                            "--source",
                            "source",
                            "--target",
                            "target",
                            "--strategy",
                            "CANARY",
                            "--data-movement",
                            "SYNC_ONLY"))
                    .as(err.toString())
                    .isZero();
            assertThat(out.toString()).contains("source -> target, CANARY");
            assertThat(migrate("prepare", "--run", "cli")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("phase TEST").contains("test-run");
            for (JsonNode finding :
                    new ObjectMapper().readTree(get("/api/v1/migrations/cli")).get("findings")) {
                if (!finding.get("severity").asText().equals("INFO")) {
                    assertThat(migrate(
                                    "acknowledge",
                                    "--run",
                                    "cli",
                                    "--finding",
                                    finding.get("index").asText(),
                                    "--note",
                                    "seen from the CLI"))
                            .as(err.toString())
                            .isZero();
                }
            }
            assertThat(migrate("approve", "--run", "cli")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("phase MIGRATE").contains("writes SOURCE_AUTHORITATIVE");
            assertThat(migrate("traffic", "--run", "cli")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("5% on the target");
            assertThat(migrate("traffic", "--run", "cli", "--ratio", "7")).isEqualTo(MigrateService.REFUSED);
            assertThat(err.toString()).contains("canary step");
            assertThat(migrate("rollback", "--run", "cli")).isZero();
            assertThat(migrate("resume", "--run", "cli")).isZero();
            assertThat(migrate("complete", "--run", "cli", "--accept-target", "true"))
                    .isEqualTo(MigrateService.REFUSED);
            assertThat(err.toString()).contains("clean keyspace verify");

            target.command("SET stray 1");
            assertThat(migrate("verify", "--run", "cli")).isEqualTo(MigrateService.REFUSED);
            assertThat(out.toString()).contains("verify: DIFFERENT: 0 keys checked, 1 confirmed different");
            target.command("DEL stray");
            assertThat(migrate("verify", "--run", "cli")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("verify: EQUAL");
            assertThat(migrate("complete", "--run", "cli", "--accept-target", "true"))
                    .as(err.toString())
                    .isZero();
            assertThat(out.toString()).contains("phase COMMIT").contains("writes TARGET_AUTHORITATIVE");

            assertThat(migrate("status")).isZero();
            assertThat(out.toString()).containsPattern("cli +COMMIT +CANARY +100%");

            Files.writeString(tokenFile, "not-the-token-but-long-enough\n");
            assertThat(migrate("status")).isEqualTo(MigrateService.REFUSED);
            assertThat(err.toString()).contains("the token was refused");
        }
        control = "http://127.0.0.1:1";
        assertThat(migrate("status")).isEqualTo(MigrateService.UNAVAILABLE);
        assertThat(err.toString()).contains("does not answer");
    }

    @Test
    void withoutATokenItSaysSo() {
        int status = Ferry.execute(
                new String[] {"migrate", "approve", "--run", "x"},
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("give exactly one of 'token' and 'token-file'");
    }

    private String get(String path) throws Exception {
        return send("GET", path, null);
    }

    private void post(String path, String body) throws Exception {
        send("POST", path, body);
    }

    private String send(String method, String path, String body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(control + path))
                                .header("Authorization", "Bearer " + TOKEN)
                                .method(
                                        method,
                                        body == null
                                                ? HttpRequest.BodyPublishers.noBody()
                                                : HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return response.body();
    }
}
