package io.ferry.app;

import io.ferry.comparator.verify.Mismatch;
import io.ferry.comparator.verify.VerifyDivergences;
import io.ferry.comparator.verify.VerifyException;
import io.ferry.comparator.verify.VerifyOptions;
import io.ferry.comparator.verify.VerifyProgress;
import io.ferry.comparator.verify.VerifyReport;
import io.ferry.comparator.verify.VerifyRun;
import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import io.lettuce.core.RedisException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code ferry verify}: compares the whole keyspace of source and target, key by key (existence, type,
 * value by type, expiry within a tolerance), re-checks what differs in further rounds so writes in
 * flight are not reported, prints a summary and writes a JSON report. Exit status 0 only when nothing
 * is confirmed different, 1 when something is, 2 when the verify could not finish.
 */
final class VerifyService implements Service {
    private static final Logger log = LoggerFactory.getLogger(VerifyService.class);

    static final String WORKERS = "workers";
    static final String WINDOW_KEYS = "window-keys";
    static final String BIG_KEY_BYTES = "big-key-bytes";
    static final String CHUNK_ELEMENTS = "chunk-elements";
    static final String TTL_TOLERANCE_MS = "ttl-tolerance-ms";
    static final String ROUNDS = "rounds";
    static final String ROUND_DELAY_MS = "round-delay-ms";
    static final String FIND_EXTRA = "find-extra";
    static final String SAMPLE_SIZE = "sample-size";
    static final String REPORT = "report";
    static final String STATE_DIR = "state-dir";
    static final String KAFKA = "kafka";
    static final String RUN_ID = "run-id";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String REPAIR = "repair";

    static final SettingsSpec SPEC = new SettingsSpec(
            "verify",
            "compare the whole keyspace of source and target key by key, re-check what differs, report",
            MoverSettings.defineThrottle(MoverSettings.defineEndpoints(Metrics.define(new ConfigDef())))
                    .define(
                            WORKERS,
                            Type.INT,
                            VerifyOptions.DEFAULTS.workers(),
                            Range.between(1, 64),
                            Importance.MEDIUM,
                            "Threads comparing keys, each with its own connections to both sides.")
                    .define(
                            WINDOW_KEYS,
                            Type.INT,
                            VerifyOptions.DEFAULTS.windowKeys(),
                            Range.between(1, 100_000),
                            Importance.LOW,
                            "Keys per SCAN page and per comparison: one script call (or pipeline) on each side.")
                    .define(
                            BIG_KEY_BYTES,
                            Type.LONG,
                            VerifyOptions.DEFAULTS.bigKeyBytes(),
                            Range.atLeast(1),
                            Importance.LOW,
                            "A key bigger than this (by MEMORY USAGE) is never DUMPed: it is compared in chunks "
                                    + "with its type's commands.")
                    .define(
                            CHUNK_ELEMENTS,
                            Type.INT,
                            VerifyOptions.DEFAULTS.chunkElements(),
                            Range.between(1, 1_000_000),
                            Importance.LOW,
                            "Fields, members, list items or stream entries per chunk when a key is compared by "
                                    + "its type's commands.")
                    .define(
                            TTL_TOLERANCE_MS,
                            Type.LONG,
                            VerifyOptions.DEFAULTS.ttlTolerance().toMillis(),
                            Range.between(0, 86_400_000),
                            Importance.MEDIUM,
                            "How far apart, in ms, the two expiries of a key may be; a key missing on the target "
                                    + "whose source copy expires within it is not counted as missing.")
                    .define(
                            ROUNDS,
                            Type.INT,
                            VerifyOptions.DEFAULTS.rounds(),
                            Range.between(1, 100),
                            Importance.MEDIUM,
                            "Times a key found different is compared before it is confirmed: only the keys one "
                                    + "round found different are compared in the next. 1: no re-check.")
                    .define(
                            ROUND_DELAY_MS,
                            Type.LONG,
                            VerifyOptions.DEFAULTS.roundDelay().toMillis(),
                            Range.between(0, 3_600_000),
                            Importance.LOW,
                            "Pause before each re-check round, in ms, so writes in flight reach both sides.")
                    .define(
                            FIND_EXTRA,
                            Type.BOOLEAN,
                            false,
                            Importance.MEDIUM,
                            "Also walk the target to find keys the source does not have (extra keys).")
                    .define(
                            SAMPLE_SIZE,
                            Type.INT,
                            VerifyOptions.DEFAULTS.sampleSize(),
                            Range.between(0, 10_000),
                            Importance.LOW,
                            "Confirmed mismatches of each kind listed in the summary and the report.")
                    .define(
                            CopyService.INCLUDE,
                            Type.LIST,
                            "",
                            CopyService.keyPatterns(),
                            Importance.MEDIUM,
                            "Key patterns (Redis globs, comma-separated): compare only keys matching one of them, "
                                    + "as given to ferry copy; empty: every key.")
                    .define(
                            CopyService.EXCLUDE,
                            Type.LIST,
                            "",
                            CopyService.keyPatterns(),
                            Importance.MEDIUM,
                            "Key patterns (Redis globs, comma-separated) of keys not compared.")
                    .define(
                            REPORT,
                            Type.STRING,
                            "ferry-verify-report.json",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "The JSON report file written at the end.")
                    .define(
                            STATE_DIR,
                            Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "Folder where the verify keeps its position and the keys to re-check: run the same "
                                    + "command again with it to resume. Empty: a temporary folder, no resume.")
                    .define(
                            KAFKA,
                            Type.STRING,
                            "",
                            Validators.kafkaBootstrap(),
                            Importance.MEDIUM,
                            "Kafka bootstrap servers (host:port,...): each confirmed mismatch is also published to "
                                    + "the divergences topic (detector KEYSPACE_VERIFY). Empty: not published.")
                    .define(
                            RUN_ID,
                            Type.STRING,
                            "copy",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "Name of the migration run the published divergences and repair requests belong to.")
                    .define(
                            TOPIC_PREFIX,
                            Type.STRING,
                            "ferry",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.LOW,
                            "Prefix of Ferry's Kafka topic names.")
                    .define(
                            REPAIR,
                            Type.BOOLEAN,
                            false,
                            Importance.MEDIUM,
                            "Ask the mover's reconciler (same run-id and topic-prefix) to copy each confirmed key "
                                    + "again from the source: a REPAIR record on the writes topic. Needs kafka."),
            rules());

    private static List<SettingsSpec.Rule> rules() {
        List<SettingsSpec.Rule> rules = new ArrayList<>(MoverSettings.RULES);
        rules.add(settings -> settings.getBoolean(REPAIR)
                        && settings.getString(KAFKA).isBlank()
                ? List.of("setting 'repair' is true but 'kafka' is empty: repair requests go through the writes "
                        + "topic")
                : List.of());
        return List.copyOf(rules);
    }

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("verify", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        RedisEndpoint source = MoverSettings.source(settings);
        RedisEndpoint target = MoverSettings.target(settings);
        VerifyOptions options = VerifyOptions.DEFAULTS
                .withWorkers(settings.getInt(WORKERS))
                .withWindowKeys(settings.getInt(WINDOW_KEYS))
                .withBigKeys(
                        settings.getLong(BIG_KEY_BYTES),
                        settings.getInt(CHUNK_ELEMENTS),
                        VerifyOptions.DEFAULTS.chunkBytes())
                .withTtlTolerance(Duration.ofMillis(settings.getLong(TTL_TOLERANCE_MS)))
                .withRounds(settings.getInt(ROUNDS), Duration.ofMillis(settings.getLong(ROUND_DELAY_MS)))
                .withFindExtra(settings.getBoolean(FIND_EXTRA))
                .withSampleSize(settings.getInt(SAMPLE_SIZE))
                .withKeys(
                        CopyService.patterns(settings.getList(CopyService.INCLUDE)),
                        CopyService.patterns(settings.getList(CopyService.EXCLUDE)));
        String kafka = settings.getString(KAFKA);
        VerifyDivergences divergences;
        try {
            divergences = kafka.isBlank()
                    ? null
                    : VerifyDivergences.open(
                            settings.getString(RUN_ID),
                            Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka),
                            settings.getString(TOPIC_PREFIX),
                            settings.getBoolean(REPAIR));
        } catch (TopicBootstrapException e) {
            System.err.println("ferry verify: Kafka at " + kafka + ": " + e.getMessage());
            return VerifyReport.INCOMPLETE;
        }
        Consumer<Mismatch> confirmed = new MismatchLog(settings.getInt(SAMPLE_SIZE));
        if (divergences != null) {
            confirmed = confirmed.andThen(divergences);
        }
        try {
            return verify(settings, source, target, options, confirmed, divergences, meters);
        } finally {
            if (divergences != null) {
                divergences.close();
            }
        }
    }

    private int verify(
            Settings settings,
            RedisEndpoint source,
            RedisEndpoint target,
            VerifyOptions options,
            Consumer<Mismatch> confirmed,
            VerifyDivergences divergences,
            MeterRegistry meters)
            throws Exception {
        String stateDir = settings.getString(STATE_DIR);
        Path report = Path.of(settings.getString(REPORT));
        VerifyRun run = new VerifyRun(
                source,
                target,
                EndpointSettings.sourceDbs(settings),
                options,
                MoverSettings.throttle(settings),
                stateDir.isEmpty() ? null : Path.of(stateDir),
                meters,
                confirmed);
        Thread hook = new Thread(run::stop, "ferry-verify-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ProgressLine line = new ProgressLine(System.err, System.console() != null);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ferry-verify-progress");
            thread.setDaemon(true);
            return thread;
        });
        long started = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> show(line, run.progress(), started), 1, 1, TimeUnit.SECONDS);
        try {
            VerifyReport result = run.run();
            ticker.shutdownNow();
            line.end();
            result.write(report);
            System.out.print(result.summary());
            System.out.println("report: " + report.toAbsolutePath());
            if (!result.complete()) {
                System.err.println("ferry verify: stopped before the end"
                        + (stateDir.isEmpty() ? "." : "; run the same command again to resume."));
            }
            if (divergences != null) {
                divergences.close();
                System.out.printf(
                        "published: %,d divergences, %,d repair requests%n",
                        divergences.published(), divergences.repairsRequested());
                if (divergences.failed() > 0) {
                    System.err.printf(
                            "ferry verify: Kafka did not take %,d records (divergences or repair requests)%n",
                            divergences.failed());
                    return VerifyReport.INCOMPLETE;
                }
            }
            return result.exitStatus();
        } catch (VerifyException | EndpointException | RedisException | IllegalArgumentException e) {
            ticker.shutdownNow();
            line.end();
            System.err.println("ferry verify: " + e.getMessage());
            return VerifyReport.INCOMPLETE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    /**
     * Logs the first confirmed mismatches at WARN, then says once that the rest are in the report's
     * counts: a target that lost everything must not flood the log with a line per key.
     */
    private static final class MismatchLog implements Consumer<Mismatch> {
        private final int limit;
        private long seen;

        MismatchLog(int limit) {
            this.limit = limit;
        }

        @Override
        public void accept(Mismatch mismatch) {
            seen++;
            if (seen <= limit) {
                log.warn(
                        "Confirmed {} mismatch: db {} key {} (source {} of size {}, target {} of size {})",
                        mismatch.verdict(),
                        mismatch.db(),
                        mismatch.keyText(),
                        mismatch.sourceType(),
                        mismatch.sourceSize(),
                        mismatch.targetType(),
                        mismatch.targetSize());
            } else if (seen == limit + 1) {
                log.warn("More confirmed mismatches: not logged one by one (their counts are in the report)");
            }
        }
    }

    /** The verify's figures on the progress line. */
    private static void show(ProgressLine line, VerifyProgress progress, long startedNanos) {
        double rate = progress.checked() / Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
        long eta = progress.total() > progress.checked() && rate > 0
                ? (long) ((progress.total() - progress.checked()) / rate)
                : -1;
        line.show(
                progress.checked(),
                progress.total(),
                String.format(
                        "%s: compared %,d  different so far %,d  %,.0f keys/s",
                        progress.phase(), progress.checked(), progress.mismatched(), rate),
                eta);
    }
}
