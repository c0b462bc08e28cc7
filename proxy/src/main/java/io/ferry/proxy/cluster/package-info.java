/**
 * Redis Cluster as the proxy sees it: the hash slot of a key ({@link io.ferry.proxy.cluster.KeySlot}) and
 * a cluster's topology read from {@code CLUSTER SHARDS} or {@code CLUSTER SLOTS} ({@link
 * io.ferry.proxy.cluster.ClusterTopology}). Immutable values and pure functions; no I/O.
 */
package io.ferry.proxy.cluster;
