package io.ferry.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ferry.comparator.verify.VerifyDivergences;
import io.ferry.comparator.verify.VerifyOptions;
import io.ferry.comparator.verify.VerifyReport;
import io.ferry.comparator.verify.VerifyRun;
import io.ferry.control.stats.LiveStats;
import io.ferry.control.stats.StatsWindow;
import io.ferry.control.store.ControlStore;
import io.ferry.control.store.ControlStoreException;
import io.ferry.control.store.EventLog;
import io.ferry.control.store.Sealer;
import io.ferry.mover.ErrorLog;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.Interlay;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.VerifyOutcome;
import io.ferry.schemas.Workflow;
import io.ferry.schemas.stats.StatsAttributes;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import io.javalin.router.Endpoint;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry control}: the REST API (JSON over HTTP, bearer-token auth on every route under {@code /api}, its
 * OpenAPI document at {@code /api/v1/openapi.json}) over the state in the control topic. Started by {@link #start},
 * stopped by {@link #close}. Requests run on Jetty's threads; workflow actions are serialised; keyspace verifies run
 * on a thread of their own.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    static final long MAX_BODY_BYTES = 64 * 1024;
    /** The dashboard's charts: one point per five seconds, the last fifteen minutes. */
    static final Duration STATS_BUCKET = Duration.ofSeconds(5);

    static final Duration STATS_WINDOW = Duration.ofMinutes(15);

    /** One route of the API, as registered and as the OpenAPI document must list it. */
    record Route(String method, String path, Handler handler) {}

    /** What the control plane needs to start. */
    public record Options(
            String listenHost,
            int port,
            String token,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Sealer sealer,
            MeterRegistry meters,
            Duration statsInterval) {
        /** Meters kept in memory; the copies it runs publish stats every five seconds. */
        public Options(
                String listenHost,
                int port,
                String token,
                Map<String, Object> kafka,
                TopicRegistry topics,
                Sealer sealer) {
            this(listenHost, port, token, kafka, topics, sealer, new SimpleMeterRegistry(), Duration.ofSeconds(5));
        }

        public Options {
            if (token == null || token.length() < 16) {
                throw new IllegalArgumentException("the API token must be at least 16 characters");
            }
            kafka = Map.copyOf(kafka);
            java.util.Objects.requireNonNull(meters, "meters");
            if (statsInterval.isNegative()) {
                throw new IllegalArgumentException("statsInterval: " + statsInterval + " (expected: >= 0)");
            }
        }

        @Override
        public String toString() {
            return "Options[" + listenHost + ":" + port + ", token ****, kafka " + kafka.get("bootstrap.servers") + "]";
        }
    }

    /** How often the targets of runs past approval are checked for a restart. */
    private static final Duration TARGET_WATCH_INTERVAL = Duration.ofSeconds(2);

    private final Javalin app;
    private final ControlStore store;
    private final EventLog events;
    private final ClientResources resources;
    private final ExecutorService verifier;

    private final Copies copies;
    private final TargetWatch targetWatch;
    private final LiveStats stats;

    private ControlServer(
            Javalin app,
            ControlStore store,
            EventLog events,
            ClientResources resources,
            ExecutorService verifier,
            Copies copies,
            TargetWatch targetWatch,
            LiveStats stats) {
        this.app = app;
        this.targetWatch = targetWatch;
        this.stats = stats;
        this.copies = copies;
        this.store = store;
        this.events = events;
        this.resources = resources;
        this.verifier = verifier;
    }

    /**
     * Reads the control topic, then listens.
     *
     * @throws ControlStoreException when Kafka cannot be read
     */
    public static ControlServer start(Options options) {
        ControlStore store = ControlStore.open(options.kafka(), options.topics(), Duration.ofSeconds(30));
        EventLog events = new EventLog(options.kafka(), options.topics(), options.meters());
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .build();
        ExecutorService verifier = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "ferry-control-verify");
            thread.setDaemon(true);
            return thread;
        });
        LiveStats stats = new LiveStats(options.kafka(), options.topics(), new StatsWindow(STATS_BUCKET, STATS_WINDOW));
        Api api = new Api(
                store,
                events,
                options.sealer(),
                resources,
                verifier,
                new ErrorLog(options.kafka(), options.topics().prefix()),
                options.kafka(),
                options.topics(),
                stats.window(),
                options.statsInterval());
        MeterRegistry meters = options.meters();
        byte[] token = options.token().getBytes(StandardCharsets.UTF_8);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.requestLogger.http((ctx, millis) -> countRequest(meters, ctx, millis));
            config.routes.before("/api/*", ctx -> authorise(ctx, token));
            config.routes.get("/health", ctx -> ctx.result("ok"));
            // The dashboard: static files, no secret in them; the page asks for the token and calls the API.
            config.routes.get("/", ctx -> ctx.redirect("/dashboard"));
            config.routes.get("/dashboard", ctx -> asset(ctx, "index.html", "text/html; charset=utf-8"));
            config.routes.get("/dashboard/app.js", ctx -> asset(ctx, "app.js", "text/javascript; charset=utf-8"));
            config.routes.get("/dashboard/style.css", ctx -> asset(ctx, "style.css", "text/css; charset=utf-8"));
            config.routes.before("/api/v1/migrations/{id}/events", ctx -> {
                String accept = ctx.header("Accept");
                if (accept == null || !accept.contains("text/event-stream")) {
                    throw new ApiException(
                            406, "the events are Server-Sent Events: ask with Accept: text/event-stream");
                }
            });
            for (Route route : api.routes()) {
                register(config.routes, route);
            }
            config.routes.sse("/api/v1/migrations/{id}/events", client -> {
                String id = client.ctx().pathParam("id");
                api.workflows.get(id);
                client.keepAlive();
                // Stats events come every few seconds from every node: they are charted (/stats), not listed.
                events.follow(
                        id,
                        event -> {
                            if (!event.getType().startsWith(StatsAttributes.PREFIX)) {
                                client.sendEvent(event.getType(), eventJson(event));
                            }
                        },
                        client::terminated);
            });
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            config.routes.exception(ControlStoreException.class, (e, ctx) -> {
                log.error("control state: {}", e.getMessage());
                error(ctx, 503, "the control state could not be written or read: " + e.getMessage());
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error (logged)");
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    error(ctx, 404, "no route " + ctx.method() + " " + ctx.path());
                }
            });
        });
        try {
            app.start(options.listenHost(), options.port());
        } catch (RuntimeException e) {
            stats.close();
            store.close();
            events.close();
            resources.shutdown();
            throw e;
        }
        log.info("control plane listening on {}:{}", options.listenHost(), app.port());
        // A restarted control plane resumes the copies of the runs still migrating.
        api.copies.resume(store.workflows());
        api.targetWatch.start(TARGET_WATCH_INTERVAL);
        return new ControlServer(app, store, events, resources, verifier, api.copies, api.targetWatch, stats);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", app.port());
    }

    /** The routes, for the OpenAPI test. */
    static List<Route> routes() {
        return new Api(null, null, null, null, null, null, Map.of(), null, null, Duration.ZERO).routes();
    }

    private static void register(RoutesConfig routes, Route route) {
        switch (route.method()) {
            case "GET" -> routes.get(route.path(), route.handler());
            case "POST" -> routes.post(route.path(), route.handler());
            case "PUT" -> routes.put(route.path(), route.handler());
            case "DELETE" -> routes.delete(route.path(), route.handler());
            default -> throw new IllegalArgumentException("method " + route.method());
        }
    }

    /**
     * {@code ferry.control.http.requests{method, route, status}}: the route is the path as registered ({@code
     * /api/v1/migrations/{id}}), {@code unmatched} for a path no route has, so the tag stays bounded.
     */
    private static void countRequest(MeterRegistry meters, Context ctx, float millis) {
        String route = "unmatched";
        for (Endpoint endpoint : ctx.endpoints().list()) {
            if (endpoint.method.isHttpMethod()) {
                route = endpoint.path;
            }
        }
        Timer.builder("ferry.control.http.requests")
                .description("HTTP requests the control plane answered, by method, route and status")
                .tag("method", ctx.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(meters)
                .record(Math.round(millis * 1000.0), TimeUnit.MICROSECONDS);
    }

    private static void authorise(Context ctx, byte[] token) {
        String header = ctx.header("Authorization");
        boolean ok = header != null
                && header.startsWith("Bearer ")
                && MessageDigest.isEqual(token, header.substring(7).getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"ferry\"");
            throw new ApiException(401, header == null ? "no bearer token" : "wrong bearer token");
        }
    }

    private static void asset(Context ctx, String name, String type) throws IOException {
        try (InputStream in = ControlServer.class.getResourceAsStream("/io/ferry/control/dashboard/" + name)) {
            ctx.header("Content-Security-Policy", "default-src 'self'; connect-src 'self'")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Cache-Control", "no-store")
                    .contentType(type)
                    .result(in.readAllBytes());
        }
    }

    static void error(Context ctx, int status, String message) {
        json(ctx.status(status), Map.of("status", status, "error", message));
    }

    static void json(Context ctx, Object body) {
        try {
            ctx.contentType("application/json").result(Json.MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A run's live figures as columns: {@code at} (each bucket's start, epoch ms) and one array per series of {@link
     * StatsWindow#SERIES}, oldest bucket first.
     */
    static Map<String, Object> statsView(StatsWindow stats, String runId, Instant now) {
        List<StatsWindow.Row> rows = stats.rows(runId, now);
        Map<String, Object> view = new java.util.LinkedHashMap<>();
        view.put("bucket_seconds", stats.bucket().toSeconds());
        view.put("window_seconds", stats.window().toSeconds());
        view.put("at", rows.stream().map(row -> row.start().toEpochMilli()).toList());
        for (int i = 0; i < StatsWindow.SERIES.size(); i++) {
            int index = i;
            view.put(
                    StatsWindow.SERIES.get(i),
                    rows.stream().map(row -> row.values()[index]).toList());
        }
        return view;
    }

    private static String eventJson(io.ferry.schemas.Event event) {
        try {
            return Json.MAPPER.writeValueAsString(Map.of(
                    "type", event.getType(),
                    "level", event.getLevel().name(),
                    "message", event.getMessage(),
                    "at", event.getTimestampMicros().toString(),
                    "attributes", event.getAttributes()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
        stats.close();
        targetWatch.close();
        copies.close();
        verifier.shutdownNow();
        try {
            verifier.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
        store.close();
        resources.shutdown();
    }

    /** The handlers, over the state. */
    private static final class Api {
        private final ControlStore store;
        private final EventLog events;
        private final Endpoints endpoints;
        private final Interlays interlays;
        private final Workflows workflows;
        private final DirectCalls calls;
        private final ExecutorService verifier;
        private final ErrorKeys errors;
        private final Copies copies;
        private final TargetWatch targetWatch;
        private final StatsWindow stats;
        private final Map<String, Object> kafka;
        private final String prefix;
        /** The verify running for a run, and against which endpoint: for its progress in the run's view. */
        private final Map<String, RunningVerify> verifying = new java.util.concurrent.ConcurrentHashMap<>();

        private record RunningVerify(String endpoint, VerifyRun run) {}

        Api(
                ControlStore store,
                EventLog events,
                Sealer sealer,
                ClientResources resources,
                ExecutorService verifier,
                ErrorLog errorLog,
                Map<String, Object> kafka,
                TopicRegistry topics,
                StatsWindow stats,
                Duration statsInterval) {
            String prefix = topics == null ? "" : topics.prefix();
            this.kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
            this.prefix = prefix;
            this.store = store;
            this.stats = stats;
            this.events = events;
            this.endpoints = new Endpoints(store, sealer);
            this.interlays = new Interlays(store);
            this.copies = errorLog == null ? null : new Copies(kafka, prefix, endpoints, events, statsInterval);
            this.workflows =
                    new Workflows(store, events, endpoints, resources, copies, new WorkloadAnalysis(kafka, topics));
            this.targetWatch = copies == null
                    ? null
                    : new TargetWatch(
                            store, endpoints, resources, workflows::approvedTargetRunId, workflows::targetRestarted);
            this.calls = new DirectCalls(endpoints, resources);
            this.verifier = verifier;
            this.errors = new ErrorKeys(errorLog, endpoints);
        }

        List<Route> routes() {
            List<Route> routes = new ArrayList<>();
            routes.add(new Route("GET", "/api/v1/openapi.json", ctx -> {
                try (InputStream in = ControlServer.class.getResourceAsStream("openapi.json")) {
                    ctx.contentType("application/json").result(in.readAllBytes());
                }
            }));
            routes.add(new Route("POST", "/api/v1/endpoints", ctx -> {
                json(
                        ctx.status(HttpStatus.CREATED),
                        Endpoints.view(endpoints.create(Json.read(ctx.bodyAsBytes(), EndpointRequest.class))));
            }));
            routes.add(new Route(
                    "GET",
                    "/api/v1/endpoints",
                    ctx -> json(
                            ctx, store.endpoints().stream().map(Endpoints::view).toList())));
            routes.add(new Route(
                    "GET",
                    "/api/v1/endpoints/{id}",
                    ctx -> json(ctx, Endpoints.view(endpoints.get(ctx.pathParam("id"))))));
            routes.add(new Route("DELETE", "/api/v1/endpoints/{id}", ctx -> {
                String id = endpoints.get(ctx.pathParam("id")).getId();
                for (Interlay interlay : store.interlays()) {
                    if (interlay.getEndpoint().equals(id)) {
                        throw ApiException.conflict(
                                "endpoint '" + id + "' is used by interlay '" + interlay.getId() + "'");
                    }
                }
                for (Workflow workflow : store.workflows()) {
                    MigrationSetup setup = workflow.getSetup();
                    boolean live =
                            !Workflows.allowedActions(workflow.getPhase()).isEmpty();
                    if (live
                            && setup != null
                            && (setup.getSourceEndpoint().equals(id)
                                    || setup.getTargetEndpoint().equals(id)
                                    || setup.getMirrorTargets().contains(id))) {
                        throw ApiException.conflict(
                                "endpoint '" + id + "' is used by migration '" + workflow.getRunId() + "'");
                    }
                }
                store.delete(ControlStore.endpointKey(id));
                ctx.status(HttpStatus.NO_CONTENT);
            }));
            routes.add(new Route(
                    "POST",
                    "/api/v1/endpoints/{id}/read",
                    ctx -> json(
                            ctx,
                            calls.run(
                                    ctx.pathParam("id"),
                                    Endpoints.Role.READ,
                                    Json.read(ctx.bodyAsBytes(), DirectCalls.Request.class)))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/endpoints/{id}/write",
                    ctx -> json(
                            ctx,
                            calls.run(
                                    ctx.pathParam("id"),
                                    Endpoints.Role.WRITE,
                                    Json.read(ctx.bodyAsBytes(), DirectCalls.Request.class)))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/interlays",
                    ctx -> json(
                            ctx.status(HttpStatus.CREATED),
                            Interlays.view(interlays.create(Json.read(ctx.bodyAsBytes(), Interlays.Request.class))))));
            routes.add(new Route(
                    "GET",
                    "/api/v1/interlays",
                    ctx -> json(
                            ctx, store.interlays().stream().map(Interlays::view).toList())));
            routes.add(new Route(
                    "GET",
                    "/api/v1/interlays/{id}",
                    ctx -> json(ctx, Interlays.view(interlays.get(ctx.pathParam("id"))))));
            routes.add(new Route("DELETE", "/api/v1/interlays/{id}", ctx -> {
                interlays.delete(ctx.pathParam("id"));
                ctx.status(HttpStatus.NO_CONTENT);
            }));
            routes.add(new Route(
                    "POST",
                    "/api/v1/interlays/{id}/start",
                    ctx -> json(ctx, Interlays.view(interlays.setRunning(ctx.pathParam("id"), true)))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/interlays/{id}/stop",
                    ctx -> json(ctx, Interlays.view(interlays.setRunning(ctx.pathParam("id"), false)))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations",
                    ctx -> json(
                            ctx.status(HttpStatus.CREATED),
                            view(workflows.create(Json.read(ctx.bodyAsBytes(), Workflows.CreateRequest.class))))));
            routes.add(new Route(
                    "GET",
                    "/api/v1/migrations",
                    ctx -> json(ctx, store.workflows().stream().map(this::view).toList())));
            routes.add(new Route(
                    "GET", "/api/v1/migrations/{id}", ctx -> json(ctx, view(workflows.get(ctx.pathParam("id"))))));
            routes.add(new Route(
                    "PUT",
                    "/api/v1/migrations/{id}/setup",
                    ctx -> json(
                            ctx,
                            view(workflows.setup(
                                    ctx.pathParam("id"),
                                    Json.read(ctx.bodyAsBytes(), Workflows.SetupRequest.class))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/prepare",
                    ctx -> json(ctx, view(workflows.prepare(ctx.pathParam("id"))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/findings/{index}/acknowledge",
                    ctx -> json(
                            ctx,
                            view(workflows.acknowledge(
                                    ctx.pathParam("id"),
                                    index(ctx.pathParam("index")),
                                    Json.read(ctx.bodyAsBytes(), Workflows.AcknowledgeRequest.class))))));
            routes.add(new Route("GET", "/api/v1/migrations/{id}/errors", ctx -> {
                String limit = ctx.queryParam("limit");
                json(
                        ctx,
                        errors.list(workflows.get(ctx.pathParam("id")), limit == null ? 100 : number(limit, "limit")));
            }));
            routes.add(new Route("GET", "/api/v1/migrations/{id}/stats", ctx -> {
                String id = workflows.get(ctx.pathParam("id")).getRunId();
                json(ctx, statsView(stats, id, Instant.now()));
            }));
            routes.add(new Route("GET", "/api/v1/migrations/{id}/errors/export", ctx -> {
                Workflow run = workflows.get(ctx.pathParam("id"));
                ctx.contentType("application/x-ndjson");
                errors.export(run, ctx.outputStream());
            }));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/errors/replay",
                    ctx -> json(ctx, errors.replay(workflows.get(ctx.pathParam("id"))))));
            routes.add(new Route(
                    "GET",
                    "/api/v1/migrations/{id}/config",
                    ctx -> json(ctx, workflows.configProposals(ctx.pathParam("id")))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/config/apply",
                    ctx -> json(
                            ctx,
                            workflows.applyConfig(
                                    ctx.pathParam("id"),
                                    Json.read(ctx.bodyAsBytes(), Workflows.ConfigRequest.class)))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/approve",
                    ctx -> json(ctx, view(workflows.approve(ctx.pathParam("id"))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/traffic",
                    ctx -> json(
                            ctx,
                            view(workflows.traffic(
                                    ctx.pathParam("id"),
                                    Json.read(ctx.bodyAsBytes(), Workflows.TrafficRequest.class))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/rollback",
                    ctx -> json(ctx, view(workflows.rollback(ctx.pathParam("id"))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/resume",
                    ctx -> json(ctx, view(workflows.resume(ctx.pathParam("id"))))));
            routes.add(new Route("POST", "/api/v1/migrations/{id}/verify", ctx -> {
                String id = ctx.pathParam("id");
                Workflow workflow = workflows.get(id);
                if (!Workflows.allowedActions(workflow.getPhase()).contains("verify")) {
                    throw ApiException.conflict("verify is not allowed in phase " + workflow.getPhase()
                            + " (allowed now: " + Workflows.allowedActions(workflow.getPhase()) + ")");
                }
                byte[] body = ctx.bodyAsBytes();
                Workflows.VerifyRequest request = body.length == 0
                        ? new Workflows.VerifyRequest(null)
                        : Json.read(body, Workflows.VerifyRequest.class);
                boolean repair = Boolean.TRUE.equals(request.repair());
                verifier.submit(() -> verify(workflow, repair));
                ctx.status(HttpStatus.ACCEPTED);
                json(ctx, Map.of("status", "started", "migration", id));
            }));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/complete",
                    ctx -> json(
                            ctx,
                            view(workflows.complete(
                                    ctx.pathParam("id"),
                                    Json.read(ctx.bodyAsBytes(), Workflows.CompleteRequest.class))))));
            routes.add(new Route(
                    "POST",
                    "/api/v1/migrations/{id}/abandon",
                    ctx -> json(ctx, view(workflows.abandon(ctx.pathParam("id"))))));
            return routes;
        }

        private Map<String, Object> view(Workflow workflow) {
            Map<String, Object> view = Workflows.view(
                    workflow, store.migration(workflow.getRunId()).orElse(null));
            view.put("copy", workflows.copy(workflow.getRunId()).orElse(null));
            view.put("mirrors", workflows.mirrors(workflow));
            view.put("reconciler", workflows.reconcilerBacklog(workflow));
            view.put("target_restarts", workflows.targetRestarts(workflow.getRunId()));
            RunningVerify running = verifying.get(workflow.getRunId());
            if (running != null) {
                io.ferry.comparator.verify.VerifyProgress progress =
                        running.run().progress();
                view.put(
                        "verify_progress",
                        Map.of(
                                "endpoint",
                                running.endpoint(),
                                "checked",
                                progress.checked(),
                                "total",
                                progress.total()));
            } else {
                view.put("verify_progress", null);
            }
            return view;
        }

        /**
         * A keyspace verify of the run's source against its target and then each mirror target (with extra keys), its
         * result recorded in the run: keys and differences summed, the worst exit status; one event per endpoint.
         */
        private void verify(Workflow workflow, boolean repair) {
            String id = workflow.getRunId();
            MigrationSetup setup = workflow.getSetup();
            events.publish(id, "verify.started", EventLevel.INFO, "keyspace verify started", Map.of());
            long restarts = workflows.targetRestarts(id);
            List<String> compared = new ArrayList<>();
            compared.add(setup.getTargetEndpoint());
            compared.addAll(setup.getMirrorTargets());
            int exitStatus = VerifyReport.EQUAL;
            long checked = 0;
            long confirmed = 0;
            for (String endpoint : compared) {
                int status;
                boolean mirror = setup.getMirrorTargets().contains(endpoint);
                // Each confirmed difference goes to the divergences topic; with repair, the reconciler of the run
                // (of the mirror's leg) copies the key again.
                String reconciled = mirror ? MirrorLegs.legId(id, endpoint) : id;
                try (VerifyDivergences divergences = VerifyDivergences.open(reconciled, kafka, prefix, repair)) {
                    VerifyRun walk = new VerifyRun(
                            endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.READ),
                            endpoints.open(endpoints.get(endpoint), Endpoints.Role.READ),
                            List.of(),
                            VerifyOptions.DEFAULTS.withFindExtra(true),
                            null,
                            null,
                            new SimpleMeterRegistry(),
                            divergences);
                    verifying.put(id, new RunningVerify(endpoint, walk));
                    VerifyReport report = walk.run();
                    status = report.exitStatus();
                    if (repair && divergences.repairsRequested() > 0) {
                        events.publish(
                                id,
                                "verify.repairs",
                                EventLevel.INFO,
                                endpoint + ": " + divergences.repairsRequested()
                                        + " keys found different sent to the reconciler to be copied again",
                                Map.of(
                                        "endpoint",
                                        endpoint,
                                        "repairs",
                                        String.valueOf(divergences.repairsRequested())));
                    }
                    checked += report.checked();
                    confirmed += report.confirmedTotal();
                    if (mirror) {
                        events.publish(
                                id,
                                "verify.mirror",
                                status == VerifyReport.EQUAL ? EventLevel.INFO : EventLevel.WARN,
                                "mirror target '" + endpoint + "': " + report.checked() + " keys checked, "
                                        + report.confirmedTotal() + " different",
                                Map.of(
                                        "mirror", endpoint,
                                        "exit_status", String.valueOf(status),
                                        "keys_checked", String.valueOf(report.checked()),
                                        "confirmed", String.valueOf(report.confirmedTotal())));
                    }
                } catch (Exception e) {
                    log.warn("keyspace verify of {} against {} did not finish: {}", id, endpoint, e.toString());
                    status = VerifyReport.INCOMPLETE;
                }
                exitStatus = Math.max(exitStatus, status);
            }
            verifying.remove(id);
            VerifyOutcome.Builder outcome = VerifyOutcome.newBuilder()
                    .setExitStatus(exitStatus)
                    .setKeysChecked(checked)
                    .setConfirmed(confirmed);
            try {
                workflows.verified(id, outcome.setFinishedMicros(Instant.now()).build(), restarts);
            } catch (RuntimeException e) {
                log.warn("the verify result of {} could not be recorded: {}", id, e.getMessage());
            }
        }

        private static int index(String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("finding index '" + text + "' is not a number");
            }
        }

        private static int number(String text, String name) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("query '" + name + "': '" + text + "' is not a number");
            }
        }
    }
}
