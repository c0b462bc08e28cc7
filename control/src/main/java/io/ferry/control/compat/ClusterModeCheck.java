package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Cluster mode on either side. Ferry follows both topologies (the proxy exposes one listener per source node and
 * routes the target by slot, the copy and the verify scan every master), so no mode blocks; what changes for the
 * applications is said: into a cluster, multi-key commands across slots and SELECT stop working once they talk to it
 * directly; out of one, cluster-mode clients must switch to a standalone client at cutover. And an interlay must
 * stand in for the source: one is enough for a cluster source, whose nodes it exposes on consecutive ports.
 */
final class ClusterModeCheck implements CompatibilityCheck {
    static final String ID = "cluster-mode";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        boolean source = context.source().facts().cluster();
        boolean target = context.target().facts().cluster();
        int nodes = source ? context.source().facts().clusterMasters().size() : 1;
        if (source != target) {
            findings.add(Finding.warning(
                    ID,
                    "the source is " + mode(source) + ", the target " + mode(target),
                    source
                            ? "through the proxy, cluster-mode clients keep working (one listener per source "
                                    + "node); once they connect to the target itself they need a standalone "
                                    + "client: change the client's mode with the connection string at cutover"
                            : "multi-key commands across slots (MSET, DEL, MGET, EXISTS are split by the proxy; "
                                    + "others run on the source and are repaired), MULTI/EXEC and Lua over keys of "
                                    + "several slots, and SELECT fail on a cluster once the applications talk to it "
                                    + "directly: check the hash-tags finding and the application before commit"));
        } else if (source) {
            findings.add(Finding.info(
                    ID,
                    "both sides are Redis Clusters (" + nodes + " source masters): the proxy exposes one "
                            + "listener per source node and routes the target by slot, following its own topology"));
        }
        OptionalInt interlays = context.plan().interlays();
        if (interlays.isPresent() && interlays.getAsInt() == 0) {
            findings.add(Finding.blocking(
                    "interlays",
                    "no interlay stands in for the source: applications have nothing to connect to",
                    "create an interlay for the source endpoint and start it"));
        } else if (interlays.isPresent() && source) {
            findings.add(Finding.info(
                    "interlays",
                    "each interlay exposes the source cluster's nodes on consecutive ports from its own (one "
                            + "listener per node, " + nodes + " masters and their replicas): cluster clients "
                            + "discover them with CLUSTER SLOTS/SHARDS/NODES"));
        }
        return findings;
    }

    private static String mode(boolean cluster) {
        return cluster ? "a Redis Cluster" : "a standalone server";
    }
}
