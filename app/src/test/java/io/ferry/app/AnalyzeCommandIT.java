package io.ferry.app;

import io.ferry.analyzer.AnalysisSnapshot;
import io.ferry.analyzer.AnalysisTopicReader;
import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.Metric;
import io.ferry.analyzer.ProfileSketch;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traffic from redis-benchmark through a real proxy capturing every command (sample rate 1) to the
 * traffic topic, analyzed on a real broker: the command mix is exactly what redis-benchmark sent;
 * stopped, fed more traffic and started again with no local state, the analyzer goes on from its
 * changelogs without counting anything twice; then {@code ferry analyze --report} prints the profile
 * and the recommendation and writes them as JSON.
 */
class AnalyzeCommandIT {
    private static final int REQUESTS = 4000;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @TempDir
    Path dir;

    @Test
    void analyzesProxiedRedisBenchmarkTrafficExactlyAndReportsIt() throws Exception {
        RedisServer source = redis.start("analyze-source");
        String prefix = kafka.uniqueName("analyze");
        String run = kafka.uniqueName("run");
        AnalyzerConfig config = AnalyzerConfig.DEFAULTS.withRunId(run).withEmitInterval(Duration.ofMillis(300));
        TopicRegistry topics = TopicRegistry.builder().prefix(prefix).build();
        Map<String, Object> clients = kafka.clientConfig();

        try (ProxyServer proxy = ProxyServer.start(proxyConfig(source, prefix))) {
            benchmark(proxy.address().getPort(), REQUESTS);
            try (Analyzer analyzer =
                    new Analyzer(config, clients, topics, dir.resolve("state-1"), Analyzer.Guarantee.EXACTLY_ONCE, 1)) {
                analyzer.start();
                awaitMix(topics, run, REQUESTS);
            }

            benchmark(proxy.address().getPort(), REQUESTS / 2);
            try (Analyzer analyzer =
                    new Analyzer(config, clients, topics, dir.resolve("state-2"), Analyzer.Guarantee.EXACTLY_ONCE, 1)) {
                analyzer.start();
                awaitMix(topics, run, REQUESTS + REQUESTS / 2);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> analyzer.overall().map(ProfileSketch::ops).orElse(0L)
                                >= 3L * (REQUESTS + REQUESTS / 2));
            }
        }

        Path report = dir.resolve("report.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Ferry.execute(
                new String[] {
                    "analyze",
                    "--kafka",
                    kafka.bootstrapServers(),
                    "--topic-prefix",
                    prefix,
                    "--run-id",
                    run,
                    "--source",
                    source.uri(),
                    "--target-profile",
                    "elasticache",
                    "--report",
                    report.toString()
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(status).as("exit status; stderr: %s", err).isZero();
        int total = REQUESTS + REQUESTS / 2;
        assertThat(out.toString())
                .contains("traffic: ")
                .contains("SET " + total, "GET " + total, "INCR " + total)
                .contains("recommendation: target elasticache 7.0")
                .contains("report: " + report.toAbsolutePath());
        String json = Files.readString(report);
        assertThat(json)
                .contains("\"runId\" : \"" + run + "\"")
                .contains("\"SET\" : " + total, "\"GET\" : " + total, "\"INCR\" : " + total)
                .contains("\"prefixes\"", "\"key\"", "\"counter\"")
                .contains("\"sourceServer\" : {", "\"version\" : \"")
                .contains("\"strategy\" : \"", "\"writePolicy\" : \"SOURCE_AUTHORITATIVE\"")
                .doesNotContain("\"ops\" : 0,");
        // redis-benchmark asks CONFIG GET first: ElastiCache refuses CONFIG, and the report says so.
        assertThat(json).contains("\"UNSUPPORTED_BY_TARGET\" : {", "\"CONFIG GET\"");
    }

    @Test
    void withoutKafkaItSaysSoAndExitsNonZero() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Ferry.execute(
                new String[] {"analyze", "--source", "redis://127.0.0.1:1"},
                new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("setting 'kafka' is required");
    }

    /** redis-benchmark's SET, GET and INCR tests, {@code requests} each, pipelined, through the proxy. */
    private static void benchmark(int port, int requests) throws Exception {
        Process process = new ProcessBuilder(
                        "redis-benchmark",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "-t",
                        "set,get,incr",
                        "-n",
                        Integer.toString(requests),
                        "-P",
                        "8",
                        "-c",
                        "4",
                        "-q")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("redis-benchmark: %s", output).isZero();
    }

    private static void awaitMix(TopicRegistry topics, String run, int each) {
        AnalysisTopicReader reader = new AnalysisTopicReader(kafka.clientConfig(), topics);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    AnalysisSnapshot snapshot = reader.read(run, Duration.ofSeconds(20));
                    Map<String, Long> mix = new TreeMap<>();
                    snapshot.overallByDimension(Metric.COMMAND_OPS).forEach((command, record) -> {
                        if (command.equals("SET") || command.equals("GET") || command.equals("INCR")) {
                            mix.put(command, (long) record.getValue());
                        }
                    });
                    assertThat(mix).isEqualTo(Map.of("GET", (long) each, "INCR", (long) each, "SET", (long) each));
                });
    }

    private static ProxyConfig proxyConfig(RedisServer source, String prefix) {
        return ProxyConfig.from(SettingsLoader.load(
                ProxySettings.SPEC,
                Optional.empty(),
                Map.of(
                        ProxySettings.LISTEN, "127.0.0.1:0",
                        ProxySettings.SOURCE, source.uri(),
                        ProxySettings.KAFKA, kafka.bootstrapServers(),
                        ProxySettings.TOPIC_PREFIX, prefix,
                        ProxySettings.TRAFFIC_SAMPLE_RATE, "1.0",
                        ProxySettings.TRAFFIC_QUEUE_CAPACITY, "1000000",
                        ProxySettings.IO_THREADS, "1")));
    }
}
