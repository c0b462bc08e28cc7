package io.ferry.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.ProfileSketch;
import io.ferry.control.store.Sealer;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
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
import static org.awaitility.Awaitility.await;

/**
 * Prepare with a workload analysed: traffic through a capturing proxy, the analyzer of the run on a real broker, and
 * the analysis in the run's findings (the recommendation, a strategy better suited than the one set up, and a
 * command the target's managed service refuses, which blocks approval).
 */
class PrepareAnalysisIT {
    private static final String TOKEN = "prepare-analysis-token";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @Test
    void theAnalysisOfTheWorkloadIsPartOfPrepare(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("analysis-source");
        RedisServer target = redis.start("analysis-target");
        TopicRegistry topics =
                TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("analysis"), Duration.ofSeconds(30));
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        AnalyzerConfig config = AnalyzerConfig.DEFAULTS.withRunId("shop").withEmitInterval(Duration.ofMillis(300));
        try (ProxyServer proxy = ProxyServer.start(ProxyConfig.from(SettingsLoader.load(
                        ProxySettings.SPEC,
                        Optional.empty(),
                        Map.of(
                                ProxySettings.LISTEN, "127.0.0.1:0",
                                ProxySettings.SOURCE, source.uri(),
                                ProxySettings.KAFKA, kafka.bootstrapServers(),
                                ProxySettings.TOPIC_PREFIX, topics.prefix()))));
                Analyzer analyzer = new Analyzer(
                        config,
                        kafka.clientConfig(),
                        topics,
                        dir.resolve("analyzer"),
                        Analyzer.Guarantee.AT_LEAST_ONCE,
                        1);
                ControlServer control = ControlServer.start(new ControlServer.Options(
                        "127.0.0.1", 0, TOKEN, clients, topics, Sealer.fromKeyFile(dir.resolve("key"))))) {
            analyzer.start();
            RedisClient client = RedisClient.create();
            long sent = 0;
            try (StatefulRedisConnection<String, String> app = client.connect(
                    RedisURI.create("redis://127.0.0.1:" + proxy.address().getPort()))) {
                RedisCommands<String, String> redis = app.sync();
                for (int i = 0; i < 200; i++) {
                    redis.set("cart:" + i, "v");
                    redis.get("cart:" + i);
                    sent += 2;
                }
                for (int i = 0; i < 20; i++) {
                    redis.multi();
                    redis.incr("orders");
                    redis.exec();
                    sent += 3;
                }
                redis.configGet("maxmemory");
                sent++;
            } finally {
                client.shutdown();
            }
            long expected = sent;
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> analyzer.overall().map(ProfileSketch::ops).orElse(0L) >= expected);

            base = "http://127.0.0.1:" + control.address().getPort();
            call("POST", "/api/v1/endpoints", """
                    {"id": "source", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(source.port()));
            call("POST", "/api/v1/endpoints", """
                    {"id": "target", "kind": "elasticache", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(target.port()));
            call("POST", "/api/v1/interlays", "{\"id\": \"shop\", \"endpoint\": \"source\", \"port\": 16397}");
            call("POST", "/api/v1/migrations", "{\"id\": \"shop\"}");
            call(
                    "PUT",
                    "/api/v1/migrations/shop/setup",
                    "{\"source\": \"source\", \"target\": \"target\", \"strategy\": \"CANARY\", \"data_movement\": \"NONE\"}");
            // The analysis topic is folded as published: wait until it holds every command sent (the client's own
            // handshake, HELLO and CLIENT SETINFO, comes on top).
            JsonNode[] last = new JsonNode[1];
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        last[0] = new ObjectMapper().readTree(call("POST", "/api/v1/migrations/shop/prepare", null));
                        return analysed(last[0]) >= expected;
                    });
            JsonNode prepared = last[0];
            assertThat(analysed(prepared)).as(prepared.toString()).isBetween(expected, expected + 10);
            assertThat(summary(prepared))
                    .as(prepared.toString())
                    .anySatisfy(s -> assertThat(s).contains("commands analysed").contains("recommended: a target of"))
                    .anySatisfy(s -> assertThat(s)
                            .contains("target (elasticache) refuses")
                            .contains("CONFIG GET"))
                    .anySatisfy(s ->
                            assertThat(s).contains("recommends strategy SHADOW").contains("set up with CANARY"))
                    .anySatisfy(s -> assertThat(s).contains("MULTI/EXEC transactions {MULTI=20, EXEC=20}"));
            boolean blocking = false;
            for (JsonNode finding : prepared.get("findings")) {
                if (finding.get("check").asText().equals("analysis")
                        && finding.get("summary").asText().startsWith("the application uses commands")) {
                    blocking = finding.get("blocking").asBoolean();
                }
            }
            assertThat(blocking).as("a refused command blocks approval").isTrue();
        }
    }

    /** The number of commands the analysis summary says it saw, or -1. */
    private static long analysed(JsonNode run) {
        for (String summary : summary(run)) {
            java.util.regex.Matcher count = java.util.regex.Pattern.compile("^([0-9,]+) commands analysed")
                    .matcher(summary);
            if (count.find()) {
                return Long.parseLong(count.group(1).replace(",", ""));
            }
        }
        return -1;
    }

    private static List<String> summary(JsonNode run) {
        List<String> out = new ArrayList<>();
        for (JsonNode finding : run.get("findings")) {
            if (finding.get("check").asText().equals("analysis")) {
                out.add(finding.get("summary").asText());
            }
        }
        return out;
    }

    private String call(String method, String path, String body) throws Exception {
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
                .isBetween(200, 299);
        return response.body();
    }
}
