package io.ferry.mover;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * A connection to one side as the copiers use it, to a single server or to a Redis Cluster (whose
 * connection sends each command to the node serving its first key). The connection's own command
 * objects, kept so every call does not look them up.
 *
 * @param connection the connection (auto-flush, timeout)
 * @param sync blocking commands
 * @param async pipelined commands
 * @param cluster true when the side is a cluster: one database, keys of one command in one slot
 */
record Side(
        StatefulConnection<byte[], byte[]> connection,
        RedisClusterCommands<byte[], byte[]> sync,
        RedisClusterAsyncCommands<byte[], byte[]> async,
        boolean cluster) {
    static Side of(StatefulRedisConnection<byte[], byte[]> connection) {
        return new Side(connection, connection.sync(), connection.async(), false);
    }

    static Side of(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new Side(connection, connection.sync(), connection.async(), true);
    }
}
