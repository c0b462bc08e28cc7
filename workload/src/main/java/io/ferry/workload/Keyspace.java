package io.ferry.workload;

import io.ferry.settings.RedisUri;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One side of a check as the checker sees it: a single server (the URI's database) or a Redis Cluster (database 0 of
 * every master). Which one is decided by asking the server ({@code INFO cluster}: {@code cluster_enabled:1}), never
 * configured. {@link #scan} walks every key: a single server's SCAN, or every master's SCAN in turn on a connection to
 * that master; {@link #reader} reads keys on one connection (for a cluster, Lettuce's cluster connection, which sends
 * each key to the master serving its slot and follows MOVED and ASK). Not thread-safe.
 */
final class Keyspace implements AutoCloseable {
    /** One page of keys from a scan. */
    @FunctionalInterface
    interface Batch {
        void accept(List<String> keys) throws InterruptedException;
    }

    private final String side;
    private final RedisUri uri;
    private final Duration timeout;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> single;
    private final RedisClusterClient clusterClient;
    private final StatefulRedisClusterConnection<String, String> cluster;
    private final KeyReader reader;

    private Keyspace(
            String side,
            RedisUri uri,
            Duration timeout,
            RedisClient client,
            StatefulRedisConnection<String, String> single,
            RedisClusterClient clusterClient,
            StatefulRedisClusterConnection<String, String> cluster) {
        this.side = side;
        this.uri = uri;
        this.timeout = timeout;
        this.client = client;
        this.single = single;
        this.clusterClient = clusterClient;
        this.cluster = cluster;
        this.reader = new KeyReader(cluster != null ? cluster.async() : single.async(), timeout.toMillis());
    }

    /**
     * Connects to {@code uri} and finds out whether it is a cluster node.
     *
     * @param side "source" or "target", for messages
     * @throws CheckException when the server cannot be reached, or is a cluster node and the URI selects a database
     *     other than 0
     */
    static Keyspace open(String side, RedisUri uri, Duration timeout) {
        RedisClient client = RedisConnections.client(timeout);
        StatefulRedisConnection<String, String> single;
        boolean clusterEnabled;
        // Asked on database 0: a cluster node refuses SELECT, so a URI naming another database would not connect.
        RedisUri asked = uri.db() == 0 ? uri : withDatabase0(uri);
        try {
            single = client.connect(RedisConnections.CODEC, RedisConnections.lettuce(asked, timeout));
        } catch (RedisException e) {
            client.shutdown();
            throw new CheckException("the " + side + " " + uri + " cannot be reached: " + e.getMessage(), e);
        }
        try {
            clusterEnabled = single.sync().info("cluster").contains("cluster_enabled:1");
        } catch (RedisException e) {
            single.close();
            client.shutdown();
            throw new CheckException("the " + side + " " + uri + " did not answer INFO cluster: " + e.getMessage(), e);
        }
        if (!clusterEnabled && uri.db() != 0) {
            single.close();
            try {
                single = client.connect(RedisConnections.CODEC, RedisConnections.lettuce(uri, timeout));
            } catch (RedisException e) {
                client.shutdown();
                throw new CheckException("the " + side + " " + uri + " cannot be reached: " + e.getMessage(), e);
            }
        }
        if (!clusterEnabled) {
            return new Keyspace(side, uri, timeout, client, single, null, null);
        }
        single.close();
        client.shutdown();
        if (uri.db() != 0) {
            throw new CheckException("the " + side + " " + uri + " is a Redis Cluster node: a cluster has database 0 "
                    + "only (expected: a URI without /" + uri.db() + ")");
        }
        // A failover or a slot moved while the check runs: MOVED and ASK make it read the topology again.
        RedisClusterClient clusterClient = RedisConnections.clusterClient(List.of(uri), timeout);
        try {
            return new Keyspace(
                    side, uri, timeout, null, null, clusterClient, clusterClient.connect(RedisConnections.CODEC));
        } catch (RedisException e) {
            clusterClient.shutdown();
            throw new CheckException(
                    "the " + side + " " + uri + " (a Redis Cluster) cannot be reached: " + e.getMessage(), e);
        }
    }

    private static RedisUri withDatabase0(RedisUri uri) {
        return new RedisUri(uri.tls(), uri.host(), uri.port(), 0, uri.username(), uri.password());
    }

    boolean cluster() {
        return cluster != null;
    }

    /** "a single server" or "a Redis Cluster of N masters", as the topology stands now. */
    String describe() {
        if (cluster == null) {
            return "a single server (database " + uri.db() + ")";
        }
        int masters = masters().size();
        return "a Redis Cluster of " + masters + (masters == 1 ? " master" : " masters");
    }

    KeyReader reader() {
        return reader;
    }

    /**
     * Hands every key to {@code batch}, a SCAN page at a time: the server's keys, or every cluster master's in turn (a
     * key is on one master only; one moved between masters while they are scanned may be seen twice or not at all,
     * as SCAN itself allows for a key written during the scan).
     */
    void scan(int count, Batch batch) throws InterruptedException {
        if (cluster == null) {
            scan(single.async(), "", count, batch);
            return;
        }
        for (RedisClusterNode master : masters()) {
            StatefulRedisConnection<String, String> node;
            try {
                node = cluster.getConnection(master.getNodeId());
            } catch (RedisException e) {
                throw new CheckException(
                        "the " + side + "'s master " + address(master) + " cannot be reached: " + e.getMessage(), e);
            }
            scan(node.async(), " on the master " + address(master), count, batch);
        }
    }

    /** The masters serving slots, read again from the cluster now, in the order of their first slot. */
    private List<RedisClusterNode> masters() {
        clusterClient.refreshPartitions();
        List<RedisClusterNode> masters = new ArrayList<>();
        for (RedisClusterNode node : cluster.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                masters.add(node);
            }
        }
        masters.sort(Comparator.comparingInt(node -> node.getSlots().get(0)));
        if (masters.isEmpty()) {
            throw new CheckException("the " + side + " " + uri + " is a Redis Cluster with no master serving slots");
        }
        return masters;
    }

    private static String address(RedisClusterNode node) {
        return node.getUri().getHost() + ":" + node.getUri().getPort();
    }

    private void scan(RedisAsyncCommands<String, String> redis, String where, int count, Batch batch)
            throws InterruptedException {
        ScanCursor cursor = ScanCursor.INITIAL;
        ScanArgs args = ScanArgs.Builder.limit(count);
        do {
            KeyScanCursor<String> page;
            try {
                page = redis.scan(cursor, args).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new CheckException(
                        "SCAN of the " + side + where + " failed: "
                                + e.getCause().getMessage(),
                        e.getCause());
            } catch (TimeoutException e) {
                throw new CheckException(
                        "SCAN of the " + side + where + " did not answer within " + timeout.toMillis() + " ms", e);
            }
            if (!page.getKeys().isEmpty()) {
                batch.accept(page.getKeys());
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.close();
            clusterClient.shutdown();
        } else {
            single.close();
            client.shutdown();
        }
    }
}
