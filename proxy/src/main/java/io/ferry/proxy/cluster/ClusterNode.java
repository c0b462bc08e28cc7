package io.ferry.proxy.cluster;

import java.util.Objects;

/**
 * One node of a Redis Cluster as its topology describes it.
 *
 * @param id the node's 40-character id (empty when the server did not say)
 * @param host the address clients reach it at (its announced endpoint, else its IP)
 * @param port its client port
 * @param master true for a primary, false for a replica
 * @param online false when the cluster reports it failed or loading
 */
public record ClusterNode(String id, String host, int port, boolean master, boolean online) {
    public ClusterNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("cluster node port: " + port + " (expected: 1..65535)");
        }
    }

    /** {@code host:port}, the form MOVED and ASK name a node by. */
    public String address() {
        return host + ":" + port;
    }
}
