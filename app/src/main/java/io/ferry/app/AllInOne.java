package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.comparator.replay.ReplayOptions;
import io.ferry.comparator.replay.ShadowReplay;
import io.ferry.control.api.ControlServer;
import io.ferry.control.interlay.InterlayNode;
import io.ferry.control.store.Sealer;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.MoverNode;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ferry run}: every service of one migration in one JVM around an embedded single-node Kafka whose data folder
 * is on disk, so a restart resumes the migration where it was. The control plane (API and dashboard; its token in
 * {@code <data>/control.token}, its sealing key in {@code <data>/control.key}), an interlay node serving the
 * applications' listener, the mover's reconciler, the comparator with repair on, and the analyzer. On first start
 * it creates the endpoints {@code source} and {@code target}, the interlay and the run (set up for a CANARY move,
 * copy and sync) through its own API, and starts the interlay; the operator drives the rest (dashboard or
 * {@code ferry migrate}). {@link #close} stops everything, the broker last.
 */
final class AllInOne implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AllInOne.class);
    static final String PREFIX = "ferry";

    /** What to run. */
    record Options(
            RedisUri source, RedisUri target, Path data, HostPort listen, HostPort controlListen, String runId) {}

    /** How often the services inside publish their stats for the dashboard. */
    private static final Duration STATS_INTERVAL = Duration.ofSeconds(5);

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private ControlServer control;
    private String token;

    private AllInOne() {}

    static AllInOne start(Options options, MeterRegistry meters) throws Exception {
        AllInOne run = new AllInOne();
        try {
            run.startAll(options, meters);
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    private void startAll(Options options, MeterRegistry meters) throws Exception {
        Files.createDirectories(options.data());
        EmbeddedKafka kafka = EmbeddedKafka.start(options.data().resolve("kafka"), "127.0.0.1", 0);
        parts.add(kafka);
        Map<String, Object> clients = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        TopicRegistry topics;
        try (Admin admin = Admin.create(clients)) {
            topics = TopicBootstrap.ensure(admin, PREFIX, Duration.ofSeconds(60));
        }
        token = token(options.data().resolve("control.token"));
        Sealer sealer = Sealer.fromKeyFile(options.data().resolve("control.key"));
        control = ControlServer.start(new ControlServer.Options(
                options.controlListen().host(),
                options.controlListen().port(),
                token,
                clients,
                topics,
                sealer,
                meters,
                STATS_INTERVAL));
        parts.add(control);
        ControlClient api = new ControlClient(url(), token);
        setUp(api, options);

        InterlayNode interlay =
                new InterlayNode(options.runId(), clients, topics, sealer, "run", meters, STATS_INTERVAL);
        parts.add(interlay);
        // The node follows the control topic: give it the moment it needs to open the listener.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (interlay.address().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (interlay.address().isEmpty()) {
            log.warn(
                    "the interlay {} is not listening yet: {}",
                    options.runId(),
                    interlay.problem() == null ? "is it stopped? start it with the API" : interlay.problem());
        }
        // Closed in reverse: the workers below stop, then their threads are joined, then the rest.
        parts.add(this::joinThreads);
        RedisEndpoint source = new RedisEndpoint(
                "source",
                options.source(),
                io.ferry.settings.TlsOptions.DEFAULTS,
                RedisEndpoint.DEFAULT_COMMAND_TIMEOUT);
        RedisEndpoint target = new RedisEndpoint(
                "target",
                options.target(),
                io.ferry.settings.TlsOptions.DEFAULTS,
                RedisEndpoint.DEFAULT_COMMAND_TIMEOUT);
        MoverNode reconciler = new MoverNode(
                new MoverNode.Options(
                        options.runId(),
                        source,
                        target,
                        clients,
                        PREFIX,
                        CopyOptions.DEFAULTS,
                        0,
                        true,
                        Duration.ofSeconds(1),
                        Throttle.Options.DEFAULTS),
                meters);
        background("ferry-run-reconciler", () -> {
            try {
                reconciler.run(Duration.ofSeconds(30), totals -> {});
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("the reconciler stopped: {}", e.getMessage(), e);
            }
        });
        parts.add(reconciler::stop);
        ShadowReplay comparator = new ShadowReplay(
                ReplayOptions.builder(options.runId(), source, target, clients, topics)
                        .repair(true)
                        .build(),
                meters);
        background("ferry-run-comparator", comparator);
        parts.add(comparator::stop);
        Analyzer analyzer = new Analyzer(
                AnalyzerConfig.DEFAULTS.withRunId(options.runId()),
                clients,
                topics,
                options.data().resolve("analyzer"),
                Analyzer.Guarantee.EXACTLY_ONCE,
                1);
        analyzer.start();
        parts.add(analyzer);
    }

    /** First start: the endpoints, the interlay and the run, through the control plane's own API. */
    private static void setUp(ControlClient api, Options options) throws Exception {
        try {
            api.get("/api/v1/migrations/" + options.runId());
            return; // a restart: everything is on the control topic already
        } catch (ControlClient.Refused notYet) {
            // set up below
        }
        api.post("/api/v1/endpoints", endpoint("source", options.source()));
        api.post("/api/v1/endpoints", endpoint("target", options.target()));
        api.post(
                "/api/v1/interlays",
                Map.of(
                        "id", options.runId(),
                        "endpoint", "source",
                        "listen_host", options.listen().host(),
                        "port", options.listen().port()));
        api.post("/api/v1/migrations", Map.of("id", options.runId()));
        api.put(
                "/api/v1/migrations/" + options.runId() + "/setup",
                Map.of("source", "source", "target", "target", "strategy", "CANARY", "data_movement", "COPY_AND_SYNC"));
        api.post("/api/v1/interlays/" + options.runId() + "/start", null);
    }

    private static Map<String, Object> endpoint(String id, RedisUri uri) {
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("host", uri.host());
        target.put("port", uri.port());
        target.put("tls", uri.tls());
        target.put("db", uri.db());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("target", target);
        if (uri.password().isPresent()) {
            Map<String, Object> credentials = new LinkedHashMap<>();
            uri.username().ifPresent(user -> credentials.put("username", user));
            credentials.put("password", uri.password().get());
            config.put("read_credentials", credentials);
            config.put("write_credentials", credentials);
        }
        return Map.of("id", id, "config", config);
    }

    /** The API token in {@code file}, made (random, readable by this user only) on first start. */
    private static String token(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            try {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
            } catch (FileAlreadyExistsException e) {
                // made meanwhile
            }
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    private void background(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
    }

    /** The control plane's URL (API and dashboard). */
    String url() {
        return "http://127.0.0.1:" + control.address().getPort();
    }

    /** The API token (for tests and the launcher's own calls; never printed). */
    String token() {
        return token;
    }

    JsonNode run(String runId) throws Exception {
        return new ControlClient(url(), token).get("/api/v1/migrations/" + runId);
    }

    private void joinThreads() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(30_000);
        }
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                log.warn("stopping {}: {}", parts.get(i), e.toString());
            }
        }
    }
}
