package io.ferry.control.api;

import io.ferry.control.store.ControlStore;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.DataMovement;
import io.ferry.schemas.Phase;
import io.ferry.schemas.Workflow;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Watches the target of every run past approval for a restart: its {@code run_id} (INFO server), which Redis draws
 * anew at each start. A target that restarted may have lost what it held (everything, restarted empty; the writes
 * since its last save, restarted from disk), and nothing else would notice before the verify: reads moved to it would
 * be served wrong meanwhile. The listener is told of each change. The baseline is the id read at approval (by
 * {@link Workflows#approve}) or, for a run approved before this control plane started, the first one read: a restart
 * while the control plane itself is down is not seen, and is left to the proxies and the verify. One thread;
 * thread-safe.
 */
final class TargetWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TargetWatch.class);
    private static final Set<Phase> WATCHED = EnumSet.of(Phase.MIGRATE, Phase.ROLLBACK, Phase.COMMIT);

    /** Told when a run's target answers with another run_id than before. */
    interface Listener {
        void restarted(String runId, String before, String after);
    }

    /** A run's target: a connection kept open (it reconnects by itself) and the run_id last read. */
    private static final class Watched {
        final String endpoint;
        final RedisEndpoint.Client client;
        StatefulRedisConnection<byte[], byte[]> connection;
        String runId;

        Watched(String endpoint, RedisEndpoint.Client client) {
            this.endpoint = endpoint;
            this.client = client;
        }

        void close() {
            if (connection != null) {
                connection.close();
            }
            client.close();
        }
    }

    private final ControlStore store;
    private final Endpoints endpoints;
    private final ClientResources resources;
    private final Listener listener;
    /** A run's target run_id read at approval, or null: the baseline before the first look. */
    private final Function<String, String> approvedRunIds;

    private final Map<String, Watched> watched = new HashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-target-watch");
        t.setDaemon(true);
        return t;
    });

    TargetWatch(
            ControlStore store,
            Endpoints endpoints,
            ClientResources resources,
            Function<String, String> approvedRunIds,
            Listener listener) {
        this.approvedRunIds = approvedRunIds;
        this.store = store;
        this.endpoints = endpoints;
        this.resources = resources;
        this.listener = listener;
    }

    /** Checks every {@code interval} from now on. */
    void start(Duration interval) {
        thread.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round over the runs past approval; closes what runs no longer need. */
    synchronized void checkAll() {
        Set<String> seen = new HashSet<>();
        try {
            for (Workflow run : store.workflows()) {
                if (run.getApprovedMicros() == null
                        || !WATCHED.contains(run.getPhase())
                        || run.getSetup() == null
                        || run.getSetup().getDataMovement() != DataMovement.COPY_AND_SYNC) {
                    continue;
                }
                seen.add(run.getRunId());
                check(run);
            }
        } catch (RuntimeException e) {
            log.warn("the target watch could not read the runs: {}", e.getMessage());
        }
        watched.entrySet().removeIf(entry -> {
            if (!seen.contains(entry.getKey())) {
                entry.getValue().close();
                return true;
            }
            return false;
        });
    }

    private void check(Workflow run) {
        String endpoint = run.getSetup().getTargetEndpoint();
        Watched target = watched.get(run.getRunId());
        if (target != null && !target.endpoint.equals(endpoint)) {
            target.close();
            target = null;
        }
        if (target == null) {
            target = new Watched(
                    endpoint,
                    endpoints.open(endpoints.get(endpoint), Endpoints.Role.READ).open(resources));
            watched.put(run.getRunId(), target);
        }
        String now;
        try {
            if (target.connection == null) {
                target.connection = target.client.connect();
            }
            now = runId(target.connection.sync().info("server"));
        } catch (RuntimeException e) {
            // Down, restarting, paused: the next round reads it again.
            log.debug("the target of run {} did not answer: {}", run.getRunId(), e.getMessage());
            return;
        }
        if (now == null) {
            return; // a server that does not give a run_id cannot be watched this way
        }
        String before = target.runId != null ? target.runId : approvedRunIds.apply(run.getRunId());
        target.runId = now;
        if (before != null && !before.equals(now)) {
            log.warn("the target of run {} restarted (run_id {} became {})", run.getRunId(), before, now);
            try {
                listener.restarted(run.getRunId(), before, now);
            } catch (RuntimeException e) {
                log.error("handling the restart of run {}'s target failed: {}", run.getRunId(), e.getMessage(), e);
            }
        }
    }

    /** The run_id field of an INFO server reply, or null. */
    static String runId(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).trim();
            }
        }
        return null;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            watched.values().forEach(Watched::close);
            watched.clear();
        }
    }
}
