package io.ferry.comparator.verify;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

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
     * A cluster side, connected to every master before use: the endpoint's cluster connections reject a
     * command sent while the connection to its node is still being made, which pipelined reads over many
     * slots would otherwise meet on their first window.
     */
    static SideConnection of(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                connection.getConnection(node.getUri().getHost(), node.getUri().getPort());
            }
        }
        return new SideConnection(connection, connection.sync(), connection.async(), true);
    }
}
