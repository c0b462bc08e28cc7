package io.ferry.app;

import io.ferry.endpoint.EndpointException;
import io.ferry.mover.MoveProgress;
import io.ferry.mover.MoverNode;
import io.ferry.mover.Reconciler;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.Validators;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ferry mover}: a long-running mover process. Its workers join the run's consumer group on the
 * move tasks that {@code ferry copy} (the scanner) publishes, so starting more processes adds throughput
 * and a process that dies has its tasks taken over by the others; its reconciler repairs the keys the
 * writes log says the target may hold wrong, once the run's historical copy is complete. Runs until
 * SIGTERM or Ctrl-C, then finishes the tasks in hand and exits 0.
 */
final class MoverService implements Service {
    private static final Logger log = LoggerFactory.getLogger(MoverService.class);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    static final String KAFKA = "kafka";
    static final String RECONCILE = "reconcile";
    static final String SESSION_TIMEOUT_MS = "group.session-timeout-ms";

    static final SettingsSpec SPEC = new SettingsSpec(
            "mover",
            "a long-running mover: copy workers for a run's move tasks and the reconciler of its writes log",
            MoverSettings.defineCopy(
                            MoverSettings.defineEndpoints(StatsPublisher.define(Metrics.define(new ConfigDef()))),
                            0,
                            "Mover workers in this process, each with its own connections; 0 with reconcile: "
                                    + "only the reconciler.")
                    .define(
                            KAFKA,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.kafkaBootstrap(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (host:port,...) the scanner and the proxy use.")
                    .define(
                            RECONCILE,
                            Type.BOOLEAN,
                            true,
                            Importance.HIGH,
                            "Also run the reconciler: once the run's historical copy is complete, copy again every "
                                    + "key written through the proxy since it started and every write the target "
                                    + "may hold wrong, and keep doing so for new writes.")
                    .define(
                            SESSION_TIMEOUT_MS,
                            Type.INT,
                            45_000,
                            Range.between(6_000, 1_800_000),
                            Importance.LOW,
                            "How long the run's group waits for a mover that stopped answering (killed, cut off) "
                                    + "before its move tasks and writes-log partitions go to the other movers, in ms "
                                    + "(Kafka's session.timeout.ms; the broker accepts 6000 to 300000 by default)."),
            MoverSettings.RULES);

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("mover", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        MoverNode.Options options;
        try {
            options = new MoverNode.Options(
                    settings.getString(MoverSettings.RUN_ID),
                    MoverSettings.source(settings),
                    MoverSettings.target(settings),
                    Map.of(
                            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                            settings.getString(KAFKA),
                            CommonClientConfigs.SESSION_TIMEOUT_MS_CONFIG,
                            settings.getInt(SESSION_TIMEOUT_MS)),
                    settings.getString(MoverSettings.TOPIC_PREFIX),
                    MoverSettings.copyOptions(settings),
                    settings.getInt(MoverSettings.WORKERS),
                    settings.getBoolean(RECONCILE),
                    MoverSettings.clockSkew(settings),
                    MoverSettings.throttle(settings));
        } catch (IllegalArgumentException e) {
            System.err.println("ferry mover: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        MoverNode node = new MoverNode(options, meters).statsInterval(StatsPublisher.interval(settings));
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    node.stop();
                    try {
                        finished.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ferry-mover-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            node.run(PROGRESS_EVERY, totals -> log.info("{}", line(totals, node.reconciled())));
            log.info("mover stopped: {}", line(node.progress().snapshot(), node.reconciled()));
            return Ferry.EXIT_OK;
        } catch (EndpointException | IllegalStateException e) {
            System.err.println("ferry mover: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        } finally {
            finished.countDown();
        }
    }

    static String line(MoveProgress.Snapshot totals, Reconciler.Totals reconciled) {
        String copy = String.format(
                        "copied %,d  skipped %,d  gone %,d  failed %,d  merged %,d  chunked %,d  %,.1f MB",
                        totals.copied(),
                        totals.skipped(),
                        totals.vanished(),
                        totals.failed(),
                        totals.merged() + totals.replacedOnMerge(),
                        totals.chunked(),
                        totals.bytes() / 1e6)
                + (Double.isInfinite(totals.rateLimit())
                        ? ""
                        : String.format("  held to %,.0f keys/s", totals.rateLimit()));
        if (reconciled == null) {
            return copy;
        }
        return copy
                + String.format(
                        "  | writes log: %,d read, %,d copied again, %,d deleted, %,d failed, lag %.1f s",
                        reconciled.records(),
                        reconciled.recopied(),
                        reconciled.deleted(),
                        reconciled.failed(),
                        reconciled.lagMs() / 1000.0);
    }
}
