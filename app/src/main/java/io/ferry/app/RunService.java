package io.ferry.app;

import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
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
 * {@code ferry run --source URI --target URI [--listen H:P] [--control-listen H:P] [--data DIR]}: a whole migration
 * in one process with an embedded Kafka on disk ({@link AllInOne}); a restart with the same data folder resumes it.
 * Runs until SIGTERM or Ctrl-C.
 */
final class RunService implements Service {
    private static final Logger log = LoggerFactory.getLogger(RunService.class);

    static final String SOURCE = "source";
    static final String TARGET = "target";
    static final String LISTEN = "listen";
    static final String CONTROL_LISTEN = "control-listen";
    static final String DATA = "data";
    static final String RUN_ID = "run-id";

    static final SettingsSpec SPEC = new SettingsSpec(
            "run",
            "a whole migration in one process: control plane, proxy, mover, comparator and analyzer, embedded Kafka",
            Metrics.define(new ConfigDef())
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
                            LISTEN,
                            Type.STRING,
                            "127.0.0.1:6380",
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Where the applications connect (the interlay's listener) on first start.")
                    .define(
                            CONTROL_LISTEN,
                            Type.STRING,
                            "127.0.0.1:8080",
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Where the control plane's API and dashboard listen.")
                    .define(
                            DATA,
                            Type.STRING,
                            "ferry-data",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "The data folder: Kafka's log, the API token, the sealing key, the "
                                    + "analyzer's state. Keep it to resume.")
                    .define(
                            RUN_ID,
                            Type.STRING,
                            "migration",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "Name of the migration run (and of its interlay)."));

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        settings.logEffective(log);
        AllInOne.Options options = new AllInOne.Options(
                RedisUri.parse(settings.getString(SOURCE)),
                RedisUri.parse(settings.getString(TARGET)),
                Path.of(settings.getString(DATA)),
                HostPort.parse(settings.getString(LISTEN)),
                HostPort.parse(settings.getString(CONTROL_LISTEN)),
                settings.getString(RUN_ID));
        Metrics metrics = Metrics.open("run", settings);
        AllInOne run;
        try {
            run = AllInOne.start(options, metrics.registry());
        } catch (Exception e) {
            metrics.close();
            System.err.println("ferry run: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            run.close();
                            metrics.close();
                            stopped.countDown();
                        },
                        "ferry-run-stop"));
        System.err.println("ferry run: applications connect to "
                + options.listen().host() + ":" + options.listen().port()
                + "; dashboard and API at " + run.url() + " (token in "
                + options.data().resolve("control.token")
                + "); ferry migrate status --control " + run.url() + " --token-file "
                + options.data().resolve("control.token") + " --run " + options.runId());
        stopped.await();
        return Ferry.EXIT_OK;
    }
}
