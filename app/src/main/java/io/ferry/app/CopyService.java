package io.ferry.app;

import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoveProgress;
import io.ferry.mover.ScanOptions;
import io.ferry.resp.KeyPattern;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ferry copy}: a one-shot, resumable historical copy, scanner and workers in this process.
 * Without {@code --kafka} it runs its own broker with its data under {@code --data-dir}, so running
 * the same command again after Ctrl-C or a crash resumes the copy. Exits 0 when every key was
 * copied, skipped by the conflict policy, gone from the source, or reported in the errors topic.
 */
final class CopyService implements Service {
    private static final Logger log = LoggerFactory.getLogger(CopyService.class);

    static final String KAFKA = "kafka";
    static final String DATA_DIR = "data-dir";
    static final String MATCH = "match";
    static final String INCLUDE = "include";
    static final String EXCLUDE = "exclude";
    static final String TYPE = "type";
    static final String SCAN_COUNT = "scan-count";
    static final String TASK_KEYS = "task-keys";
    static final String FOLLOW_WRITES = "follow-writes";

    static final SettingsSpec SPEC = new SettingsSpec(
            "copy",
            "a one-shot, resumable historical copy from source to target (scanner and workers in one process)",
            MoverSettings.defineCopy(
                            MoverSettings.defineEndpoints(StatsPublisher.define(Metrics.define(new ConfigDef()))),
                            0,
                            "Mover workers in this process, each with its own connections; 0: only scan, and "
                                    + "wait for ferry mover processes of the same run-id to copy.")
                    .define(
                            KAFKA,
                            Type.STRING,
                            null,
                            Validators.kafkaBootstrap(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (host:port,...); none: a broker of this process's own, with its "
                                    + "data under data-dir.")
                    .define(
                            DATA_DIR,
                            Type.STRING,
                            "ferry-data",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "Folder of the own broker's data (when no kafka is given): run again with the same "
                                    + "folder to resume.")
                    .define(
                            MATCH,
                            Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "SCAN MATCH glob: copy only the keys it matches; empty: every key.")
                    .define(
                            INCLUDE,
                            Type.LIST,
                            "",
                            keyPatterns(),
                            Importance.MEDIUM,
                            "Key patterns (Redis globs, comma-separated): copy only keys matching one of them, "
                                    + "e.g. user:1*,user:2*; empty: every key.")
                    .define(
                            EXCLUDE,
                            Type.LIST,
                            "",
                            keyPatterns(),
                            Importance.MEDIUM,
                            "Key patterns (Redis globs, comma-separated) of keys to leave on the source, e.g. "
                                    + "the tenants moved later.")
                    .define(
                            TYPE,
                            Type.STRING,
                            "",
                            ConfigDef.ValidString.in("", "string", "list", "set", "zset", "hash", "stream"),
                            Importance.LOW,
                            "SCAN TYPE filter: copy only keys of this type; empty: every type.")
                    .define(
                            SCAN_COUNT,
                            Type.INT,
                            1000,
                            Range.between(1, 1_000_000),
                            Importance.LOW,
                            "SCAN COUNT hint: keys the source looks at per SCAN call.")
                    .define(
                            TASK_KEYS,
                            Type.INT,
                            1000,
                            Range.between(1, 100_000),
                            Importance.LOW,
                            "Keys per move task at most.")
                    .define(
                            FOLLOW_WRITES,
                            Type.BOOLEAN,
                            false,
                            Importance.HIGH,
                            "After the historical copy, copy again every key written through the proxy since the "
                                    + "copy started (the writes topic on the given kafka), and keys whose dual write "
                                    + "failed or was flagged, until none is left: a RESTORE of a value read before a "
                                    + "write cannot then stay over it. Needs the proxy's kafka and topic prefix."),
            MoverSettings.RULES);

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("copy", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        RedisEndpoint source = MoverSettings.source(settings);
        RedisEndpoint target = MoverSettings.target(settings);
        ScanOptions scan = new ScanOptions(
                        EndpointSettings.sourceDbs(settings),
                        optional(settings.getString(MATCH)),
                        optional(settings.getString(TYPE)),
                        settings.getInt(SCAN_COUNT),
                        settings.getInt(TASK_KEYS))
                .withPatterns(patterns(settings.getList(INCLUDE)), patterns(settings.getList(EXCLUDE)));
        CopyOptions copy = MoverSettings.copyOptions(settings);
        EmbeddedKafka embedded = null;
        String bootstrap = settings.getString(KAFKA);
        if (bootstrap == null) {
            Path dataDir = Path.of(settings.getString(DATA_DIR)).resolve("kafka");
            System.err.println("ferry copy: starting a Kafka broker of its own, data in " + dataDir);
            embedded = EmbeddedKafka.start(dataDir, "127.0.0.1", 0);
            bootstrap = embedded.bootstrapServers();
        }
        CopyRun run = new CopyRun(
                        new CopyRun.Options(
                                settings.getString(MoverSettings.RUN_ID),
                                source,
                                target,
                                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                                settings.getString(MoverSettings.TOPIC_PREFIX),
                                scan,
                                copy,
                                settings.getInt(MoverSettings.WORKERS),
                                settings.getBoolean(FOLLOW_WRITES),
                                MoverSettings.clockSkew(settings),
                                MoverSettings.throttle(settings)),
                        meters)
                .statsInterval(StatsPublisher.interval(settings));
        Thread hook = new Thread(run::stop, "ferry-copy-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ProgressLine line = new ProgressLine(System.err, System.console() != null);
        long started = System.nanoTime();
        try {
            CopyRun.Outcome outcome = run.run(Duration.ofSeconds(1), totals -> show(line, totals, started));
            line.end();
            MoveProgress.Snapshot totals = outcome.totals();
            if (!outcome.complete()) {
                System.err.println("ferry copy: stopped before the end; run the same command again to resume.");
                return Ferry.EXIT_FAILURE;
            }
            System.err.printf(
                    "ferry copy: done: %,d keys copied, %,d skipped (already on the target), %,d gone from the source, "
                            + "%,d failed%s%n",
                    totals.copied(),
                    totals.skipped(),
                    totals.vanished(),
                    totals.failed(),
                    totals.failed() > 0
                            ? " (in the " + settings.getString(MoverSettings.TOPIC_PREFIX) + ".errors topic)"
                            : "");
            if (outcome.reconciled() != null) {
                System.err.printf(
                        "ferry copy: writes log: %,d writes read, %,d keys copied again, %,d deleted from the target, "
                                + "%,d failed%n",
                        outcome.reconciled().records(),
                        outcome.reconciled().recopied(),
                        outcome.reconciled().deleted(),
                        outcome.reconciled().failed());
            }
            if (totals.merged() + totals.replacedOnMerge() > 0) {
                System.err.printf(
                        "ferry copy: MERGE: %,d keys merged, %,d strings or streams replaced%n",
                        totals.merged(), totals.replacedOnMerge());
            }
            if (totals.chunked() + totals.fallbacks() > 0) {
                System.err.printf(
                        "ferry copy: %,d big keys copied in chunks, %,d keys copied by their type's commands "
                                + "because the target refused their DUMP payload%n",
                        totals.chunked(), totals.fallbacks());
            }
            return Ferry.EXIT_OK;
        } catch (EndpointException | IllegalStateException e) {
            line.end();
            System.err.println("ferry copy: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    static List<KeyPattern> patterns(List<String> globs) {
        return globs.stream().filter(g -> !g.isEmpty()).map(KeyPattern::compile).toList();
    }

    /** Every item compiles as a key pattern. */
    static ConfigDef.Validator keyPatterns() {
        return (name, value) -> {
            if (value instanceof List<?> globs) {
                for (Object glob : globs) {
                    try {
                        KeyPattern.compile(String.valueOf(glob));
                    } catch (IllegalArgumentException e) {
                        throw new org.apache.kafka.common.config.ConfigException(name, glob, e.getMessage());
                    }
                }
            }
        };
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** The copy's figures on the progress line. */
    private static void show(ProgressLine line, MoveProgress.Snapshot totals, long startedNanos) {
        double rate = totals.handled() / Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
        String figures = String.format(
                "scanned %,d  copied %,d  skipped %,d  gone %,d  failed %,d  %,.1f MB  %,.0f keys/s",
                totals.scanned(),
                totals.copied(),
                totals.skipped(),
                totals.vanished(),
                totals.failed(),
                totals.bytes() / 1e6,
                rate);
        if (!Double.isInfinite(totals.rateLimit())) {
            figures += String.format("  (held to %,.0f keys/s)", totals.rateLimit());
        }
        line.show(totals.handled(), totals.total(), figures, totals.etaSeconds(rate));
    }
}
