package io.ferry.app;

import io.ferry.comparator.replay.ReplayOptions;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The settings of {@code ferry comparator}, declared once: endpoints, Kafka, the replay rate and the noise model. */
final class ComparatorSettings {
    static final String KAFKA = "kafka";
    static final String RUN_ID = "run-id";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String NODE_ID = "node-id";
    static final String MAX_REPLAYS_PER_SECOND = "max-replays-per-second";
    static final String TTL_TOLERANCE_MS = "ttl-tolerance-ms";
    static final String RECHECK_ATTEMPTS = "recheck-attempts";
    static final String RECHECK_DELAY_MS = "recheck-delay-ms";
    static final String MAX_REPLY_BYTES = "max-reply-bytes";
    static final String REPLY_TIMEOUT_MS = "reply-timeout-ms";
    static final String MAX_IN_FLIGHT = "max-in-flight";
    static final String REPAIR = "repair";
    static final String PUBLISH_TRANSIENT = "publish-transient";
    static final String START_AT = "start-at";

    static final List<SettingsSpec.Rule> RULES = EndpointSettings.RULES;

    private ComparatorSettings() {}

    static ConfigDef define() {
        return EndpointSettings.define(
                        new ConfigDef(),
                        "The source Redis: redis://[user:password@]host:port, rediss:// for TLS. Reads the proxy "
                                + "served from the target are replayed here.",
                        "The target Redis: reads the source served are replayed here.")
                .define(
                        KAFKA,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        Validators.kafkaBootstrap(),
                        Importance.HIGH,
                        "Kafka bootstrap servers (host:port,...) the proxy publishes traffic to.")
                .define(
                        RUN_ID,
                        Type.STRING,
                        "copy",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Name of the migration run: comparators of one run share the consumer group "
                                + "ferry-comparator.<run-id> and its partitions of the traffic topic.")
                .define(
                        TOPIC_PREFIX,
                        Type.STRING,
                        "ferry",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Prefix of Ferry's Kafka topic names.")
                .define(
                        NODE_ID,
                        Type.STRING,
                        "1",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Name of this comparator process in the repair requests it publishes (comparator-<id>).")
                .define(
                        MAX_REPLAYS_PER_SECOND,
                        Type.DOUBLE,
                        ReplayOptions.DEFAULT_MAX_REPLAYS_PER_SECOND,
                        Range.between(0.01, 1_000_000),
                        Importance.HIGH,
                        "Reads per second this process replays at most (rechecks and probes come on top, for "
                                + "mismatches only).")
                .define(
                        TTL_TOLERANCE_MS,
                        Type.LONG,
                        ReplayOptions.DEFAULT_TTL_TOLERANCE.toMillis(),
                        Range.between(0, 3_600_000),
                        Importance.MEDIUM,
                        "How far two TTL/PTTL/EXPIRETIME replies may be apart, in ms, beyond the time elapsed "
                                + "between capture and replay.")
                .define(
                        RECHECK_ATTEMPTS,
                        Type.INT,
                        ReplayOptions.DEFAULT_RECHECK_ATTEMPTS,
                        Range.between(1, 100),
                        Importance.MEDIUM,
                        "How many times a mismatch is checked again on both sides at once before it is confirmed.")
                .define(
                        RECHECK_DELAY_MS,
                        Type.LONG,
                        ReplayOptions.DEFAULT_RECHECK_DELAY.toMillis(),
                        Range.between(0, 60_000),
                        Importance.LOW,
                        "Pause between two rechecks of a mismatch, in ms.")
                .define(
                        MAX_REPLY_BYTES,
                        Type.LONG,
                        ReplayOptions.DEFAULT_MAX_REPLY_BYTES,
                        Range.between(1024, Integer.MAX_VALUE),
                        Importance.MEDIUM,
                        "Largest reply read from a side, in bytes; a larger one is not compared, and counted.")
                .define(
                        REPLY_TIMEOUT_MS,
                        Type.LONG,
                        ReplayOptions.DEFAULT_REPLY_TIMEOUT.toMillis(),
                        Range.between(1, 600_000),
                        Importance.LOW,
                        "How long one replayed command may take, in ms.")
                .define(
                        MAX_IN_FLIGHT,
                        Type.INT,
                        ReplayOptions.DEFAULT_MAX_IN_FLIGHT,
                        Range.between(1, 10_000),
                        Importance.LOW,
                        "Replays sent and not yet compared, at most (each holds its reply).")
                .define(
                        REPAIR,
                        Type.BOOLEAN,
                        false,
                        Importance.HIGH,
                        "Ask the reconciler (ferry mover) to copy a key again from the source when its divergence "
                                + "is confirmed: a REPAIR record on the writes topic.")
                .define(
                        PUBLISH_TRANSIENT,
                        Type.BOOLEAN,
                        false,
                        Importance.LOW,
                        "Also publish the mismatches that went away on recheck, with status TRANSIENT.")
                .define(
                        START_AT,
                        Type.STRING,
                        "latest",
                        ConfigDef.ValidString.in("latest", "earliest"),
                        Importance.LOW,
                        "Where a new consumer group starts on the traffic topic: latest (new traffic only) or "
                                + "earliest (everything kept); a group that committed offsets resumes there.");
    }

    /**
     * The replay's options.
     *
     * @throws IllegalArgumentException when a value is out of range
     */
    static ReplayOptions options(Settings settings) {
        TopicRegistry topics =
                TopicRegistry.builder().prefix(settings.getString(TOPIC_PREFIX)).build();
        return ReplayOptions.builder(
                        settings.getString(RUN_ID),
                        EndpointSettings.source(settings),
                        EndpointSettings.target(settings),
                        Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.getString(KAFKA)),
                        topics)
                .nodeId(settings.getString(NODE_ID))
                .maxReplaysPerSecond(settings.getDouble(MAX_REPLAYS_PER_SECOND))
                .ttlTolerance(Duration.ofMillis(settings.getLong(TTL_TOLERANCE_MS)))
                .recheck(settings.getInt(RECHECK_ATTEMPTS), Duration.ofMillis(settings.getLong(RECHECK_DELAY_MS)))
                .maxReplyBytes(settings.getLong(MAX_REPLY_BYTES))
                .replyTimeout(Duration.ofMillis(settings.getLong(REPLY_TIMEOUT_MS)))
                .maxInFlight(settings.getInt(MAX_IN_FLIGHT))
                .repair(settings.getBoolean(REPAIR))
                .publishTransient(settings.getBoolean(PUBLISH_TRANSIENT))
                .fromEarliest(settings.getString(START_AT).equals("earliest"))
                .build();
    }
}
