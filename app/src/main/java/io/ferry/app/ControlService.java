package io.ferry.app;

import io.ferry.control.api.ControlServer;
import io.ferry.control.store.ControlStoreException;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.HostPort;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ferry control}: the control plane's REST API over the control topic. Runs until SIGTERM or Ctrl-C. The API
 * token comes from {@code token} or, better (a flag shows in the process list), {@code token-file}; passwords of
 * endpoints are sealed with the key in {@code key-file}, made on first start.
 */
final class ControlService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ControlService.class);

    static final String LISTEN = "listen";
    static final String KAFKA = "kafka";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String KEY_FILE = "key-file";

    static final SettingsSpec SPEC = new SettingsSpec(
            "control",
            "the control plane: REST API for endpoints, interlays and the migration workflow",
            ApiToken.define(StatsPublisher.define(Metrics.define(new ConfigDef())))
                    .define(
                            LISTEN,
                            Type.STRING,
                            "127.0.0.1:8080",
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Address and port the HTTP API listens on.")
                    .define(
                            KAFKA,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.kafkaBootstrap(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (host:port,...): the control state lives in its control topic.")
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
                            "The key endpoint passwords are sealed with before they reach the control topic; made "
                                    + "(mode 0600) on first start. Keep it: without it stored passwords cannot be used."),
            List.of(ApiToken::problems));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("control", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        String token;
        try {
            token = ApiToken.read(settings);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("ferry control: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.getString(KAFKA));
        HostPort listen = HostPort.parse(settings.getString(LISTEN));
        ControlServer server;
        try {
            TopicRegistry topics;
            try (Admin admin = Admin.create(kafka)) {
                topics = TopicBootstrap.ensure(admin, settings.getString(TOPIC_PREFIX), Duration.ofSeconds(30));
            }
            server = ControlServer.start(new ControlServer.Options(
                    listen.host(),
                    listen.port(),
                    token,
                    kafka,
                    topics,
                    Sealer.fromKeyFile(Path.of(settings.getString(KEY_FILE))),
                    meters,
                    StatsPublisher.interval(settings)));
        } catch (TopicBootstrapException | ControlStoreException | IllegalArgumentException | IOException e) {
            System.err.println("ferry control: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    server.close();
                    stopped.countDown();
                },
                "ferry-control-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("ferry control: listening on http://" + listen.host() + ":"
                + server.address().getPort() + " (API under /api/v1, OpenAPI at /api/v1/openapi.json)");
        stopped.await();
        return 0;
    }
}
