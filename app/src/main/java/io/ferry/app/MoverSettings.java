package io.ferry.app;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.time.Duration;
import java.util.List;

/**
 * The settings {@code ferry copy} and {@code ferry mover} share, declared once: the two endpoints with
 * their TLS, the run's name and topics, and how keys are copied.
 */
final class MoverSettings {
    static final String SOURCE = EndpointSettings.SOURCE;
    static final String TARGET = EndpointSettings.TARGET;
    static final String RUN_ID = "run-id";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String CONFLICT_POLICY = "conflict-policy";
    static final String WORKERS = "workers";
    static final String WINDOW_KEYS = "window-keys";
    static final String WINDOW_BYTES = "window-bytes";
    static final String BIG_KEY_BYTES = "big-key-bytes";
    static final String CHUNK_ELEMENTS = "chunk-elements";
    static final String CLOCK_SKEW_MS = "clock-skew-ms";
    static final String RESYNC = "resync";
    static final String OUTAGE_LIMIT_SECONDS = "outage-limit-seconds";
    static final String THROTTLE = "throttle";
    static final String LATENCY_BUDGET_MS = "throttle.latency-budget-ms";
    static final String MAX_SOURCE_CPU = "throttle.max-source-cpu-percent";
    static final String MAX_KEYS_PER_SECOND = "throttle.max-keys-per-second";

    /** The rules checked across settings: each endpoint's TLS files. */
    static final List<SettingsSpec.Rule> RULES = EndpointSettings.RULES;

    private MoverSettings() {}

    /** Source and target URIs with their TLS settings. */
    static ConfigDef defineEndpoints(ConfigDef definition) {
        return EndpointSettings.define(
                definition,
                "The Redis to copy from: redis://[user:password@]host:port[/db], rediss:// for TLS. "
                        + "A /db scans that database only; without one, every database holding keys.",
                "The Redis to copy to; each key goes to the database number it had.");
    }

    /** The run's name, its topics, how its keys are copied, and {@code workers} with its range and default. */
    static ConfigDef defineCopy(ConfigDef definition, int minWorkers, String workersHelp) {
        definition
                .define(
                        RUN_ID,
                        Type.STRING,
                        "copy",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Name of the copy: checkpoints and the workers' consumer group are kept under it; a new "
                                + "name starts over. Every process of one copy uses the same name.")
                .define(
                        TOPIC_PREFIX,
                        Type.STRING,
                        "ferry",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Prefix of Ferry's Kafka topic names.")
                .define(
                        CONFLICT_POLICY,
                        Type.STRING,
                        "REPLACE",
                        ConfigDef.ValidString.in("REPLACE", "NONE", "MERGE"),
                        Importance.HIGH,
                        "A key the target already holds: REPLACE overwrites it, NONE leaves it and counts it "
                                + "as skipped, MERGE combines collections (hash fields the target lacks added, "
                                + "sets unioned, sorted-set scores set, lists appended) and replaces strings "
                                + "and streams, counting them apart.")
                .define(WORKERS, Type.INT, 2, Range.between(minWorkers, 64), Importance.MEDIUM, workersHelp)
                .define(
                        WINDOW_KEYS,
                        Type.INT,
                        CopyOptions.DEFAULTS.windowKeys(),
                        Range.between(1, 100_000),
                        Importance.LOW,
                        "Keys whose values a worker holds at once: one pipelined round trip to each side.")
                .define(
                        WINDOW_BYTES,
                        Type.LONG,
                        CopyOptions.DEFAULTS.windowBytes(),
                        Range.atLeast(1),
                        Importance.LOW,
                        "Bytes of values (by the source's MEMORY USAGE) a worker holds at once at most.")
                .define(
                        BIG_KEY_BYTES,
                        Type.LONG,
                        CopyOptions.DEFAULTS.bigKeyBytes(),
                        Range.atLeast(1),
                        Importance.MEDIUM,
                        "A key bigger than this (by MEMORY USAGE) is copied in chunks with its type's "
                                + "commands into a temporary key renamed into place, never held whole.")
                .define(
                        CHUNK_ELEMENTS,
                        Type.INT,
                        CopyOptions.DEFAULTS.chunkElements(),
                        Range.between(1, 1_000_000),
                        Importance.LOW,
                        "Fields, members, list items or stream entries per chunk of a big key.")
                .define(
                        CLOCK_SKEW_MS,
                        Type.LONG,
                        1000L,
                        Range.between(0, 600_000),
                        Importance.LOW,
                        "How far the proxy's clock may be from this machine's, in ms: writes this close to the "
                                + "end of the historical copy are treated as written during it.")
                .define(
                        RESYNC,
                        Type.STRING,
                        CopyOptions.DEFAULTS.resync().name(),
                        ConfigDef.ValidString.in(
                                CopyOptions.Resync.SUSPECT_WRITES.name(), CopyOptions.Resync.EVERY_WRITE.name()),
                        Importance.MEDIUM,
                        "Which keys written through the proxy the reconciler copies again from the source: "
                                + "SUSPECT_WRITES (the run's target, which the proxy dual-writes: the keys its write "
                                + "may have left wrong) or EVERY_WRITE (a mirror target the proxy never writes: "
                                + "every key written, so it follows the source).")
                .define(
                        OUTAGE_LIMIT_SECONDS,
                        Type.INT,
                        (int) CopyOptions.DEFAULTS.outageLimit().toSeconds(),
                        Range.between(0, 86_400),
                        Importance.MEDIUM,
                        "How long a worker waits for a side that stopped answering (a target restarting, paused "
                                + "or failing over) before it stops, in seconds: the keys the outage caught are "
                                + "copied again once both sides answer a PING, not reported as failed.");
        return defineThrottle(definition);
    }

    /** The throttle's settings: on or off, the source's latency and CPU limits, a ceiling of keys per second. */
    static ConfigDef defineThrottle(ConfigDef definition) {
        return definition
                .define(
                        THROTTLE,
                        Type.BOOLEAN,
                        true,
                        Importance.MEDIUM,
                        "Adapt the rate of the copy (or verify) to the source's health: slow down when its PING time or CPU goes "
                                + "above the limits below, speed up again while they are met.")
                .define(
                        LATENCY_BUDGET_MS,
                        Type.DOUBLE,
                        Throttle.Options.DEFAULTS.latencyBudget().toNanos() / 1e6,
                        Range.between(0.01, 60_000),
                        Importance.MEDIUM,
                        "The source's median PING time, in ms, above which the copy (or verify) slows down.")
                .define(
                        MAX_SOURCE_CPU,
                        Type.DOUBLE,
                        Throttle.Options.DEFAULTS.maxCpuPercent(),
                        Range.between(1, 10_000),
                        Importance.MEDIUM,
                        "The source's CPU use (user + system, % of one core, from INFO) above which the copy "
                                + "(or verify) slows down.")
                .define(
                        MAX_KEYS_PER_SECOND,
                        Type.DOUBLE,
                        0.0,
                        Range.atLeast(0),
                        Importance.MEDIUM,
                        "Keys per second a process never copies (or verifies) more than, whatever the source's health; 0: no "
                                + "ceiling.");
    }

    static RedisEndpoint source(Settings settings) {
        return EndpointSettings.source(settings);
    }

    static RedisEndpoint target(Settings settings) {
        return EndpointSettings.target(settings);
    }

    static CopyOptions copyOptions(Settings settings) {
        return CopyOptions.DEFAULTS
                .withConflictPolicy(ConflictPolicy.valueOf(settings.getString(CONFLICT_POLICY)))
                .withWindowKeys(settings.getInt(WINDOW_KEYS))
                .withWindowBytes(settings.getLong(WINDOW_BYTES))
                .withBigKeyBytes(settings.getLong(BIG_KEY_BYTES))
                .withChunks(settings.getInt(CHUNK_ELEMENTS), CopyOptions.DEFAULTS.chunkBytes())
                .withResync(CopyOptions.Resync.valueOf(settings.getString(RESYNC)))
                .withOutageLimit(Duration.ofSeconds(settings.getInt(OUTAGE_LIMIT_SECONDS)));
    }

    /** The throttle's settings, or null when throttling is off. */
    static Throttle.Options throttle(Settings settings) {
        if (!settings.getBoolean(THROTTLE)) {
            return null;
        }
        double maxRate = settings.getDouble(MAX_KEYS_PER_SECOND);
        return new Throttle.Options(
                Duration.ofNanos((long) (settings.getDouble(LATENCY_BUDGET_MS) * 1e6)),
                settings.getDouble(MAX_SOURCE_CPU),
                maxRate,
                maxRate > 0
                        ? Math.min(Throttle.Options.DEFAULTS.minRate(), maxRate)
                        : Throttle.Options.DEFAULTS.minRate());
    }

    static Duration clockSkew(Settings settings) {
        return Duration.ofMillis(settings.getLong(CLOCK_SKEW_MS));
    }
}
