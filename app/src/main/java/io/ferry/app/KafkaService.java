package io.ferry.app;

import io.ferry.settings.HostPort;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ferry kafka}: a single-node Kafka broker with its data on disk ({@link EmbeddedKafka}), for
 * local runs, benchmarks and the demo; stopped by SIGTERM or Ctrl-C. Prints {@code kafka ready at
 * HOST:PORT} on standard output once it serves, for scripts to wait on.
 */
final class KafkaService implements Service {
    private static final Logger log = LoggerFactory.getLogger(KafkaService.class);

    static final String LISTEN = "listen";
    static final String DATA_DIR = "data-dir";

    static final SettingsSpec SPEC = new SettingsSpec(
            "kafka",
            "a single-node Kafka broker for local runs, benchmarks and the demo (production uses a Kafka cluster)",
            new ConfigDef()
                    .define(
                            LISTEN,
                            Type.STRING,
                            "127.0.0.1:9092",
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Address the broker listens on for clients, host:port (port 0: a free one).")
                    .define(
                            DATA_DIR,
                            Type.STRING,
                            "ferry-data/kafka",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "Folder holding the broker's data; formatted on first start, reused afterwards."));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        settings.logEffective(log);
        HostPort listen = HostPort.parse(settings.getString(LISTEN));
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(Path.of(settings.getString(DATA_DIR)), listen.host(), listen.port());
        } catch (IllegalStateException e) {
            System.err.println("ferry kafka: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            kafka.close();
                            stopped.countDown();
                        },
                        "ferry-kafka-shutdown"));
        System.out.println("kafka ready at " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
        return Ferry.EXIT_OK;
    }
}
