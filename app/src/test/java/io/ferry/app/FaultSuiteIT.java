package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.settings.RedisUri;
import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.workload.CheckReport;
import io.ferry.workload.Checker;
import io.ferry.workload.Workload;
import io.ferry.workload.WorkloadOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole migration with faults injected, every Ferry service its own {@code ferry} process next to its own broker
 * process: the control plane, two proxy nodes following the run, two movers (workers and reconciler), the comparator.
 * An application ({@code Workload}, records every acknowledged write) writes and reads every data type through both
 * proxy nodes the whole time. Faults ({@link Fault}): a mover killed with SIGKILL, the target paused (SIGSTOP) for
 * seconds, the target restarted empty in the middle of the copy, a proxy node killed (its clients move to the other),
 * the comparator restarted, the Kafka broker stopped and started again. The canary walks to 100 %, the keyspace verify
 * (if it is not clean: the error keys replayed and the keys still different sent to the reconciler, then verified
 * again) and complete. Then the independent checker ({@code Checker}, not Ferry's code) must find every key equal on
 * both sides and no acknowledged write lost.
 *
 * <p>{@code make test} runs every fault in one migration. {@code -Dchaos.scenarios=each} (make chaos) runs each fault
 * alone, a migration of its own with its own figures, then all of them together; {@code -Dchaos.long=true} makes the
 * dataset bigger and the steps longer. Each scenario's figures are printed and written to
 * {@code target/fault-suite.txt}.
 */
class FaultSuiteIT {
    private static final boolean LONG = Boolean.getBoolean("chaos.long");
    private static final boolean EACH = "each".equals(System.getProperty("chaos.scenarios", "all"));
    private static final String RUN = "chaos";
    private static final String TOKEN = "chaos-token-of-some-length";

    /** What goes wrong during a scenario. */
    enum Fault {
        MOVER_KILLED,
        TARGET_PAUSED,
        TARGET_RESTARTED_EMPTY,
        PROXY_KILLED,
        COMPARATOR_RESTARTED,
        KAFKA_RESTARTED
    }

    /** One migration's figures, as the suite prints them. */
    record Figures(
            String scenario,
            int keys,
            long acknowledged,
            long unanswered,
            long staleReads,
            long targetRestarts,
            long compared,
            long divergent,
            long checked,
            long lost,
            long anomalies,
            double seconds) {
        String line() {
            return String.format(
                    "%-24s keys %,9d | writes acknowledged %,9d, unanswered %,4d | stale reads %,4d | target "
                            + "restarts seen %d | check: %,9d keys compared, %d divergent, %,9d acknowledged writes "
                            + "checked, %d lost, %d anomalies | %4.0f s",
                    scenario,
                    keys,
                    acknowledged,
                    unanswered,
                    staleReads,
                    targetRestarts,
                    compared,
                    divergent,
                    checked,
                    lost,
                    anomalies,
                    seconds);
        }
    }

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private final List<FerryProcess> processes = new ArrayList<>();
    /** The scenario running: long (a bigger dataset, longer steps) or short. */
    private boolean longRun;

    private int keys() {
        return longRun ? 300_000 : 10_000;
    }

    private Duration step() {
        return Duration.ofSeconds(longRun ? 20 : 1);
    }

    @Test
    void aMigrationUnderFaultsEndsWithEveryKeyEqualAndNoAcknowledgedWriteLost(@TempDir Path dir) throws Exception {
        List<Figures> figures = new ArrayList<>();
        if (EACH) {
            // Each fault alone at the short size: what it does on its own, quickly.
            longRun = false;
            for (Fault fault : Fault.values()) {
                figures.add(scenario(dir, fault.name().toLowerCase(Locale.ROOT), EnumSet.of(fault)));
            }
        }
        longRun = LONG;
        figures.add(scenario(dir, "all-faults" + (longRun ? "-long" : ""), EnumSet.allOf(Fault.class)));
        StringBuilder table = new StringBuilder();
        figures.forEach(f -> table.append(f.line()).append('\n'));
        System.out.print("fault suite figures:\n" + table);
        Files.writeString(Path.of("target", "fault-suite.txt"), table.toString());
    }

    /** One migration with {@code faults}, in a directory and with servers of its own; its figures once checked. */
    private Figures scenario(Path root, String name, Set<Fault> faults) throws Exception {
        log("scenario " + name + ": " + faults);
        long started = System.nanoTime();
        Path dir = Files.createDirectories(root.resolve(name));
        RedisServer source = redis.start(name + "-source");
        RedisServer target = redis.start(name + "-target");
        load(source);
        String kafka = "127.0.0.1:" + FreePorts.next();
        Workload workload = null;
        Thread application = null;
        try {
            FerryProcess broker = start(
                    dir,
                    "kafka",
                    "--listen",
                    kafka,
                    "--data-dir",
                    dir.resolve("kafka").toString());
            broker.awaitLine("kafka ready", Duration.ofSeconds(90));

            Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
            int controlPort = FreePorts.next();
            start(
                    dir,
                    "control",
                    "--listen",
                    "127.0.0.1:" + controlPort,
                    "--kafka",
                    kafka,
                    "--token-file",
                    tokenFile.toString(),
                    "--key-file",
                    dir.resolve("control.key").toString());
            ControlClient api = new ControlClient("http://127.0.0.1:" + controlPort, TOKEN);
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> api.get("/api/v1/endpoints") != null);

            api.post("/api/v1/endpoints", endpoint("source", source));
            api.post("/api/v1/endpoints", endpoint("target", target));
            // The applications' listeners here are two `ferry proxy` nodes following the run (an interlay node binds
            // one port per host); the interlay record says what stands in for the source, as prepare checks.
            api.post(
                    "/api/v1/interlays",
                    Map.of("id", "app", "endpoint", "source", "listen_host", "127.0.0.1", "port", FreePorts.next()));
            api.post("/api/v1/interlays/app/start", null);
            api.post("/api/v1/migrations", Map.of("id", RUN));
            api.put(
                    "/api/v1/migrations/" + RUN + "/setup",
                    Map.of("source", "source", "target", "target", "strategy", "CANARY"));

            int[] proxyPorts = {FreePorts.next(), FreePorts.next()};
            FerryProcess[] proxies = new FerryProcess[2];
            for (int i = 0; i < 2; i++) {
                proxies[i] = proxy(dir, i, proxyPorts[i], source, target, kafka);
            }
            FerryProcess[] movers = new FerryProcess[2];
            for (int i = 0; i < 2; i++) {
                movers[i] = start(
                        dir,
                        "mover",
                        "--source",
                        source.uri(),
                        "--target",
                        target.uri(),
                        "--kafka",
                        kafka,
                        "--run-id",
                        RUN,
                        "--workers",
                        "1",
                        "--reconcile",
                        "true",
                        // A killed mover's tasks and partitions go to the other after 6 s, not Kafka's default 45.
                        "--group.session-timeout-ms",
                        "6000");
            }
            FerryProcess comparator = comparator(dir, source, target, kafka);
            for (int port : proxyPorts) {
                await().atMost(Duration.ofSeconds(90)).until(() -> listening(port));
            }

            workload = new Workload(new WorkloadOptions(
                    List.of(uri(proxyPorts[0]), uri(proxyPorts[1])),
                    4,
                    longRun ? 1000 : 300,
                    Duration.ofMinutes(30),
                    dir.resolve("history.tsv"),
                    2_000,
                    "wl",
                    Duration.ofSeconds(3),
                    0.25));
            Workload running = workload;
            AtomicReference<Throwable> applicationFailure = new AtomicReference<>();
            AtomicReference<Workload.Summary> summary = new AtomicReference<>();
            application = new Thread(
                    () -> {
                        try {
                            summary.set(running.run());
                        } catch (Throwable e) {
                            applicationFailure.set(e);
                        }
                    },
                    "chaos-application");
            application.start();

            JsonNode prepared = api.post("/api/v1/migrations/" + RUN + "/prepare", null);
            for (JsonNode finding : prepared.get("findings")) {
                assertThat(finding.get("blocking").asBoolean())
                        .as(finding.toString())
                        .isFalse();
                if (!finding.get("severity").asText().equals("INFO")) {
                    api.post(
                            "/api/v1/migrations/" + RUN + "/findings/"
                                    + finding.get("index").asInt() + "/acknowledge",
                            Map.of("note", "fault suite"));
                }
            }
            api.post("/api/v1/migrations/" + RUN + "/approve", null);
            log("approved: dual-write and the historical copy");

            // During the copy: the target restarts empty (what it was sent so far is gone: the control plane and
            // the proxies see its new run_id, the copy starts over), a mover dies without a word (in the short run,
            // after the copy: its copy tasks would wait out the consumer group's session timeout before the other
            // mover takes them), the target stops answering for a while.
            TimeUnit.MILLISECONDS.sleep(300);
            if (faults.contains(Fault.TARGET_RESTARTED_EMPTY)) {
                if (longRun) {
                    TimeUnit.SECONDS.sleep(10);
                }
                target.restartEmpty();
                log("fault: target restarted empty mid-copy "
                        + api.get("/api/v1/migrations/" + RUN).get("copy"));
            }
            if (longRun && faults.contains(Fault.MOVER_KILLED)) {
                movers[0].kill();
                log("fault: mover-0 killed (SIGKILL) during the copy");
            }
            if (faults.contains(Fault.TARGET_PAUSED)) {
                target.pause();
                TimeUnit.SECONDS.sleep(longRun ? 8 : 3);
                target.resume();
                log("fault: target paused (SIGSTOP) then resumed");
            }
            if (faults.contains(Fault.TARGET_RESTARTED_EMPTY)) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> api.get("/api/v1/migrations/" + RUN)
                                        .get("target_restarts")
                                        .asInt()
                                >= 1);
                log("the control plane saw the restart: reads held on the source, the copy started over");
            }
            await().atMost(Duration.ofMinutes(longRun ? 20 : 3))
                    .until(() ->
                            copyState(api).equals("COMPLETE") || copyState(api).equals("FAILED"));
            assertThat(copyState(api)).as("the historical copy").isEqualTo("COMPLETE");
            log("copy complete: " + api.get("/api/v1/migrations/" + RUN).get("copy"));
            if (!longRun && faults.contains(Fault.MOVER_KILLED)) {
                movers[0].kill();
                log("fault: mover-0 killed (SIGKILL): mover-1's reconciler takes its writes-log partitions");
            }

            step(api, 5);
            if (faults.contains(Fault.PROXY_KILLED)) {
                proxies[0].kill();
                log("fault: proxy-0 killed (SIGKILL); its clients move to proxy-1");
                TimeUnit.MILLISECONDS.sleep(step().toMillis());
            }
            step(api, 20);
            if (faults.contains(Fault.COMPARATOR_RESTARTED)) {
                comparator.stop();
                comparator = comparator(dir, source, target, kafka);
                log("fault: comparator restarted");
                TimeUnit.MILLISECONDS.sleep(step().toMillis());
            }
            step(api, 40);
            if (faults.contains(Fault.KAFKA_RESTARTED)) {
                broker.stop();
                log("fault: Kafka broker stopped");
                TimeUnit.SECONDS.sleep(longRun ? 15 : 3);
                broker = start(
                        dir,
                        "kafka",
                        "--listen",
                        kafka,
                        "--data-dir",
                        dir.resolve("kafka").toString());
                broker.awaitLine("kafka ready", Duration.ofSeconds(90));
                log("fault: Kafka broker started again");
                TimeUnit.MILLISECONDS.sleep(step().toMillis());
            }
            step(api, 80);
            step(api, 100);

            // As an operator would: the reconcilers have handled every write logged (the killed mover's partitions
            // went to the other), then the verify, while the application writes. If it is not clean (the keys the
            // target lost when it restarted empty, any the copy or reconciler gave up on): the error keys replayed,
            // a verify that sends every key still different to the reconciler, then a verify again.
            awaitReconcilers(api);
            JsonNode verified = verify(api, false);
            for (int round = 0; round < 3 && verified.at("/verify/exit_status").asInt() != 0; round++) {
                log("verify not clean (" + verified.get("verify") + "): error keys replayed, keys found different "
                        + "sent to the reconciler");
                api.post("/api/v1/migrations/" + RUN + "/errors/replay", null);
                verify(api, true);
                awaitReconcilers(api);
                verified = verify(api, false);
            }
            assertThat(verified.at("/verify/exit_status").asInt())
                    .as("the keyspace verify: %s", verified.get("verify"))
                    .isZero();
            api.post("/api/v1/migrations/" + RUN + "/complete", Map.of("accept_target", true));
            log("complete: the target is authoritative");
            TimeUnit.MILLISECONDS.sleep(step().toMillis());
            workload.stop();
            application.join(60_000);
            assertThat(applicationFailure.get()).isNull();

            // The independent check: its own reads of both sides, and the history replayed against the target.
            CheckReport report = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try (Checker checker = new Checker(
                        RedisUri.parse(source.uri()), RedisUri.parse(target.uri()), Checker.Options.DEFAULTS)) {
                    report = checker.run(dir.resolve("history.tsv"));
                }
                if (report.clean()) {
                    break;
                }
                log("check not clean yet (the reconciler may still be repairing): " + report.summary());
                TimeUnit.SECONDS.sleep(3);
            }
            Workload.Summary app = summary.get();
            Figures figures = new Figures(
                    name,
                    keys(),
                    app == null ? 0 : app.acknowledged(),
                    app == null ? 0 : app.failed(),
                    app == null ? 0 : app.staleReads(),
                    api.get("/api/v1/migrations/" + RUN).get("target_restarts").asLong(),
                    report.keysCompared(),
                    report.divergent(),
                    report.historyAcknowledged(),
                    report.lostWrites(),
                    report.anomalies(),
                    (System.nanoTime() - started) / 1e9);
            System.out.printf(
                    "fault suite, scenario %s: application: %s%n%s%n",
                    name, app == null ? "(none)" : app.describe().strip().replace("\n", " "), figures.line());
            assertThat(report.divergent())
                    .as("divergent keys: %s", report.divergentSamples())
                    .isZero();
            assertThat(report.lostWrites())
                    .as("lost acknowledged writes: %s", report.lostSamples())
                    .isZero();
            assertThat(report.anomalies())
                    .as("anomalies: %s", report.anomalySamples())
                    .isZero();
            assertThat(report.historyAcknowledged())
                    .as("acknowledged writes in the history")
                    .isGreaterThan(500);
            if (faults.contains(Fault.TARGET_RESTARTED_EMPTY)) {
                assertThat(figures.targetRestarts()).as("target restarts seen").isPositive();
            }
            return figures;
        } finally {
            if (workload != null) {
                workload.stop();
            }
            if (application != null) {
                application.join(30_000);
            }
            // Everything was checked: no need to wait for graceful shutdowns (a service stopped after the broker
            // waits for its producers' delivery timeout).
            for (int i = processes.size() - 1; i >= 0; i--) {
                processes.get(i).kill();
            }
            processes.clear();
        }
    }

    private void step(ControlClient api, int percent) throws Exception {
        api.post("/api/v1/migrations/" + RUN + "/traffic", Map.of("ratio_percent", percent));
        log("canary step: " + percent + " % of keys read from the target");
        TimeUnit.MILLISECONDS.sleep(step().toMillis());
    }

    private static String copyState(ControlClient api) throws Exception {
        return api.get("/api/v1/migrations/" + RUN).at("/copy/state").asText();
    }

    /** Until the reconcilers have handled (almost) every write logged, as the runbook says before a verify. */
    private static void awaitReconcilers(ControlClient api) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            JsonNode backlog = api.get("/api/v1/migrations/" + RUN).get("reconciler");
            assertThat(backlog.path("lag").asLong(-1)).as("%s", backlog).isLessThan(100);
            assertThat(backlog.path("uncommitted_partitions").asInt(-1))
                    .as("%s", backlog)
                    .isZero();
        });
        try {
            log("reconcilers caught up: " + api.get("/api/v1/migrations/" + RUN).get("reconciler"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode verify(ControlClient api, boolean repair) throws Exception {
        String before =
                api.get("/api/v1/migrations/" + RUN).at("/verify/finished_at").asText();
        api.post("/api/v1/migrations/" + RUN + "/verify", Map.of("repair", repair));
        await().atMost(Duration.ofMinutes(longRun ? 20 : 3)).until(() -> !api.get("/api/v1/migrations/" + RUN)
                .at("/verify/finished_at")
                .asText()
                .equals(before));
        return api.get("/api/v1/migrations/" + RUN);
    }

    private FerryProcess proxy(Path dir, int i, int port, RedisServer source, RedisServer target, String kafka)
            throws IOException {
        return start(
                dir,
                "proxy",
                "--listen",
                "127.0.0.1:" + port,
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--kafka",
                kafka,
                "--control.run-id",
                RUN,
                "--node-id",
                "proxy-" + i);
    }

    private FerryProcess comparator(Path dir, RedisServer source, RedisServer target, String kafka) throws IOException {
        return start(
                dir,
                "comparator",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--kafka",
                kafka,
                "--run-id",
                RUN,
                "--repair",
                "true");
    }

    private FerryProcess start(Path dir, String... args) throws IOException {
        FerryProcess process = FerryProcess.start(List.of("-Xmx256m"), args);
        processes.add(process);
        return process;
    }

    /** The dataset: strings, hashes, lists, sets and sorted sets, a tenth with a TTL, loaded by a script. */
    private void load(RedisServer source) {
        RedisClient client = RedisClient.create(source.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (int from = 0; from < keys(); from += 10_000) {
                connection
                        .sync()
                        .eval(
                                """
                        for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
                          local kind = i % 5
                          if kind == 0 then redis.call('SET', 'k:' .. i, 'value ' .. i)
                          elseif kind == 1 then redis.call('HSET', 'h:' .. i, 'a', i, 'b', 'x' .. i)
                          elseif kind == 2 then redis.call('RPUSH', 'l:' .. i, 'a', 'b', i)
                          elseif kind == 3 then redis.call('SADD', 's:' .. i, 'a', i)
                          else redis.call('ZADD', 'z:' .. i, i, 'm' .. i) end
                          if i % 10 == 0 then redis.call('SET', 't:' .. i, i, 'EX', 3600) end
                        end
                        return 0""",
                                ScriptOutputType.INTEGER,
                                new String[0],
                                String.valueOf(from),
                                String.valueOf(Math.min(from + 9_999, keys() - 1)));
            }
        } finally {
            client.shutdown();
        }
    }

    private static Map<String, Object> endpoint(String id, RedisServer server) {
        return Map.of("id", id, "config", Map.of("target", Map.of("host", server.host(), "port", server.port())));
    }

    private static RedisUri uri(int port) {
        return RedisUri.parse("redis://127.0.0.1:" + port);
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void log(String what) {
        System.out.printf("%tT.%<tL fault suite: %s%n", System.currentTimeMillis(), what);
    }
}
