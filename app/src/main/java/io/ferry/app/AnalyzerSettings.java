package io.ferry.app;

import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.TargetProfile;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.Settings;
import io.ferry.settings.Validators;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.time.Duration;
import java.util.Map;

/**
 * The settings of {@code ferry analyzer} and {@code ferry analyze}, declared once: Kafka, the run, the
 * target profile (both), and the analysis itself (the analyzer).
 */
final class AnalyzerSettings {
    static final String KAFKA = "kafka";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String RUN_ID = "run-id";
    static final String TARGET_PROFILE = "target-profile";
    static final String TARGET_VERSION = "target-version";
    static final String TARGET_DISABLED = "target-disabled-commands";

    static final String WINDOW_MS = "window-ms";
    static final String EMIT_INTERVAL_MS = "emit-interval-ms";
    static final String WINDOWS_KEPT = "windows-kept";
    static final String BIG_VALUE_BYTES = "big-value-bytes";
    static final String PREFIX_SEPARATORS = "prefix-separators";
    static final String MAX_PREFIXES = "max-prefixes";
    static final String TOP_KEYS = "top-keys";
    static final String STATE_DIR = "state-dir";
    static final String THREADS = "threads";
    static final String PROCESSING = "processing";

    private AnalyzerSettings() {}

    /** What both commands take: Kafka, run, target. */
    static ConfigDef defineCommon(ConfigDef definition) {
        return definition
                .define(
                        KAFKA,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        Validators.kafkaBootstrap(),
                        Importance.HIGH,
                        "Kafka bootstrap servers (host:port,...) holding the traffic and analysis topics.")
                .define(
                        TOPIC_PREFIX,
                        Type.STRING,
                        "ferry",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Prefix of Ferry's Kafka topic names.")
                .define(
                        RUN_ID,
                        Type.STRING,
                        Analyzer.DEFAULT_RUN,
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Name of the analysis: analyzers of one run share the Kafka Streams application "
                                + "ferry-analyzer.<run-id>, and its records on the analysis topic carry it.")
                .define(
                        TARGET_PROFILE,
                        Type.STRING,
                        TargetProfile.REDIS.name(),
                        ConfigDef.ValidString.in(TargetProfile.names().toArray(String[]::new)),
                        Importance.MEDIUM,
                        "The kind of target the commands are checked against: redis (any command of its version), "
                                + "or a managed service whose disabled commands are known.")
                .define(
                        TARGET_VERSION,
                        Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "The target's Redis version (major.minor); commands added later are unsupported. Empty: "
                                + "the profile's (7.0; azure 6.0).")
                .define(
                        TARGET_DISABLED,
                        Type.LIST,
                        "",
                        Importance.LOW,
                        "More commands the target refuses, comma-separated (CONFIG, or CONFIG SET for one "
                                + "subcommand).");
    }

    static ConfigDef defineAnalyzer() {
        return defineCommon(new ConfigDef())
                .define(
                        WINDOW_MS,
                        Type.LONG,
                        AnalyzerConfig.DEFAULT_WINDOW.toMillis(),
                        Range.between(1000, 86_400_000),
                        Importance.MEDIUM,
                        "Length of the tumbling windows the traffic is profiled in, ms.")
                .define(
                        EMIT_INTERVAL_MS,
                        Type.LONG,
                        AnalyzerConfig.DEFAULT_EMIT_INTERVAL.toMillis(),
                        Range.between(10, 3_600_000),
                        Importance.LOW,
                        "How often changed windows and the overall profile are published to the analysis topic, ms.")
                .define(
                        WINDOWS_KEPT,
                        Type.INT,
                        AnalyzerConfig.DEFAULT_WINDOWS_KEPT,
                        Range.between(1, 1_000_000),
                        Importance.LOW,
                        "Window lengths the queryable windows store covers, back from the newest window; older ones are deleted.")
                .define(
                        BIG_VALUE_BYTES,
                        Type.LONG,
                        AnalyzerConfig.DEFAULT_BIG_VALUE_BYTES,
                        Range.atLeast(1),
                        Importance.MEDIUM,
                        "A reply or argument at least this big, in bytes, counts as a big value.")
                .define(
                        PREFIX_SEPARATORS,
                        Type.STRING,
                        AnalyzerConfig.DEFAULT_PREFIX_SEPARATORS,
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Characters ending a key prefix (user:42 has the prefix user).")
                .define(
                        MAX_PREFIXES,
                        Type.INT,
                        AnalyzerConfig.DEFAULT_MAX_PREFIXES,
                        Range.between(1, 10_000),
                        Importance.LOW,
                        "Key prefixes counted one by one; more are counted together as (other).")
                .define(
                        TOP_KEYS,
                        Type.INT,
                        AnalyzerConfig.DEFAULT_TOP_KEYS,
                        Range.between(1, 500),
                        Importance.LOW,
                        "Hot keys published per window.")
                .define(
                        STATE_DIR,
                        Type.STRING,
                        "ferry-data/analyzer",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Folder of the analyzer's local stores; lost or not, they come back from their changelogs.")
                .define(THREADS, Type.INT, 1, Range.between(1, 64), Importance.LOW, "Stream threads in this process.")
                .define(
                        PROCESSING,
                        Type.STRING,
                        Analyzer.Guarantee.EXACTLY_ONCE.name(),
                        Validators.oneOf(Analyzer.Guarantee.class),
                        Importance.LOW,
                        "EXACTLY_ONCE: no command counted twice, even after a crash; AT_LEAST_ONCE: cheaper "
                                + "commits, a crash may count the last commit interval again.");
    }

    static TopicRegistry topics(Settings settings) {
        return TopicRegistry.builder().prefix(settings.getString(TOPIC_PREFIX)).build();
    }

    static Map<String, Object> kafka(Settings settings) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.getString(KAFKA));
    }

    /**
     * The target profile the settings name.
     *
     * @throws IllegalArgumentException for a malformed version
     */
    static TargetProfile target(Settings settings) {
        TargetProfile target = TargetProfile.named(settings.getString(TARGET_PROFILE));
        String version = settings.getString(TARGET_VERSION);
        if (!version.isEmpty()) {
            target = target.withVersion(version);
        }
        return target.withDisabled(settings.getList(TARGET_DISABLED));
    }

    /**
     * The analyzer's configuration.
     *
     * @throws IllegalArgumentException when a value is out of range
     */
    static AnalyzerConfig config(Settings settings) {
        return AnalyzerConfig.DEFAULTS
                .withRunId(settings.getString(RUN_ID))
                .withWindow(Duration.ofMillis(settings.getLong(WINDOW_MS)))
                .withEmitInterval(Duration.ofMillis(settings.getLong(EMIT_INTERVAL_MS)))
                .withWindowsKept(settings.getInt(WINDOWS_KEPT))
                .withBigValueBytes(settings.getLong(BIG_VALUE_BYTES))
                .withPrefixes(settings.getString(PREFIX_SEPARATORS), settings.getInt(MAX_PREFIXES))
                .withTopKeys(settings.getInt(TOP_KEYS))
                .withTarget(target(settings));
    }
}
