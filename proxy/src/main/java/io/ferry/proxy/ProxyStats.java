package io.ferry.proxy;

import io.ferry.schemas.Side;
import io.ferry.schemas.stats.StatsAttributes;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The figures of a proxy node's {@code stats.proxy} event, read from its {@link SessionContext} at the end of each
 * interval: per side replies, replies per second, errors and latency percentiles; writes that may have left the sides
 * different; divergent reads; connections open. One reader (the stats publisher's thread).
 */
final class ProxyStats {
    private final SessionContext context;
    private final IntSupplier connections;
    private long repairsTaken;
    private long divergencesTaken;

    ProxyStats(SessionContext context, IntSupplier connections) {
        this.context = context;
        this.connections = connections;
    }

    Map<String, String> sample(double seconds) {
        Map<String, String> figures = new HashMap<>();
        for (Side side : Side.values()) {
            CommandLatency.Interval interval = context.latency.figures(side).take();
            String name = side.name();
            figures.put(StatsAttributes.side(name, StatsAttributes.OPS), Long.toString(interval.replies()));
            figures.put(
                    StatsAttributes.side(name, StatsAttributes.OPS_PER_SECOND),
                    StatsAttributes.number(seconds > 0 ? interval.replies() / seconds : 0));
            figures.put(StatsAttributes.side(name, StatsAttributes.ERRORS), Long.toString(interval.errors()));
            figures.put(StatsAttributes.side(name, StatsAttributes.P50_MS), StatsAttributes.number(interval.p50Ms()));
            figures.put(StatsAttributes.side(name, StatsAttributes.P99_MS), StatsAttributes.number(interval.p99Ms()));
        }
        long repairs = context.repairsFlagged.sum();
        figures.put(StatsAttributes.DUAL_WRITE_FAILURES, Long.toString(repairs - repairsTaken));
        repairsTaken = repairs;
        long divergences = context.divergences.sum();
        figures.put(StatsAttributes.DIVERGENCES, Long.toString(divergences - divergencesTaken));
        divergencesTaken = divergences;
        figures.put(StatsAttributes.CONNECTIONS, Integer.toString(connections.getAsInt()));
        return figures;
    }
}
