package io.ferry.app;

import io.ferry.control.interlay.InterlayNode;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ferry interlay --id ID --kafka B}: a proxy node serving one interlay of the control plane: it listens while
 * the interlay is started, in front of the interlay's endpoint, with the target and routing of the migration run set
 * up for that endpoint. Runs until SIGTERM or Ctrl-C. Needs the control plane's key file to open the endpoints'
 * passwords.
 */
final class InterlayService implements Service {
    private static final Logger log = LoggerFactory.getLogger(InterlayService.class);

    static final String ID = "id";
    static final String KAFKA = "kafka";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String KEY_FILE = "key-file";
    static final String NODE_ID = "node-id";

    static final SettingsSpec SPEC = new SettingsSpec(
            "interlay",
            "a proxy node serving one interlay of the control plane, as the control topic says",
            StatsPublisher.define(Metrics.define(new ConfigDef()))
                    .define(
                            ID,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "The interlay to serve (its id in the control plane).")
                    .define(
                            KAFKA,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.kafkaBootstrap(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (host:port,...) of the control plane.")
                    .define(
                            TOPIC_PREFIX,
                            Type.STRING,
                            "ferry",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.LOW,
                            "Prefix of Ferry's Kafka topic names.")
                    .define(
                            KEY_FILE,
                            Type.STRING,
                            "ferry-control.key",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "The control plane's key file: endpoint passwords are sealed with it.")
                    .define(
                            NODE_ID,
                            Type.STRING,
                            "interlay-1",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.LOW,
                            "Name of this node in the writes and traffic it publishes."));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("interlay", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.getString(KAFKA));
        Path keyFile = Path.of(settings.getString(KEY_FILE));
        InterlayNode node;
        try {
            if (!keyFile.toFile().isFile()) {
                System.err.println("ferry interlay: the key file " + keyFile + " does not exist: copy the control "
                        + "plane's here (a new key could not open the stored passwords)");
                return Ferry.EXIT_USAGE;
            }
            TopicRegistry topics;
            try (Admin admin = Admin.create(kafka)) {
                topics = TopicBootstrap.ensure(admin, settings.getString(TOPIC_PREFIX), Duration.ofSeconds(30));
            }
            node = new InterlayNode(
                    settings.getString(ID),
                    kafka,
                    topics,
                    Sealer.fromKeyFile(keyFile),
                    settings.getString(NODE_ID),
                    meters,
                    StatsPublisher.interval(settings));
        } catch (TopicBootstrapException | IllegalArgumentException | IOException e) {
            System.err.println("ferry interlay: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            node.close();
                            stopped.countDown();
                        },
                        "ferry-interlay-stop"));
        System.err.println("ferry interlay: serving interlay " + settings.getString(ID) + " as the control topic says");
        stopped.await();
        return 0;
    }
}
