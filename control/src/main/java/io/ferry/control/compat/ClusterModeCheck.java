package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Cluster mode on either side: a move between a standalone server and a Redis Cluster changes what
 * applications may do (multi-key commands across slots, SELECT), and the number of interlays must match the
 * nodes a clustered source exposes, since clients connect to each.
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
        if (source != target) {
            findings.add(Finding.blocking(
                    ID,
                    "the source is " + mode(source) + ", the target " + mode(target),
                    source
                            ? "use a clustered target"
                            : "multi-key commands across slots and SELECT fail on a cluster: check the "
                                    + "application, then use a standalone target or migrate in two steps"));
        } else if (source) {
            findings.add(Finding.blocking(
                    ID,
                    "both sides are Redis Clusters: Ferry's proxy and copy do not follow cluster topology yet",
                    "migrate each shard as a standalone server, or wait for cluster support"));
        }
        OptionalInt interlays = context.plan().interlays();
        if (interlays.isPresent()) {
            int nodes = source ? context.source().facts().clusterMasters().size() : 1;
            if (interlays.getAsInt() == 0) {
                findings.add(Finding.blocking(
                        "interlays",
                        "no interlay stands in for the source: applications have nothing to connect to",
                        "create an interlay for the source endpoint and start it"));
            } else if (source && interlays.getAsInt() != nodes) {
                findings.add(Finding.blocking(
                        "interlays",
                        interlays.getAsInt() + " interlays stand in for a source cluster exposing " + nodes
                                + " master nodes",
                        "create one interlay per node the source exposes"));
            }
        }
        return findings;
    }

    private static String mode(boolean cluster) {
        return cluster ? "a Redis Cluster" : "a standalone server";
    }
}
