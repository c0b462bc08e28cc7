package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.analyzer.AnalysisTopicReader;
import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.ProfileSketch;
import io.ferry.analyzer.TrafficProfile;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisCli;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.Tcpdump;
import io.ferry.testkit.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pre-test phase end to end, with nothing in the production path: tcpdump records redis-benchmark talking to a
 * real redis-server, {@code ferry capture} publishes the capture to the traffic topic, the analyzer profiles it on
 * a real broker, and {@code ferry analyze} reports a command mix equal to what the server itself counted
 * (INFO commandstats) for each command redis-benchmark sent.
 */
class CaptureAnalyzeIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void captureThenAnalyzeGivesTheCommandMixTheServerCounted(@TempDir Path dir) throws Exception {
        RedisServer server = redis.start("pretest-source");
        server.command("CONFIG RESETSTAT");
        Path pcap = dir.resolve("pretest.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(pcap, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,get,incr,lpush", "-n", "2000", "-P", "8", "-c", "2", "-q");
            tcpdump.finish();
        }
        Map<String, Long> counted = new LinkedHashMap<>();
        for (String command : new String[] {"set", "get", "incr", "lpush"}) {
            counted.put(command.toUpperCase(java.util.Locale.ROOT), calls(server, command));
        }
        long total = counted.values().stream().mapToLong(Long::longValue).sum();

        String prefix = kafka.uniqueName("pretest");
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), prefix, Duration.ofSeconds(30));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int captured = Ferry.execute(
                new String[] {
                    "capture",
                    "--pcap",
                    pcap.toString(),
                    "--port",
                    String.valueOf(server.port()),
                    "--kafka",
                    kafka.bootstrapServers(),
                    "--topic-prefix",
                    prefix
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(captured).as("ferry capture: %s%s", out, err).isZero();

        AnalyzerConfig config = AnalyzerConfig.DEFAULTS.withRunId("pretest").withEmitInterval(Duration.ofMillis(300));
        try (Analyzer analyzer = new Analyzer(
                config, kafka.clientConfig(), topics, dir.resolve("state"), Analyzer.Guarantee.AT_LEAST_ONCE, 1)) {
            analyzer.start();
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> analyzer.overall().map(ProfileSketch::ops).orElse(0L) >= total);
            // What ferry analyze reads is the analysis topic: wait until the profile published there is whole.
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> TrafficProfile.of(new AnalysisTopicReader(kafka.clientConfig(), topics, 0)
                                            .read("pretest", Duration.ofSeconds(30)))
                                    .ops()
                            >= total);
        }

        Path report = dir.resolve("report.json");
        out.getBuffer().setLength(0);
        int analyzed = Ferry.execute(
                new String[] {
                    "analyze",
                    "--kafka",
                    kafka.bootstrapServers(),
                    "--topic-prefix",
                    prefix,
                    "--run-id",
                    "pretest",
                    "--source",
                    server.uri(),
                    "--report",
                    report.toString()
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(analyzed).as("ferry analyze: %s%s", out, err).isZero();
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        JsonNode commands = json.findValue("commands");
        assertThat(commands).as(json.toString()).isNotNull();
        for (Map.Entry<String, Long> command : counted.entrySet()) {
            assertThat(commands.get(command.getKey()).asLong())
                    .as("%s captured and analysed vs counted by the server", command.getKey())
                    .isEqualTo(command.getValue());
        }
        assertThat(counted.get("SET")).isGreaterThanOrEqualTo(2000);
    }

    /** {@code calls} of {@code cmdstat_NAME} in the server's INFO commandstats. */
    private static long calls(RedisServer server, String name) throws Exception {
        String stats = RedisCli.run(server.port(), "INFO", "commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + name + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        throw new AssertionError("no cmdstat_" + name + " in " + stats);
    }
}
