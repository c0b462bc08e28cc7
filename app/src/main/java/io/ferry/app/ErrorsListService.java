package io.ferry.app;

import io.ferry.mover.ErrorLog;
import io.ferry.settings.Secrets;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.util.List;

/**
 * {@code ferry errors list}: the errors topic as a table on standard output, one row per record (run,
 * database, key as redis-cli prints it, stage, tries, last failure in UTC, error), read from the
 * beginning to the end the topic had when the command started. A count goes to standard error.
 * Exits 0, or 1 when Kafka or the topic cannot be read or some record could not be decoded.
 */
final class ErrorsListService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ErrorsListService.class);
    private static final String NAME = "errors list";
    /** Rows that set the column widths; later rows are printed as they come. */
    private static final int SAMPLE_ROWS = 1000;

    static final SettingsSpec SPEC = new SettingsSpec(
            NAME,
            "list the keys in the errors topic: run, database, key, stage, tries, last failure, error",
            ErrorsSettings.define(new ConfigDef()));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) {
        return run(settings, ErrorsSettings.writer(System.out), ErrorsSettings.writer(System.err));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) {
        settings.logEffective(log);
        try (ErrorsSettings.KafkaAccess kafka = ErrorsSettings.kafka(settings, NAME, err)) {
            ErrorLog errors = ErrorsSettings.errorLog(settings, kafka);
            TextTable table = new TextTable(
                    out, List.of("RUN", "DB", "KEY", "STAGE", "ATTEMPTS", "LAST SEEN", "ERROR"), SAMPLE_ROWS);
            ErrorLog.Summary summary = errors.read(
                    ErrorsSettings.runId(settings),
                    error -> table.row(
                            ErrorFields.run(error),
                            Integer.toString(error.getDb()),
                            ErrorFields.key(error),
                            String.valueOf(error.getStage()),
                            Integer.toString(error.getAttempts()),
                            ErrorFields.time(error.getLastSeenMicros()),
                            ErrorFields.error(error)));
            table.end();
            err.printf(
                    "ferry %s: %,d errors%s in %s%n",
                    NAME,
                    summary.matched(),
                    ErrorsSettings.runId(settings).map(run -> " of run " + run).orElse(""),
                    errors.topic());
            return ErrorsSettings.reportUnreadable(NAME, summary, err) ? Ferry.EXIT_FAILURE : Ferry.EXIT_OK;
        } catch (IllegalStateException | IllegalArgumentException e) {
            out.flush();
            err.println("ferry " + NAME + ": " + Secrets.mask(e.getMessage()));
            return Ferry.EXIT_FAILURE;
        }
    }
}
