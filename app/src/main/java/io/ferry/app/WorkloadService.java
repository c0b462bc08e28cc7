package io.ferry.app;

import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.workload.Workload;
import io.ferry.workload.WorkloadOptions;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code ferry workload --target H:P|URI --history FILE}: an application writing and reading every data type at a
 * steady rate from several connections, recording every write and its outcome in a history file for {@code ferry
 * check} ({@link Workload}). Stops after the duration or on SIGTERM / Ctrl-C, then prints a summary. Exit status 0
 * (also when writes failed: they are recorded; the check judges them), 1 when the history cannot be written.
 */
final class WorkloadService implements Service {
    static final String TARGET = "target";
    static final String CONNECTIONS = "connections";
    static final String RATE = "rate";
    static final String DURATION_SECONDS = "duration-seconds";
    static final String HISTORY = "history";
    static final String KEYS = "keys";
    static final String PREFIX = "prefix";
    static final String TIMEOUT_MS = "timeout-ms";
    static final String READ_SHARE = "read-share";

    static final SettingsSpec SPEC = new SettingsSpec(
            "workload",
            "an application writing every data type at a steady rate, every write recorded in a history file",
            new ConfigDef()
                    .define(
                            TARGET,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            WorkloadService::validTarget,
                            Importance.HIGH,
                            "Where to connect: host:port, or redis://[user:password@]host:port[/db] (rediss:// "
                                    + "for TLS): a Redis server or a Ferry listener. Several, comma-separated (proxy "
                                    + "nodes): connections are spread over them, and one whose commands go "
                                    + "unanswered three times in a row moves to the next.")
                    .define(
                            CONNECTIONS,
                            Type.INT,
                            4,
                            Range.between(1, 1024),
                            Importance.HIGH,
                            "Connections, each owning its own keys and sending one command at a time.")
                    .define(
                            RATE,
                            Type.INT,
                            1000,
                            Range.between(1, 1_000_000),
                            Importance.HIGH,
                            "Operations per second over all connections (writes and reads).")
                    .define(
                            DURATION_SECONDS,
                            Type.LONG,
                            60L,
                            Range.between(1, 7 * 86_400),
                            Importance.HIGH,
                            "How long it runs; SIGTERM or Ctrl-C stops it earlier.")
                    .define(
                            HISTORY,
                            Type.STRING,
                            "ferry-workload.history",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.HIGH,
                            "The history file written (one line per write: its outcome and reply); ferry check "
                                    + "--history reads it.")
                    .define(
                            KEYS,
                            Type.INT,
                            10_000,
                            Range.between(7, 100_000_000),
                            Importance.MEDIUM,
                            "Keys over all connections (strings, counters, hashes, lists, sets, sorted sets, "
                                    + "streams in turn).")
                    .define(
                            PREFIX,
                            Type.STRING,
                            "wl",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.MEDIUM,
                            "First part of every key name: PREFIX:connection:type:n.")
                    .define(
                            TIMEOUT_MS,
                            Type.LONG,
                            2000L,
                            Range.between(10, 600_000),
                            Importance.LOW,
                            "How long a command waits for its reply before it counts as unanswered.")
                    .define(
                            READ_SHARE,
                            Type.DOUBLE,
                            0.25,
                            Range.between(0.0, 1.0),
                            Importance.LOW,
                            "The share of operations that are reads."));

    private static void validTarget(String name, Object value) {
        if (value == null) {
            return;
        }
        try {
            targets((String) value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, "(not shown)", e.getMessage());
        }
    }

    /** One or more targets, comma-separated. */
    static List<RedisUri> targets(String text) {
        List<RedisUri> targets = new ArrayList<>();
        for (String one : text.split(",", -1)) {
            if (one.isBlank()) {
                throw new IllegalArgumentException("an empty target in the list");
            }
            targets.add(target(one));
        }
        return targets;
    }

    /** host:port or a Redis URI. */
    static RedisUri target(String text) {
        String value = text.trim();
        if (value.contains("://")) {
            return RedisUri.parse(value);
        }
        HostPort address = HostPort.parse(value);
        String host = address.host().contains(":") ? "[" + address.host() + "]" : address.host();
        return RedisUri.parse("redis://" + host + ":" + address.port());
    }

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        return run(settings, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        WorkloadOptions options;
        try {
            options = new WorkloadOptions(
                    targets(settings.getString(TARGET)),
                    settings.getInt(CONNECTIONS),
                    settings.getInt(RATE),
                    Duration.ofSeconds(settings.getLong(DURATION_SECONDS)),
                    Path.of(settings.getString(HISTORY)),
                    settings.getInt(KEYS),
                    settings.getString(PREFIX),
                    Duration.ofMillis(settings.getLong(TIMEOUT_MS)),
                    settings.getDouble(READ_SHARE));
        } catch (IllegalArgumentException e) {
            err.println("ferry workload: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        Workload workload = new Workload(options);
        CountDownLatch finished = new CountDownLatch(1);
        // SIGTERM: stop the connections, let the run write and close the history, print the summary, then exit.
        Thread hook = new Thread(
                () -> {
                    workload.stop();
                    try {
                        finished.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ferry-workload-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        err.printf(
                "ferry workload: %d connections to %s, %,d ops/s for %d s, %,d keys '%s:*'; history in %s%n",
                options.connections(),
                options.targets().stream().map(RedisUri::toString).collect(Collectors.joining(", ")),
                options.rate(),
                options.duration().toSeconds(),
                options.keys(),
                options.prefix(),
                options.history().toAbsolutePath());
        err.flush();
        long started = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ferry-workload-progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(
                () -> {
                    err.print("ferry workload: "
                            + workload.progress((System.nanoTime() - started) / 1e9)
                                    .describe());
                    err.flush();
                },
                10,
                10,
                TimeUnit.SECONDS);
        try {
            Workload.Summary summary = workload.run();
            out.print("ferry workload: " + summary.describe());
            out.flush();
            return Ferry.EXIT_OK;
        } finally {
            ticker.shutdownNow();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook is what stopped the run
            }
        }
    }
}
