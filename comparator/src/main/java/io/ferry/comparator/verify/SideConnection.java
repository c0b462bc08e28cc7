package io.ferry.comparator.verify;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * A connection to one side of a verify, to a single server (one database selected) or to a Redis Cluster,
 * whose connection sends each command to the node serving its first key's slot and follows MOVED and ASK.
 * The connection's command objects are kept so each call does not look them up.
 *
 * @param connection the connection (timeout, close)
 * @param sync blocking commands
 * @param async pipelined commands
 * @param cluster true for a cluster: database 0 only, and the keys of one command must share a slot
 */
record SideConnection(
        StatefulConnection<byte[], byte[]> connection,
        RedisClusterCommands<byte[], byte[]> sync,
        RedisClusterAsyncCommands<byte[], byte[]> async,
        boolean cluster) {
    static SideConnection of(StatefulRedisConnection<byte[], byte[]> connection) {
        return new SideConnection(connection, connection.sync(), connection.async(), false);
    }

    /**
     * A cluster side ({@link io.ferry.endpoint.RedisEndpoint.Client#connectCluster} has opened its connections to
     * every master: a command sent while its node's connection is still being made would be rejected).
     */
    static SideConnection of(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new SideConnection(connection, connection.sync(), connection.async(), true);
    }
}
