package io.ferry.app;

import com.sun.net.httpserver.HttpServer;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Meters exported as operators collect them: Datadog (to a local receiver standing in for its API) and Prometheus. */
class MetricsIT {
    private static final String API_KEY = "dd-api-key-that-is-secret";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    /** A request Datadog's API got: path, API key header, body. */
    record Post(String path, String apiKey, String body) {}

    @Test
    void aCopyPostsItsSeriesToDatadogTaggedWithTheServiceAndNeverLogsTheKey() throws Exception {
        RedisServer source = redis.start("metrics-source");
        RedisServer target = redis.start("metrics-target");
        for (int i = 0; i < 200; i++) {
            source.command("SET key:" + i + " " + i);
        }
        List<Post> posts = new CopyOnWriteArrayList<>();
        HttpServer datadog = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        datadog.createContext("/", exchange -> {
            byte[] raw = exchange.getRequestBody().readAllBytes();
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            byte[] body = "gzip".equals(encoding)
                    ? new GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes()
                    : raw;
            posts.add(new Post(
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("DD-API-KEY"),
                    new String(body, StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        datadog.start();
        PrintStream processErr = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status;
        try {
            status = Ferry.execute(
                    new String[] {
                        "copy",
                        "--source",
                        source.uri(),
                        "--target",
                        target.uri(),
                        "--kafka",
                        kafka.bootstrapServers(),
                        "--topic-prefix",
                        kafka.uniqueName("metrics"),
                        "--metrics.datadog.api-key",
                        API_KEY,
                        "--metrics.datadog.uri",
                        "http://127.0.0.1:" + datadog.getAddress().getPort(),
                        "--metrics.datadog.step-seconds",
                        "1",
                        "--metrics.tags",
                        "env:test,team:data"
                    },
                    new PrintWriter(out, true),
                    new PrintWriter(err, true));
        } finally {
            System.setErr(processErr);
            datadog.stop(0);
        }
        assertThat(status).as("%s%s", err, stderr).isZero();
        // Closing the registry at the end of the copy posts what is left.
        assertThat(posts).isNotEmpty();
        assertThat(posts).allSatisfy(post -> {
            assertThat(post.path()).startsWith("/api/v1/series");
            // Micrometer's Datadog registry sends the key as the api_key query parameter (newer ones: a header).
            assertThat(API_KEY.equals(post.apiKey()) || post.path().contains("api_key=" + API_KEY))
                    .as("the API key reached Datadog: %s", post.path())
                    .isTrue();
        });
        String series = String.join("\n", posts.stream().map(Post::body).toList());
        assertThat(series)
                .contains("\"metric\":\"ferry.mover.keys\"")
                .contains("\"service:copy\"")
                .contains("\"env:test\"")
                .contains("\"team:data\"")
                .contains("jvm.memory.used");
        assertThat(stderr.toString(StandardCharsets.UTF_8) + out + err).doesNotContain(API_KEY);
    }

    @Test
    void aProxyNodeIsScrapedByPrometheus() throws Exception {
        RedisServer source = redis.start("metrics-proxy-source");
        Map<String, String> flags = new HashMap<>();
        flags.put(ProxySettings.LISTEN, "127.0.0.1:0");
        flags.put(ProxySettings.SOURCE, source.uri());
        flags.put(Metrics.PROMETHEUS_LISTEN, "127.0.0.1:0");
        flags.put(Metrics.TAGS, "env:test");
        Settings settings = SettingsLoader.load(ProxyService.SPEC, Optional.empty(), flags);
        try (Metrics metrics = Metrics.open("proxy", settings);
                ProxyServer proxy = ProxyServer.start(ProxyConfig.from(settings), metrics.registry())) {
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> connection = client.connect(
                    RedisURI.create("redis://127.0.0.1:" + proxy.address().getPort()))) {
                connection.sync().set("k", "v");
                HttpResponse<String> scrape = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + metrics.prometheusPort() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(scrape.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
                assertThat(scrape.body())
                        .contains("ferry_proxy_connections{")
                        .contains("service=\"proxy\"")
                        .contains("env=\"test\"")
                        .contains("jvm_memory_used_bytes");
                // The SET's latency, as histogram buckets Prometheus can take quantiles of.
                assertThat(scrape.body()
                                .lines()
                                .filter(line -> line.startsWith("ferry_proxy_command_seconds_bucket{")
                                        && line.contains("command=\"SET\"")
                                        && line.contains("side=\"source\"")
                                        && line.contains("outcome=\"ok\""))
                                .count())
                        .isGreaterThan(10);
            } finally {
                client.shutdown();
            }
        }
    }
}
