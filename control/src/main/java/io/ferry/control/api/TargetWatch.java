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
import java.util.List;
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
 *
 * <p>A Redis Cluster target is watched master by master ({@link #identity}): a master that answers with another
 * run_id at the same address restarted, and may have come back empty (its replicas then resync from it, empty too).
 * A failover is not a restart: the promoted replica kept its run_id and its data, and the masters read become the
 * baseline.
 */
final class TargetWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TargetWatch.class);
    private static final Set<Phase> WATCHED = EnumSet.of(Phase.MIGRATE, Phase.ROLLBACK, Phase.COMMIT);

    /** Told when a run's target answers with another run_id than before. */
    interface Listener {
        void restarted(String runId, String before, String after);
    }

    /**
     * A run's target: connections kept open (they reconnect by themselves), to the target URI's node and, for a
     * cluster, to each master; and the identity last read.
     */
    private static final class Watched {
        final String endpoint;
        final RedisEndpoint.Client client;
        StatefulRedisConnection<byte[], byte[]> connection;
        final Map<String, RedisEndpoint.Client> nodeClients = new HashMap<>();
        final Map<String, StatefulRedisConnection<byte[], byte[]>> nodes = new HashMap<>();
        String runId;

        Watched(String endpoint, RedisEndpoint.Client client) {
            this.endpoint = endpoint;
            this.client = client;
        }

        StatefulRedisConnection<byte[], byte[]> seed() {
            if (connection == null) {
                connection = client.connect();
            }
            return connection;
        }

        StatefulRedisConnection<byte[], byte[]> node(String address) {
            StatefulRedisConnection<byte[], byte[]> node = nodes.get(address);
            if (node == null) {
                RedisEndpoint.Client nodeClient = nodeClients.computeIfAbsent(address, client::node);
                node = nodeClient.connect();
                nodes.put(address, node);
            }
            return node;
        }

        void close() {
            nodes.values().forEach(StatefulRedisConnection::close);
            nodeClients.values().forEach(RedisEndpoint.Client::close);
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
            Watched reading = target;
            now = identity(reading.seed(), reading::node);
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
        if (before != null && restarted(before, now)) {
            log.warn("the target of run {} restarted (run_id {} became {})", run.getRunId(), before, now);
            try {
                listener.restarted(run.getRunId(), before, now);
            } catch (RuntimeException e) {
                log.error("handling the restart of run {}'s target failed: {}", run.getRunId(), e.getMessage(), e);
            }
        }
    }

    /**
     * What tells a restart of the target reached by {@code seed}: its run_id; for a Redis Cluster, {@code
     * host:port=run_id} of each master serving slots, in address order, space-separated, each read over {@code
     * node}'s connection to it. Null when the seed gives no run_id.
     *
     * @throws RuntimeException when a node does not answer (the next round reads it again)
     */
    static String identity(
            StatefulRedisConnection<byte[], byte[]> seed,
            java.util.function.Function<String, StatefulRedisConnection<byte[], byte[]>> node) {
        String info = seed.sync().info();
        String runId = runId(info);
        if (runId == null || !info.contains("cluster_enabled:1")) {
            return runId;
        }
        java.util.TreeMap<String, String> masters = new java.util.TreeMap<>();
        for (String address : masters(seed.sync().clusterNodes())) {
            String masterRunId = runId(node.apply(address).sync().info("server"));
            if (masterRunId != null) {
                masters.put(address, masterRunId);
            }
        }
        StringBuilder identity = new StringBuilder();
        masters.forEach((address, id) -> identity.append(identity.length() == 0 ? "" : " ")
                .append(address)
                .append('=')
                .append(id));
        return identity.toString();
    }

    /** The addresses ({@code host:port}) of the masters serving slots in a CLUSTER NODES reply, failed ones left out. */
    static List<String> masters(String clusterNodes) {
        List<String> masters = new java.util.ArrayList<>();
        for (String line : clusterNodes.split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
                continue;
            }
            String address = fields[1];
            int cut = address.indexOf('@');
            masters.add(cut < 0 ? address : address.substring(0, cut));
        }
        return masters;
    }

    /**
     * Whether identity {@code now} says the target restarted since {@code before} ({@link #identity}): another
     * run_id; for a cluster, another run_id at an address that was a master before and is one now.
     */
    static boolean restarted(String before, String now) {
        if (!before.contains("=") || !now.contains("=")) {
            return !before.equals(now);
        }
        Map<String, String> was = new HashMap<>();
        for (String entry : before.split(" ")) {
            int eq = entry.indexOf('=');
            was.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        for (String entry : now.split(" ")) {
            int eq = entry.indexOf('=');
            String id = was.get(entry.substring(0, eq));
            if (id != null && !id.equals(entry.substring(eq + 1))) {
                return true;
            }
        }
        return false;
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
