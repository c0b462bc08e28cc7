package io.ferry.app;

import io.ferry.comparator.replay.ReplayOptions;
import io.ferry.comparator.replay.ShadowReplay;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry comparator}: shadow replay of the reads the proxy captured on the traffic topic, against the side that
 * did not answer them, with confirmed divergences published to the divergences topic (and, with {@code repair}, a
 * repair request to the reconciler). Processes of one run share the traffic topic's partitions. Logs a status line
 * every {@value #STATUS_SECONDS} s; runs until SIGTERM or Ctrl-C, then finishes the replays in flight and exits 0.
 */
final class ComparatorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ComparatorService.class);
    private static final long STATUS_SECONDS = 10;

    static final SettingsSpec SPEC = new SettingsSpec(
            "comparator",
            "shadow replay of captured reads against the other side, confirmed divergences to the divergences topic",
            StatsPublisher.define(Metrics.define(ComparatorSettings.define())),
            ComparatorSettings.RULES);

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        try (Metrics metrics = Metrics.open("comparator", settings)) {
            return run(settings, metrics.registry());
        }
    }

    private int run(Settings settings, MeterRegistry meters) throws Exception {
        settings.logEffective(log);
        ReplayOptions options;
        try {
            options = ComparatorSettings.options(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("ferry comparator: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        ShadowReplay replay = new ShadowReplay(options, meters).statsInterval(StatsPublisher.interval(settings));
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    replay.stop();
                    try {
                        finished.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ferry-comparator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ferry-comparator-status");
            thread.setDaemon(true);
            return thread;
        });
        status.scheduleAtFixedRate(
                () -> log.info("comparator: {}", replay.totals().line()),
                STATUS_SECONDS,
                STATUS_SECONDS,
                TimeUnit.SECONDS);
        log.info(
                "comparator of run {} replaying on {} and {}, at most {}/s, repair {}",
                options.runId(),
                options.source(),
                options.target(),
                options.maxReplaysPerSecond(),
                options.repair() ? "on" : "off");
        try {
            replay.run();
            log.info("comparator stopped: {}", replay.totals().line());
            if (replay.failure() != null) {
                System.err.println("ferry comparator: " + replay.failure().getMessage());
                return Ferry.EXIT_FAILURE;
            }
            return Ferry.EXIT_OK;
        } finally {
            status.shutdownNow();
            status.awaitTermination(1, TimeUnit.SECONDS);
            finished.countDown();
            if (!Thread.currentThread().equals(hook)) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // Shutting down already: the hook is running.
                }
            }
        }
    }
}
