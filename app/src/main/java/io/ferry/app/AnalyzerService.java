package io.ferry.app;

import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.ProfileSketch;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry analyzer}: the Kafka Streams analyzer over the traffic topic, publishing to the analysis
 * topic. Processes with the same run id share the traffic partitions; a restarted one resumes from its
 * changelogs. Logs a status line every {@value #STATUS_SECONDS} s; runs until SIGTERM or Ctrl-C, then
 * commits what it processed and exits 0, or exits 1 when Kafka Streams failed.
 */
final class AnalyzerService implements Service {
    private static final Logger log = LoggerFactory.getLogger(AnalyzerService.class);
    private static final long STATUS_SECONDS = 10;
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(60);

    static final SettingsSpec SPEC = new SettingsSpec(
            "analyzer",
            "the Kafka Streams traffic analyzer: traffic topic in, analysis topic and queryable stores out",
            AnalyzerSettings.defineAnalyzer(),
            List.of());

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        settings.logEffective(log);
        AnalyzerConfig config;
        try {
            config = AnalyzerSettings.config(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("ferry analyzer: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        Map<String, Object> kafka = AnalyzerSettings.kafka(settings);
        TopicRegistry topics;
        try (Admin admin = Admin.create(kafka)) {
            topics = TopicBootstrap.ensure(admin, settings.getString(AnalyzerSettings.TOPIC_PREFIX), KAFKA_TIMEOUT);
        } catch (TopicBootstrapException e) {
            System.err.println("ferry analyzer: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        Analyzer analyzer = new Analyzer(
                config,
                kafka,
                topics,
                Path.of(settings.getString(AnalyzerSettings.STATE_DIR)),
                Analyzer.Guarantee.valueOf(settings.getString(AnalyzerSettings.PROCESSING)),
                settings.getInt(AnalyzerSettings.THREADS));
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    stopping.countDown();
                    try {
                        closed.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ferry-analyzer-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            analyzer.start();
            log.info(
                    "analyzer {} on {} (window {} s, target {})",
                    analyzer.applicationId(),
                    topics.prefix(),
                    config.window().toSeconds(),
                    config.target());
            while (!stopping.await(STATUS_SECONDS, TimeUnit.SECONDS)) {
                KafkaStreams.State state = analyzer.state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                    System.err.println("ferry analyzer: Kafka Streams stopped (" + state + "); see the log");
                    return Ferry.EXIT_FAILURE;
                }
                log.info(
                        "analyzer: {}, {}",
                        state,
                        analyzer.overall()
                                .map(ProfileSketch::ops)
                                .map(ops -> ops + " commands profiled")
                                .orElse("the overall profile is on another instance"));
            }
            return Ferry.EXIT_OK;
        } finally {
            analyzer.close(Duration.ofSeconds(30));
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook is running.
            }
        }
    }
}
