package io.ferry.app;

import io.ferry.mover.ErrorLog;
import io.ferry.settings.Settings;
import io.ferry.settings.Validators;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What every {@code ferry errors} action shares: the settings naming the errors topic and the run, and
 * the Kafka they read. Kafka is the cluster {@code --kafka} names or, without it, the broker of
 * {@code ferry copy} whose data is under {@code --data-dir} (same default as the copy's), started in
 * this process for the time of the action: {@code ferry copy --data-dir D} then {@code ferry errors
 * list --data-dir D} lists that copy's errors. Not while the copy runs: its broker holds the folder.
 */
final class ErrorsSettings {
    static final String KAFKA = "kafka";
    static final String DATA_DIR = "data-dir";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String RUN_ID = "run-id";

    private ErrorsSettings() {}

    /** Declares the shared settings in {@code definition}. */
    static ConfigDef define(ConfigDef definition) {
        return definition
                .define(
                        KAFKA,
                        Type.STRING,
                        null,
                        Validators.kafkaBootstrap(),
                        Importance.HIGH,
                        "Kafka bootstrap servers (host:port,...) holding the errors topic; none: the broker of "
                                + "'ferry copy' whose data is under data-dir, started for the time of the command.")
                .define(
                        DATA_DIR,
                        Type.STRING,
                        "ferry-data",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "The data-dir of the 'ferry copy' whose broker to read (when no kafka is given); the copy "
                                + "must not be running.")
                .define(
                        TOPIC_PREFIX,
                        Type.STRING,
                        "ferry",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Prefix of Ferry's Kafka topic names: the errors topic is PREFIX.errors.")
                .define(
                        RUN_ID,
                        Type.STRING,
                        null,
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "Only the errors of this run (a copy's run-id, 'copy' by default); none: every run.");
    }

    static Optional<String> runId(Settings settings) {
        return Optional.ofNullable(settings.getString(RUN_ID));
    }

    /**
     * The Kafka the settings name, for the caller to close.
     *
     * @throws IllegalStateException when no kafka is given and data-dir holds no copy's broker, or
     *     that broker does not start
     */
    static KafkaAccess kafka(Settings settings, String command, PrintWriter err) {
        String bootstrap = settings.getString(KAFKA);
        if (bootstrap != null) {
            return new KafkaAccess(bootstrap, null);
        }
        Path dataDir = Path.of(settings.getString(DATA_DIR)).resolve("kafka");
        if (!Files.exists(dataDir.resolve("cluster-id"))) {
            throw new IllegalStateException("no kafka given, and no broker data of 'ferry copy' in " + dataDir
                    + ": give --kafka HOST:PORT, or the --data-dir the copy used");
        }
        err.println("ferry " + command + ": starting the broker of 'ferry copy', data in " + dataDir);
        err.flush();
        EmbeddedKafka embedded;
        try {
            embedded = EmbeddedKafka.start(dataDir, "127.0.0.1", 0);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    e.getMessage() + " (is a 'ferry copy' with this data-dir still running? Wait for it, or give "
                            + "its broker with --kafka)",
                    e);
        }
        return new KafkaAccess(embedded.bootstrapServers(), embedded);
    }

    /** Says on standard error how many records could not be read, if any; true when some could not. */
    static boolean reportUnreadable(String command, ErrorLog.Summary summary, PrintWriter err) {
        if (summary.complete()) {
            return false;
        }
        err.printf(
                "ferry %s: %,d records of the errors topic could not be read (written by a newer Ferry, or "
                        + "corrupt; the log says where) and are left out%n",
                command, summary.unreadable());
        return true;
    }

    /** {@code stream} (the process's standard output or error) as a UTF-8 writer, flushed at each line. */
    static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /** The errors topic of the settings' prefix on {@code kafka}. */
    static ErrorLog errorLog(Settings settings, KafkaAccess kafka) {
        return new ErrorLog(kafka.clientConfig(), settings.getString(TOPIC_PREFIX));
    }

    /** A Kafka cluster to read, with the broker started for it when there is one. */
    static final class KafkaAccess implements AutoCloseable {
        private final String bootstrap;
        private final EmbeddedKafka embedded;

        private KafkaAccess(String bootstrap, EmbeddedKafka embedded) {
            this.bootstrap = bootstrap;
            this.embedded = embedded;
        }

        Map<String, Object> clientConfig() {
            return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        }

        @Override
        public void close() {
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
