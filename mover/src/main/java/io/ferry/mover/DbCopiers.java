package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link KeyCopier} per database, each on a source and a target connection of its own, SELECTed once when the
 * database is first met; a cluster side is one cluster connection (database 0, each command sent to the master
 * serving its key's slot now). {@link #close} closes them all. Not thread-safe: one per worker.
 */
final class DbCopiers implements AutoCloseable {
    private final RedisEndpoint.Client source;
    private final RedisEndpoint.Client target;
    private final ServerFacts sourceFacts;
    private final ServerFacts targetFacts;
    private final CopyOptions options;
    private final Throttle throttle;
    private final Map<Integer, KeyCopier> copiers = new HashMap<>();
    private final Map<Integer, Side> targets = new HashMap<>();
    private final List<StatefulConnection<byte[], byte[]>> connections = new ArrayList<>();

    DbCopiers(
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options,
            Throttle throttle) {
        this.source = source;
        this.target = target;
        this.sourceFacts = sourceFacts;
        this.targetFacts = targetFacts;
        this.options = options;
        this.throttle = throttle;
    }

    KeyCopier copier(int db) {
        return copiers.computeIfAbsent(db, this::open);
    }

    /**
     * The copier of database {@code db}. {@code node}, the cluster node a task was scanned on, is not where its keys
     * are read: a cluster source is read through a cluster connection, so a key whose slot moved or failed over since
     * the scan is read from its master of the moment.
     */
    KeyCopier copier(String node, int db) {
        return copier(db);
    }

    /** The target side of database {@code db}'s copier. */
    Side target(int db) {
        copier(db);
        return targets.get(db);
    }

    /** Keys as the copier takes them. */
    static List<byte[]> bytes(Collection<ByteBuffer> keys) {
        List<byte[]> out = new ArrayList<>(keys.size());
        for (ByteBuffer key : keys) {
            byte[] bytes = new byte[key.remaining()];
            key.duplicate().get(bytes);
            out.add(bytes);
        }
        return out;
    }

    private KeyCopier open(int db) {
        Side from;
        if (sourceFacts.cluster()) {
            // Every key is read from the master serving its slot now, whichever node scanned it: a slot moved or
            // failed over since is followed (MOVED, ASK), and a demoted node is never read.
            StatefulRedisClusterConnection<byte[], byte[]> cluster = source.connectCluster();
            connections.add(cluster);
            from = Side.of(cluster);
        } else {
            StatefulRedisConnection<byte[], byte[]> single = source.connect();
            connections.add(single);
            single.sync().select(db);
            from = Side.of(single);
        }
        Side to;
        if (targetFacts.cluster()) {
            // A cluster has database 0 only: keys of every source database land there.
            StatefulRedisClusterConnection<byte[], byte[]> cluster = target.connectCluster();
            connections.add(cluster);
            to = Side.of(cluster);
        } else {
            StatefulRedisConnection<byte[], byte[]> single = target.connect();
            connections.add(single);
            single.sync().select(db);
            to = Side.of(single);
        }
        targets.put(db, to);
        return new KeyCopier(from, to, sourceFacts, targetFacts, options, throttle);
    }

    String sourceName() {
        return source.endpoint().toString();
    }

    String targetName() {
        return target.endpoint().toString();
    }

    /**
     * Why a side does not answer, or null when both do: a single server must answer a PING on a new connection; a
     * cluster, on a new cluster connection (its topology read afresh), must have every master answer PING and say
     * {@code cluster_state:ok}, whichever node the endpoint names (a failed-over seed node is not the cluster).
     */
    String unreachable() {
        String why = unreachable(source, sourceFacts.cluster());
        return why != null ? why : unreachable(target, targetFacts.cluster());
    }

    private static String unreachable(RedisEndpoint.Client side, boolean cluster) {
        try {
            if (cluster) {
                side.pingCluster();
            } else {
                try (StatefulRedisConnection<byte[], byte[]> probe = side.connect()) {
                    probe.sync().ping();
                }
            }
            return null;
        } catch (RuntimeException e) {
            return side.endpoint() + ": " + e.getMessage();
        }
    }

    /** Drops every copier and connection: the next {@link #copier} opens new ones. */
    void reset() {
        closeConnections();
        connections.clear();
        copiers.clear();
        targets.clear();
    }

    @Override
    public void close() {
        closeConnections();
    }

    private void closeConnections() {
        for (StatefulConnection<byte[], byte[]> connection : connections) {
            try {
                connection.close();
            } catch (RuntimeException e) {
                // closing a connection to a side that is gone: nothing to keep
            }
        }
    }
}
