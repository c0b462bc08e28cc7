package io.ferry.control.api;

import io.ferry.control.store.EventLog;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoveProgress;
import io.ferry.mover.MoverNode;
import io.ferry.mover.Reconciler;
import io.ferry.mover.ScanOptions;
import io.ferry.resp.KeyPattern;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.Workflow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The mirror targets of runs: endpoints that receive the source's data and every later write but never serve a client
 * nor become authoritative. A mirror is not written by the proxy (whose dual-write, client latency and failure
 * handling stay about the one target): each mirror is a leg of its own, run here from approval, which copies the
 * historical data like the target's copy, then follows the writes log and copies again from the source every key
 * written ({@link CopyOptions.Resync#EVERY_WRITE}), so a write never reaches the mirror out of order and a mirror that
 * is down or slow costs the applications nothing; it catches up from the log when back.
 *
 * <p>A leg's checkpoints, consumer groups and error keys are under {@link #legId}; {@code ferry mover --run-id LEG
 * --resync EVERY_WRITE} processes join it for more throughput. A restarted control plane starts the legs of runs still
 * migrating, rolled back or committed again; they resume. Legs stop when their run is abandoned or the control plane
 * closes. Thread-safe.
 */
final class MirrorLegs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MirrorLegs.class);
    private static final int WORKERS = Copies.WORKERS;

    /** Where a leg is. */
    enum State {
        COPYING,
        FOLLOWING,
        STOPPED,
        FAILED
    }

    private static final class Leg {
        final String runId;
        final String mirror;
        final CopyRun copy;
        final MoverNode follower;
        volatile State state = State.COPYING;
        volatile String detail = "";
        volatile boolean stopping;

        Leg(String runId, String mirror, CopyRun copy, MoverNode follower) {
            this.runId = runId;
            this.mirror = mirror;
            this.copy = copy;
            this.follower = follower;
        }

        void stop() {
            stopping = true;
            copy.stop();
            follower.stop();
        }
    }

    private final Map<String, Object> kafka;
    private final String topicPrefix;
    private final Endpoints endpoints;
    private final EventLog events;
    /** By {@link #legId}. */
    private final Map<String, Leg> legs = new ConcurrentHashMap<>();

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "ferry-control-mirror");
        thread.setDaemon(true);
        return thread;
    });

    MirrorLegs(Map<String, Object> kafka, String topicPrefix, Endpoints endpoints, EventLog events) {
        this.kafka = Map.copyOf(kafka);
        this.topicPrefix = topicPrefix;
        this.endpoints = endpoints;
        this.events = events;
    }

    /** The name a mirror's leg keeps its checkpoints, consumer groups and error keys under. */
    static String legId(String runId, String mirror) {
        return runId + ".mirror." + mirror;
    }

    /** Starts (or resumes) a leg for each of the run's mirror targets that is not running. */
    synchronized void start(Workflow run) {
        MigrationSetup setup = run.getSetup();
        if (setup == null) {
            return;
        }
        for (String mirror : setup.getMirrorTargets()) {
            String id = legId(run.getRunId(), mirror);
            Leg current = legs.get(id);
            if (current != null && (current.state == State.COPYING || current.state == State.FOLLOWING)) {
                continue;
            }
            RedisEndpoint source = endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.READ);
            RedisEndpoint target = endpoints.open(endpoints.get(mirror), Endpoints.Role.WRITE);
            // The source's value is the truth for a mirror whatever the target's conflict policy.
            CopyOptions copyOptions = CopyOptions.DEFAULTS.withResync(CopyOptions.Resync.EVERY_WRITE);
            CopyRun copy = new CopyRun(
                    new CopyRun.Options(
                            id,
                            source,
                            target,
                            kafka,
                            topicPrefix,
                            ScanOptions.DEFAULTS.withPatterns(
                                    patterns(setup.getInclude()), patterns(setup.getExclude())),
                            copyOptions,
                            WORKERS,
                            true,
                            Duration.ofSeconds(1),
                            Throttle.Options.DEFAULTS),
                    new SimpleMeterRegistry());
            MoverNode follower = new MoverNode(
                    new MoverNode.Options(
                            id,
                            source,
                            target,
                            kafka,
                            topicPrefix,
                            copyOptions,
                            0,
                            true,
                            Duration.ofSeconds(1),
                            Throttle.Options.DEFAULTS),
                    new SimpleMeterRegistry());
            Leg leg = new Leg(run.getRunId(), mirror, copy, follower);
            legs.put(id, leg);
            events.publish(
                    run.getRunId(),
                    "mirror.started",
                    EventLevel.INFO,
                    "mirror target '" + mirror + "': historical copy started, then every write followed",
                    Map.of("mirror", mirror));
            threads.submit(() -> run(leg));
        }
    }

    private void run(Leg leg) {
        try {
            CopyRun.Outcome outcome = leg.copy.run(Duration.ofSeconds(5), totals -> {});
            if (!outcome.complete() || leg.stopping) {
                leg.state = State.STOPPED;
                leg.detail = "stopped during the historical copy";
                return;
            }
            MoveProgress.Snapshot totals = outcome.totals();
            leg.detail = totals.copied() + " keys copied, " + totals.failed() + " failed";
            leg.state = State.FOLLOWING;
            events.publish(
                    leg.runId,
                    "mirror.following",
                    totals.failed() > 0 ? EventLevel.WARN : EventLevel.INFO,
                    "mirror target '" + leg.mirror + "': historical copy complete (" + leg.detail
                            + "); following every write",
                    Map.of(
                            "mirror",
                            leg.mirror,
                            "copied",
                            String.valueOf(totals.copied()),
                            "failed",
                            String.valueOf(totals.failed())));
            if (!leg.stopping) {
                leg.follower.run(Duration.ofSeconds(30), snapshot -> {});
            }
            leg.state = State.STOPPED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            leg.state = State.STOPPED;
        } catch (RuntimeException e) {
            log.error("the mirror leg {} failed: {}", legId(leg.runId, leg.mirror), e.getMessage(), e);
            leg.state = State.FAILED;
            leg.detail = String.valueOf(e.getMessage());
            try {
                events.publish(
                        leg.runId,
                        "mirror.failed",
                        EventLevel.ERROR,
                        "mirror target '" + leg.mirror + "' failed: " + e.getMessage(),
                        Map.of("mirror", leg.mirror));
            } catch (RuntimeException publish) {
                log.error("the mirror's failure could not be published: {}", publish.getMessage());
            }
        }
    }

    /** The state and figures of the run's mirror legs, in setup order (empty when it has none running). */
    List<Map<String, Object>> view(Workflow run) {
        List<Map<String, Object>> views = new ArrayList<>();
        if (run.getSetup() == null) {
            return views;
        }
        for (String mirror : run.getSetup().getMirrorTargets()) {
            Leg leg = legs.get(legId(run.getRunId(), mirror));
            if (leg == null) {
                continue;
            }
            MoveProgress.Snapshot copied = leg.copy.progress().snapshot();
            Reconciler.Totals followed = leg.follower.reconciled();
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("endpoint", mirror);
            view.put("leg", legId(run.getRunId(), mirror));
            view.put("state", leg.state.name());
            view.put("copied", copied.copied());
            view.put("failed", copied.failed() + (followed == null ? 0 : followed.failed()));
            view.put("writes_followed", followed == null ? 0 : followed.records());
            view.put("lag_ms", followed == null ? 0 : followed.lagMs());
            view.put("detail", leg.detail);
            views.add(view);
        }
        return views;
    }

    /** True while one of the run's mirrors is still in its historical copy. */
    boolean copying(String runId) {
        return legs.values().stream().anyMatch(leg -> leg.runId.equals(runId) && leg.state == State.COPYING);
    }

    /** Stops the legs of {@code runId} (an abandoned run). */
    synchronized void stop(String runId) {
        for (Leg leg : legs.values()) {
            if (leg.runId.equals(runId)) {
                leg.stop();
            }
        }
    }

    private static List<KeyPattern> patterns(List<String> globs) {
        return globs.stream().map(KeyPattern::compile).toList();
    }

    @Override
    public void close() {
        for (Leg leg : legs.values()) {
            leg.stop();
        }
        threads.shutdown();
        try {
            threads.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
