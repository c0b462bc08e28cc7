package io.ferry.app;

import io.ferry.settings.RedisUri;
import io.ferry.settings.Secrets;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import io.ferry.workload.CheckException;
import io.ferry.workload.CheckReport;
import io.ferry.workload.Checker;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code ferry check --source URI --target URI [--history FILE] [--report FILE]}: an independent check of a migration
 * ({@link Checker}, which shares no code with the mover or the comparator): the two servers compared key by key, and
 * each write a {@code ferry workload} history recorded as acknowledged judged against the target. Exit status 0
 * clean, 1 differences (divergent keys, lost acknowledged writes, anomalies), 2 bad settings, an unreachable server
 * or an unreadable history.
 */
final class CheckService implements Service {
    static final String SOURCE = "source";
    static final String TARGET = "target";
    static final String HISTORY = "history";
    static final String REPORT = "report";
    static final String TTL_TOLERANCE_MS = "ttl-tolerance-ms";
    static final String SAMPLE_SIZE = "sample-size";
    static final String ROUNDS = "rounds";

    static final SettingsSpec SPEC = new SettingsSpec(
            "check",
            "an independent check: two servers compared key by key, a workload history's acknowledged writes "
                    + "against the target",
            new ConfigDef()
                    .define(
                            SOURCE,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "The source Redis: redis://[user:password@]host:port[/db], rediss:// for TLS.")
                    .define(
                            TARGET,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "The target Redis.")
                    .define(
                            HISTORY,
                            Type.STRING,
                            "",
                            Importance.HIGH,
                            "A ferry workload history: each acknowledged write is checked against the target. "
                                    + "Empty: no history check.")
                    .define(
                            REPORT,
                            Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "A JSON report file written at the end. Empty: none.")
                    .define(
                            TTL_TOLERANCE_MS,
                            Type.LONG,
                            Checker.Options.DEFAULTS.ttlTolerance().toMillis(),
                            Range.between(0, 86_400_000),
                            Importance.MEDIUM,
                            "How far apart two expiries of a key may be, in ms.")
                    .define(
                            SAMPLE_SIZE,
                            Type.INT,
                            Checker.Options.DEFAULTS.sampleSize(),
                            Range.between(0, 10_000),
                            Importance.LOW,
                            "Divergent keys and lost writes listed, at most.")
                    .define(
                            ROUNDS,
                            Type.INT,
                            Checker.Options.DEFAULTS.rounds(),
                            Range.between(1, 100),
                            Importance.LOW,
                            "Times a different key is read (1 s apart) before it is reported."));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        return run(settings, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        String history = settings.getString(HISTORY);
        if (!history.isEmpty() && !Files.isReadable(Path.of(history))) {
            err.println("ferry check: the history " + history + " cannot be read");
            return Ferry.EXIT_USAGE;
        }
        Checker.Options options = Checker.Options.DEFAULTS
                .withTtlTolerance(Duration.ofMillis(settings.getLong(TTL_TOLERANCE_MS)))
                .withSampleSize(settings.getInt(SAMPLE_SIZE))
                .withRounds(settings.getInt(ROUNDS), Checker.Options.DEFAULTS.roundDelay());
        CheckReport report;
        try (Checker checker = new Checker(
                RedisUri.parse(settings.getString(SOURCE)), RedisUri.parse(settings.getString(TARGET)), options)) {
            report = checker.run(history.isEmpty() ? null : Path.of(history));
        } catch (CheckException | IllegalArgumentException | IOException e) {
            err.println("ferry check: " + Secrets.mask(String.valueOf(e.getMessage())));
            return Ferry.EXIT_USAGE;
        }
        out.print(report.summary());
        String file = settings.getString(REPORT);
        if (!file.isEmpty()) {
            report.write(Path.of(file));
            out.println("report: " + Path.of(file).toAbsolutePath());
        }
        out.flush();
        return report.exitStatus();
    }
}
