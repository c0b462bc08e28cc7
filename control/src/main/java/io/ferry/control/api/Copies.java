package io.ferry.control.api;

import io.ferry.control.store.EventLog;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoveProgress;
import io.ferry.mover.ScanOptions;
import io.ferry.resp.KeyPattern;
import io.ferry.schemas.DataMovement;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.Phase;
import io.ferry.schemas.Workflow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The historical copy of runs whose data movement is COPY_AND_SYNC, run by the control plane from approval: the
 * scanner and {@value #WORKERS} workers in this process ({@code ferry mover} processes of the same run id join in),
 * then a catch-up of the writes log so no RESTORE of an old value stays over a live write. A restarted control plane
 * starts it again for every run still migrating; the copy resumes from its checkpoints (a complete one ends at once).
 * Progress and the end are events of the run. The run's mirror targets get legs of their own ({@link MirrorLegs}),
 * started and stopped with it. Thread-safe.
 */
final class Copies implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Copies.class);
    static final int WORKERS = 2;

    /** Where a run's copy is. */
    enum State {
        RUNNING,
        COMPLETE,
        STOPPED,
        FAILED
    }

    /** A copy's state; {@code ended} completes once its thread has returned. */
    private record Status(State state, CopyRun run, String detail, CompletableFuture<Void> ended) {
        Status with(State next, String why) {
            return new Status(next, run, why, ended);
        }
    }

    private final Map<String, Object> kafka;
    private final String topicPrefix;
    private final Endpoints endpoints;
    private final EventLog events;
    private final Duration statsInterval;
    private final Map<String, Status> runs = new ConcurrentHashMap<>();
    private final MirrorLegs mirrors;
    private final ReconcilerBacklog backlog;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "ferry-control-copy");
        thread.setDaemon(true);
        return thread;
    });

    Copies(
            Map<String, Object> kafka,
            String topicPrefix,
            Endpoints endpoints,
            EventLog events,
            Duration statsInterval) {
        this.statsInterval = statsInterval;
        this.kafka = Map.copyOf(kafka);
        this.topicPrefix = topicPrefix;
        this.endpoints = endpoints;
        this.events = events;
        this.backlog = new ReconcilerBacklog(
                kafka,
                io.ferry.schemas.TopicRegistry.builder().prefix(topicPrefix).build());
        this.mirrors = new MirrorLegs(kafka, topicPrefix, endpoints, events);
    }

    /** Starts (or resumes) the copy of {@code run} unless it is running or its data movement copies nothing. */
    synchronized void start(Workflow run) {
        MigrationSetup setup = run.getSetup();
        if (setup == null || setup.getDataMovement() != DataMovement.COPY_AND_SYNC) {
            return;
        }
        mirrors.start(run);
        Status current = runs.get(run.getRunId());
        if (current != null && (current.state() == State.RUNNING || current.state() == State.COMPLETE)) {
            return;
        }
        CopyRun copy = newCopy(run, setup);
        Status status = new Status(State.RUNNING, copy, "", new CompletableFuture<>());
        runs.put(run.getRunId(), status);
        events.publish(run.getRunId(), "copy.started", EventLevel.INFO, "historical copy started", Map.of());
        threads.submit(() -> copy(run.getRunId(), status));
    }

    /**
     * Copies everything again for a run whose target lost what it held (it restarted): stops the running copy, if any,
     * and once it has stopped runs a new one that ignores the run's checkpoints ({@link CopyRun#startOver}).
     */
    synchronized void startOver(Workflow run) {
        MigrationSetup setup = run.getSetup();
        if (setup == null || setup.getDataMovement() != DataMovement.COPY_AND_SYNC) {
            return;
        }
        Status previous = runs.get(run.getRunId());
        if (previous != null && previous.state() == State.RUNNING) {
            previous.run().stop();
        }
        CopyRun copy = newCopy(run, setup).startOver();
        Status status =
                new Status(State.RUNNING, copy, "started over: the target restarted", new CompletableFuture<>());
        runs.put(run.getRunId(), status);
        events.publish(
                run.getRunId(),
                "copy.started-over",
                EventLevel.WARN,
                "historical copy started over: the target restarted and may have lost what it held",
                Map.of());
        threads.submit(() -> {
            if (previous != null) {
                try {
                    previous.ended().get(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    log.warn("the stopped copy of run {} did not end in 60 s; starting over anyway", run.getRunId());
                }
            }
            copy(run.getRunId(), status);
        });
    }

    private CopyRun newCopy(Workflow run, MigrationSetup setup) {
        return new CopyRun(
                        new CopyRun.Options(
                                run.getRunId(),
                                endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.READ),
                                endpoints.open(endpoints.get(setup.getTargetEndpoint()), Endpoints.Role.WRITE),
                                kafka,
                                topicPrefix,
                                ScanOptions.DEFAULTS.withPatterns(
                                        patterns(setup.getInclude()), patterns(setup.getExclude())),
                                CopyOptions.DEFAULTS.withConflictPolicy(setup.getConflictPolicy()),
                                WORKERS,
                                true,
                                Duration.ofSeconds(1),
                                Throttle.Options.DEFAULTS),
                        // Each copy its own registry: two runs' copies would share (and confuse) one set of meters.
                        new SimpleMeterRegistry())
                .statsInterval(statsInterval);
    }

    /** Starts the copies a restarted control plane finds unfinished, and the mirrors of committed runs. */
    void resume(List<Workflow> workflows) {
        for (Workflow run : workflows) {
            if (run.getPhase() == Phase.MIGRATE || run.getPhase() == Phase.ROLLBACK || run.getPhase() == Phase.COMMIT) {
                try {
                    if (run.getPhase() == Phase.COMMIT) {
                        mirrors.start(run);
                    } else {
                        start(run);
                    }
                } catch (RuntimeException e) {
                    log.error("the copy of run {} could not be resumed: {}", run.getRunId(), e.getMessage());
                }
            }
        }
    }

    /** The copy's state and figures, or empty when the run copies nothing (or has not been approved). */
    Optional<Map<String, Object>> view(String runId) {
        Status status = runs.get(runId);
        if (status == null) {
            return Optional.empty();
        }
        MoveProgress.Snapshot totals = status.run().progress().snapshot();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("state", status.state().name());
        view.put("scanned", totals.scanned());
        view.put("copied", totals.copied());
        view.put("skipped", totals.skipped());
        view.put("failed", totals.failed());
        view.put("handled", totals.handled());
        view.put("total", totals.total());
        view.put("bytes", totals.bytes());
        view.put("detail", status.detail());
        return Optional.of(view);
    }

    /** The state and figures of the run's mirror targets. */
    List<Map<String, Object>> mirrors(Workflow run) {
        return mirrors.view(run);
    }

    /** How far the run's reconcilers are behind the writes log. */
    Map<String, Object> reconcilerBacklog(String runId) {
        return backlog.view(runId);
    }

    /** True while a mirror target of the run is in its historical copy. */
    boolean mirrorCopying(String runId) {
        return mirrors.copying(runId);
    }

    boolean running(String runId) {
        Status status = runs.get(runId);
        return status != null && status.state() == State.RUNNING;
    }

    /** Stops the copy and the mirror legs of {@code runId} (an abandoned run); they can be resumed later. */
    void stop(String runId) {
        mirrors.stop(runId);
        Status status = runs.get(runId);
        if (status != null && status.state() == State.RUNNING) {
            status.run().stop();
        }
    }

    /** True once the run's historical copy has completed (and not started over since). */
    boolean complete(String runId) {
        Status status = runs.get(runId);
        return status != null && status.state() == State.COMPLETE;
    }

    /** Runs {@code status}'s copy to its end; its outcome replaces the status unless a newer copy has. */
    private void copy(String runId, Status status) {
        CopyRun copy = status.run();
        try {
            CopyRun.Outcome outcome = copy.run(Duration.ofSeconds(5), totals -> {});
            MoveProgress.Snapshot totals = outcome.totals();
            String figures =
                    totals.copied() + " keys copied, " + totals.skipped() + " skipped, " + totals.failed() + " failed";
            if (outcome.complete()) {
                if (settle(runId, status, State.COMPLETE, figures)) {
                    events.publish(
                            runId,
                            "copy.finished",
                            totals.failed() > 0 ? EventLevel.WARN : EventLevel.INFO,
                            "historical copy complete: " + figures
                                    + (totals.failed() > 0 ? " (see the run's error keys)" : ""),
                            Map.of(
                                    "copied",
                                    String.valueOf(totals.copied()),
                                    "failed",
                                    String.valueOf(totals.failed())));
                }
            } else if (settle(runId, status, State.STOPPED, figures)) {
                events.publish(runId, "copy.stopped", EventLevel.WARN, "historical copy stopped: " + figures, Map.of());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            settle(runId, status, State.STOPPED, "interrupted");
        } catch (RuntimeException e) {
            log.error("the copy of run {} failed: {}", runId, e.getMessage(), e);
            if (settle(runId, status, State.FAILED, String.valueOf(e.getMessage()))) {
                try {
                    events.publish(
                            runId,
                            "copy.failed",
                            EventLevel.ERROR,
                            "historical copy failed: " + e.getMessage(),
                            Map.of());
                } catch (RuntimeException publish) {
                    log.error("the copy's failure could not be published: {}", publish.getMessage());
                }
            }
        } finally {
            status.ended().complete(null);
        }
    }

    /** Records how {@code status}'s copy ended, unless a newer copy of the run replaced it; true when recorded. */
    private boolean settle(String runId, Status status, State state, String detail) {
        Status[] current = {null};
        runs.computeIfPresent(runId, (id, now) -> {
            if (now == status) {
                current[0] = status.with(state, detail);
                return current[0];
            }
            return now;
        });
        return current[0] != null;
    }

    private static List<KeyPattern> patterns(List<String> globs) {
        return globs.stream().map(KeyPattern::compile).toList();
    }

    @Override
    public void close() {
        mirrors.close();
        backlog.close();
        for (Status status : runs.values()) {
            if (status.state() == State.RUNNING) {
                status.run().stop();
            }
        }
        threads.shutdown();
        try {
            threads.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
