package io.ferry.comparator.replay;

import io.ferry.schemas.stats.StatsAttributes;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The figures of a comparator's {@code stats.comparator} event, read at the end of each interval: reads replayed per
 * second, divergences confirmed, repair requests published, and the replay's lag. One reader (the stats publisher's
 * thread).
 */
final class ReplayStats {
    private final Supplier<ReplayTotals> totals;
    private long replayedTaken;
    private long confirmedTaken;
    private long repairsTaken;

    ReplayStats(Supplier<ReplayTotals> totals) {
        this.totals = totals;
    }

    Map<String, String> sample(double seconds) {
        ReplayTotals now = totals.get();
        Map<String, String> figures = new HashMap<>();
        figures.put(
                StatsAttributes.REPLAYED_PER_SECOND,
                StatsAttributes.number(seconds > 0 ? (now.replayed() - replayedTaken) / seconds : 0));
        figures.put(StatsAttributes.DIVERGENCES, Long.toString(now.confirmed() - confirmedTaken));
        figures.put(StatsAttributes.REPAIRS_REQUESTED, Long.toString(now.repairsRequested() - repairsTaken));
        figures.put(StatsAttributes.LAG_SECONDS, StatsAttributes.number(now.lagMs() / 1000.0));
        replayedTaken = now.replayed();
        confirmedTaken = now.confirmed();
        repairsTaken = now.repairsRequested();
        return figures;
    }
}
