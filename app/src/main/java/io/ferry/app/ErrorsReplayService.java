package io.ferry.app;

import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.mover.ErrorLog;
import io.ferry.mover.ErrorReplay;
import io.ferry.mover.ErrorReplay.Outcome;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.settings.Secrets;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * {@code ferry errors replay --source URI --target URI}: copies each key of the errors topic again
 * from source to target, in the database its record names, and checks the target then holds the
 * source's type, value and expiry ({@link ErrorReplay}). Prints a line per record with its outcome
 * ({@code VERIFIED}, {@code VANISHED}, {@code SKIPPED}, {@code STILL_FAILING}, {@code MISMATCH}) and
 * a summary. Exits 0 only when every key ended {@code VERIFIED}, {@code VANISHED} or {@code SKIPPED}
 * and every record could be read; 1 otherwise. Replaying writes nothing to Kafka: run it again after
 * fixing what still fails.
 */
final class ErrorsReplayService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ErrorsReplayService.class);
    private static final String NAME = "errors replay";

    static final String CONFLICT_POLICY = "conflict-policy";
    static final String EXPIRY_TOLERANCE_MS = "expiry-tolerance-ms";

    static final SettingsSpec SPEC = new SettingsSpec(
            NAME,
            "copy each key of the errors topic again from source to target and check it arrived",
            EndpointSettings.define(
                            ErrorsSettings.define(new ConfigDef()),
                            "The Redis the keys are copied from: redis://[user:password@]host:port, "
                                    + "rediss:// for TLS. Each key is read from the database its "
                                    + "error names; a /db in the URI is not used.",
                            "The Redis the keys are copied to, each into the database its error names.")
                    .define(
                            CONFLICT_POLICY,
                            Type.STRING,
                            "REPLACE",
                            ConfigDef.ValidString.in("REPLACE", "NONE"),
                            Importance.HIGH,
                            "A key the target already holds: REPLACE overwrites it, NONE leaves it (SKIPPED). "
                                    + "(MERGE is not supported yet.)")
                    .define(
                            EXPIRY_TOLERANCE_MS,
                            Type.LONG,
                            1000L,
                            Range.between(0L, 3_600_000L),
                            Importance.LOW,
                            "How far apart, in ms, the source's and the target's expiry of a key may be for "
                                    + "the key to count as VERIFIED."),
            EndpointSettings.RULES);

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws InterruptedException {
        return run(settings, ErrorsSettings.writer(System.out), ErrorsSettings.writer(System.err));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws InterruptedException {
        settings.logEffective(log);
        RedisEndpoint source = EndpointSettings.source(settings);
        RedisEndpoint target = EndpointSettings.target(settings);
        ErrorReplay.Options options = new ErrorReplay.Options(
                source,
                target,
                ConflictPolicy.valueOf(settings.getString(CONFLICT_POLICY)),
                Duration.ofMillis(settings.getLong(EXPIRY_TOLERANCE_MS)));
        try (ErrorsSettings.KafkaAccess kafka = ErrorsSettings.kafka(settings, NAME, err);
                ErrorReplay replay = ErrorReplay.open(options)) {
            ErrorLog errors = ErrorsSettings.errorLog(settings, kafka);
            err.printf("ferry %s: replaying %s from the %s to the %s%n", NAME, errors.topic(), source, target);
            TextTable table = new TextTable(out, List.of("RESULT", "RUN", "DB", "KEY", "DETAIL"), 100);
            ErrorReplay.Totals totals = replay.replayAll(
                    errors,
                    ErrorsSettings.runId(settings),
                    result -> table.row(
                            result.outcome().name(),
                            ErrorFields.run(result.error()),
                            Integer.toString(result.error().getDb()),
                            ErrorFields.key(result.error()),
                            ErrorFields.oneLine(result.detail())));
            table.end();
            out.printf(
                    "replayed %,d keys: %,d verified, %,d vanished, %,d skipped, %,d still failing, %,d mismatched%n",
                    totals.replayed(),
                    totals.count(Outcome.VERIFIED),
                    totals.count(Outcome.VANISHED),
                    totals.count(Outcome.SKIPPED),
                    totals.count(Outcome.STILL_FAILING),
                    totals.count(Outcome.MISMATCH));
            out.flush();
            ErrorsSettings.reportUnreadable(NAME, totals.log(), err);
            return totals.allResolved() ? Ferry.EXIT_OK : Ferry.EXIT_FAILURE;
        } catch (EndpointException | IllegalStateException | IllegalArgumentException e) {
            out.flush();
            err.println("ferry " + NAME + ": " + Secrets.mask(e.getMessage()));
            return Ferry.EXIT_FAILURE;
        }
    }
}
