package io.ferry.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.mover.ErrorLog;
import io.ferry.mover.ErrorView;
import io.ferry.schemas.ErrorRecord;
import io.ferry.settings.Secrets;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code ferry errors export --file F}: the errors topic as JSON lines, one object per record, read
 * from the beginning to the end the topic had when the command started. Each object holds {@code
 * runId}, {@code db}, {@code key} (escaped as redis-cli prints it, without the quotes), {@code
 * keyBase64} (the exact bytes), {@code stage}, {@code error} (passwords masked), {@code attempts},
 * {@code firstSeen} and {@code lastSeen} (ISO-8601 UTC), {@code sourceNode} and {@code context}.
 *
 * <p>The file is written beside its final name and moved into place when complete, so a failed
 * export leaves any earlier file as it was; {@code --file -} writes to standard output. Exits 0, or 1
 * when Kafka, the topic or the file fails, or some record could not be decoded.
 */
final class ErrorsExportService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ErrorsExportService.class);
    private static final String NAME = "errors export";

    static final String FILE = "file";

    static final SettingsSpec SPEC = new SettingsSpec(
            NAME,
            "write the errors topic to a JSON lines file, one object per failed key",
            ErrorsSettings.define(new ConfigDef())
                    .define(
                            FILE,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "The JSON lines file to write (replaced when it exists); '-': standard output."));

    private static final JsonFactory JSON = new ObjectMapper().getFactory();

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
        String file = settings.getString(FILE);
        try (ErrorsSettings.KafkaAccess kafka = ErrorsSettings.kafka(settings, NAME, err)) {
            ErrorLog errors = ErrorsSettings.errorLog(settings, kafka);
            ErrorLog.Summary summary;
            if (file.equals("-")) {
                summary = export(errors, settings, out);
            } else {
                summary = exportToFile(errors, settings, Path.of(file));
            }
            err.printf(
                    "ferry %s: %,d errors%s from %s written to %s%n",
                    NAME,
                    summary.matched(),
                    ErrorsSettings.runId(settings).map(run -> " of run " + run).orElse(""),
                    errors.topic(),
                    file.equals("-") ? "standard output" : file);
            return ErrorsSettings.reportUnreadable(NAME, summary, err) ? Ferry.EXIT_FAILURE : Ferry.EXIT_OK;
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("ferry " + NAME + ": " + Secrets.mask(e.getMessage()));
            return Ferry.EXIT_FAILURE;
        } catch (IOException | UncheckedIOException e) {
            err.println("ferry " + NAME + ": cannot write " + file + ": " + e);
            return Ferry.EXIT_FAILURE;
        }
    }

    private static ErrorLog.Summary exportToFile(ErrorLog errors, Settings settings, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path partial = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".partial");
        try {
            ErrorLog.Summary summary;
            try (Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
                summary = export(errors, settings, out);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return summary;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Writes the records to {@code out}, which stays open. */
    private static ErrorLog.Summary export(ErrorLog errors, Settings settings, Writer out) throws IOException {
        JsonGenerator json = JSON.createGenerator(out);
        json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        // One object per line: no separator between root values but the newline written after each.
        json.setRootValueSeparator(null);
        ErrorLog.Summary summary = errors.read(ErrorsSettings.runId(settings), error -> write(json, error));
        json.close();
        out.flush();
        return summary;
    }

    private static void write(JsonGenerator json, ErrorRecord error) throws IOException {
        json.writeObject(ErrorView.of(error));
        json.writeRaw('\n');
    }
}
