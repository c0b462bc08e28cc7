package io.ferry.mover;

import io.ferry.endpoint.Throttle;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.stats.StatsAttributes;
import io.ferry.schemas.stats.StatsPublisher;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The figures of a mover process's {@code stats.mover} event, read at the end of each interval: keys the workers
 * handled and payload bytes per second, keys reported to the errors topic, keys the reconciler repaired per second
 * and its lag, and the throttle (its limit, whether it holds the copy back, how long the workers waited for it). One
 * reader (the stats publisher's thread).
 */
final class MoverStats {
    private final MoveProgress progress;
    private final Throttle throttle;
    private final Supplier<Reconciler.Totals> reconciled;
    private long handledTaken;
    private long bytesTaken;
    private long failedTaken;
    private long repairedTaken;
    private long reconcileFailedTaken;
    private long waitedTaken;

    MoverStats(MoveProgress progress, Throttle throttle, Supplier<Reconciler.Totals> reconciled) {
        this.progress = progress;
        this.throttle = throttle;
        this.reconciled = reconciled;
    }

    /**
     * Publishes the figures of {@code progress} every {@code interval} for run {@code runId}; null when the interval
     * is zero.
     */
    static StatsPublisher publish(
            String runId,
            Duration interval,
            Map<String, Object> kafka,
            TopicRegistry topics,
            MoveProgress progress,
            Throttle throttle,
            Supplier<Reconciler.Totals> reconciled) {
        if (interval.isZero()) {
            return null;
        }
        return new StatsPublisher(
                StatsAttributes.MOVER,
                runId,
                ManagementFactory.getRuntimeMXBean().getName(),
                interval,
                kafka,
                topics,
                new MoverStats(progress, throttle, reconciled)::sample);
    }

    Map<String, String> sample(double seconds) {
        MoveProgress.Snapshot totals = progress.snapshot();
        Reconciler.Totals repairs = reconciled.get();
        long repaired = repairs == null ? 0 : repairs.recopied() + repairs.deleted();
        long reconcileFailed = repairs == null ? 0 : repairs.failed();
        long waited = throttle.waitedMillis();
        Map<String, String> figures = new HashMap<>();
        figures.put(StatsAttributes.KEYS_PER_SECOND, rate(totals.handled() - handledTaken, seconds));
        figures.put(StatsAttributes.BYTES_PER_SECOND, rate(totals.bytes() - bytesTaken, seconds));
        figures.put(
                StatsAttributes.ERROR_KEYS,
                Long.toString(totals.failed() - failedTaken + reconcileFailed - reconcileFailedTaken));
        figures.put(StatsAttributes.RECONCILED_PER_SECOND, rate(repaired - repairedTaken, seconds));
        double limit = throttle.limit();
        figures.put(StatsAttributes.THROTTLE_LIMIT, Double.isInfinite(limit) ? "none" : StatsAttributes.number(limit));
        figures.put(StatsAttributes.THROTTLED, Boolean.toString(!Double.isInfinite(limit)));
        figures.put(StatsAttributes.THROTTLE_SLEEP_MS, Long.toString(waited - waitedTaken));
        figures.put(
                StatsAttributes.RECONCILER_LAG_SECONDS,
                StatsAttributes.number(repairs == null ? 0 : repairs.lagMs() / 1000.0));
        handledTaken = totals.handled();
        bytesTaken = totals.bytes();
        failedTaken = totals.failed();
        repairedTaken = repaired;
        reconcileFailedTaken = reconcileFailed;
        waitedTaken = waited;
        return figures;
    }

    private static String rate(long count, double seconds) {
        return StatsAttributes.number(seconds > 0 ? count / seconds : 0);
    }
}
