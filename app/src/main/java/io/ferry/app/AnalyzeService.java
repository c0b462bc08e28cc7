package io.ferry.app;

import io.ferry.analyzer.AnalysisReport;
import io.ferry.analyzer.AnalysisSnapshot;
import io.ferry.analyzer.AnalysisTopicReader;
import io.ferry.analyzer.Recommender;
import io.ferry.analyzer.SourceServer;
import io.ferry.analyzer.TargetProfile;
import io.ferry.analyzer.TrafficProfile;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * {@code ferry analyze}: the traffic profile the analyzers published (the analysis topic, read from
 * its beginning and folded: no analyzer needs to be reachable, and every instance's work is there),
 * plus the source's INFO, turned into a recommendation; prints a summary and writes a JSON report.
 * Exit status 0 with a report, 1 when Kafka or the source could not be read.
 */
final class AnalyzeService implements Service {
    private static final Logger log = LoggerFactory.getLogger(AnalyzeService.class);

    static final String REPORT = "report";
    static final String MEMORY_HEADROOM = "memory-headroom";
    static final String THROUGHPUT_HEADROOM = "throughput-headroom";
    static final String READ_TIMEOUT_MS = "read-timeout-ms";

    static final SettingsSpec SPEC = new SettingsSpec(
            "analyze",
            "the traffic profile from the analysis topic plus the source's INFO: target sizing, strategy, "
                    + "policies and warnings, printed and written as JSON",
            EndpointSettings.defineSource(
                            AnalyzerSettings.defineCommon(new ConfigDef()),
                            "The source Redis whose INFO (memory, keyspace, clients, version, persistence) goes "
                                    + "into the recommendation: redis://[user:password@]host:port, rediss:// for TLS.")
                    .define(
                            REPORT,
                            Type.STRING,
                            "ferry-analysis-report.json",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "The JSON report file.")
                    .define(
                            MEMORY_HEADROOM,
                            Type.DOUBLE,
                            Recommender.DEFAULT_MEMORY_HEADROOM,
                            Range.between(1.0, 100.0),
                            Importance.MEDIUM,
                            "Target memory as a multiple of the source's used memory.")
                    .define(
                            THROUGHPUT_HEADROOM,
                            Type.DOUBLE,
                            Recommender.DEFAULT_THROUGHPUT_HEADROOM,
                            Range.between(1.0, 100.0),
                            Importance.MEDIUM,
                            "Target throughput as a multiple of the busiest window's commands per second.")
                    .define(
                            READ_TIMEOUT_MS,
                            Type.LONG,
                            60_000L,
                            Range.between(1000, 3_600_000),
                            Importance.LOW,
                            "How long reading the analysis topic to its end may take, ms."),
            EndpointSettings.SOURCE_RULES);

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        return run(
                settings,
                new PrintWriter(System.out, true, java.nio.charset.StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        settings.logEffective(log);
        TargetProfile target;
        try {
            target = AnalyzerSettings.target(settings);
        } catch (IllegalArgumentException e) {
            err.println("ferry analyze: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        String runId = settings.getString(AnalyzerSettings.RUN_ID);
        AnalysisSnapshot snapshot;
        try {
            // The report uses the overall profile only: no windows kept in memory.
            snapshot = new AnalysisTopicReader(AnalyzerSettings.kafka(settings), AnalyzerSettings.topics(settings), 0)
                    .read(runId, Duration.ofMillis(settings.getLong(READ_TIMEOUT_MS)));
        } catch (TimeoutException | KafkaException e) {
            err.println("ferry analyze: cannot read the analysis topic: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        RedisEndpoint source = EndpointSettings.source(settings);
        SourceServer server;
        try {
            server = info(source);
        } catch (RedisException e) {
            err.println("ferry analyze: cannot read INFO from the " + source + ": " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        TrafficProfile traffic = TrafficProfile.of(snapshot).checkedAgainst(target);
        Recommender recommender =
                new Recommender(settings.getDouble(MEMORY_HEADROOM), settings.getDouble(THROUGHPUT_HEADROOM), target);
        AnalysisReport report = new AnalysisReport(
                runId, source.uri().toString(), target, traffic, server, recommender.recommend(traffic, server));
        Path file = Path.of(settings.getString(REPORT));
        report.write(file);
        out.print(report.summary());
        out.println("report: " + file.toAbsolutePath());
        out.flush();
        return Ferry.EXIT_OK;
    }

    private static SourceServer info(RedisEndpoint source) {
        ClientResources resources = DefaultClientResources.builder().build();
        try (RedisEndpoint.Client client = source.open(resources);
                StatefulRedisConnection<byte[], byte[]> connection = client.connect()) {
            return SourceServer.parse(connection.sync().info("everything"));
        } finally {
            resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
