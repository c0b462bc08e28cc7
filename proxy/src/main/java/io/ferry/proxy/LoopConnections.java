package io.ferry.proxy;

import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.Side;
import io.netty.channel.EventLoop;

import java.time.Duration;

/**
 * The connections the clients of one event loop share with each side ({@link SourceConnections#SHARED}), one set
 * per protocol: RESP2 ones, and RESP3 ones (opened with {@code HELLO 3}) for the clients that chose RESP3, so that
 * every reply reaches a client in the protocol it asked for. Each set opens when a client first needs it.
 *
 * <p>Confined to its event loop.
 */
final class LoopConnections {
    private final EventLoop loop;
    private final Backend source;
    /** Null without a target. */
    private final Backend target;
    /** Null when the source is one server. */
    private final ClusterView sourceCluster;
    /** Null without a target or when it is one server. */
    private final ClusterView targetCluster;

    private final boolean sharing;
    private final CommandTable commands;
    private final Duration mirrorTimeout;
    /** Told when a connection to a target cluster node drops. */
    private final Runnable targetDropped;

    /** By side (source, target), then protocol (2, 3). */
    private final SharedSource[][] shared = new SharedSource[2][2];

    private final ClusterConnections[][] clusters = new ClusterConnections[2][2];

    LoopConnections(
            EventLoop loop,
            Backend source,
            Backend target,
            ClusterView sourceCluster,
            ClusterView targetCluster,
            boolean sharing,
            CommandTable commands,
            Duration mirrorTimeout,
            Runnable targetDropped) {
        this.loop = loop;
        this.source = source;
        this.target = target;
        this.sourceCluster = sourceCluster;
        this.targetCluster = targetCluster;
        this.sharing = sharing;
        this.commands = commands;
        this.mirrorTimeout = mirrorTimeout;
        this.targetDropped = targetDropped;
    }

    /**
     * The shared connections to {@code side}'s single server speaking {@code protocol}; null when its clients
     * do not share connections, the side is a cluster, or there is no target.
     */
    SharedSource shared(Side side, int protocol) {
        Backend backend = side == Side.SOURCE ? source : target;
        if (!sharing || backend == null || cluster(side) != null) {
            return null;
        }
        int s = side.ordinal();
        int p = protocol == 3 ? 1 : 0;
        if (shared[s][p] == null) {
            shared[s][p] = new SharedSource(loop, backend.withProtocol(protocol), side, mirrorTimeout);
        }
        return shared[s][p];
    }

    /** The connections to the nodes of {@code side}'s cluster speaking {@code protocol}; null when it is one server. */
    ClusterConnections cluster(Side side, int protocol) {
        ClusterView view = cluster(side);
        if (view == null) {
            return null;
        }
        int s = side.ordinal();
        int p = protocol == 3 ? 1 : 0;
        if (clusters[s][p] == null) {
            clusters[s][p] = new ClusterConnections(
                    loop,
                    view,
                    side,
                    commands,
                    mirrorTimeout.toNanos(),
                    protocol,
                    side == Side.TARGET ? targetDropped : () -> {});
        }
        return clusters[s][p];
    }

    private ClusterView cluster(Side side) {
        return side == Side.SOURCE ? sourceCluster : targetCluster;
    }
}
