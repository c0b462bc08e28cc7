package io.ferry.comparator.replay;

import io.ferry.schemas.DivergenceKind;

import java.util.Map;

/** The counts of a {@link ShadowReplay} so far. Immutable. */
public record ReplayTotals(
        long records,
        long replayed,
        long equal,
        long transients,
        long confirmed,
        long skipped,
        long repairsRequested,
        long publishFailed,
        long lagMs,
        Map<SkipReason, Long> skippedByReason,
        Map<DivergenceKind, Long> confirmedByKind) {

    public long skipped(SkipReason reason) {
        return skippedByReason.getOrDefault(reason, 0L);
    }

    public long confirmed(DivergenceKind kind) {
        return confirmedByKind.getOrDefault(kind, 0L);
    }

    /** One status line: {@code replayed 10  equal 9  transient 1  confirmed 0  skipped 3 ...}. */
    public String line() {
        return String.format(
                "records %,d  replayed %,d  equal %,d  transient %,d  confirmed %,d  skipped %,d  repairs %,d"
                        + "  lag %.1f s%s",
                records,
                replayed,
                equal,
                transients,
                confirmed,
                skipped,
                repairsRequested,
                lagMs / 1000.0,
                publishFailed == 0 ? "" : String.format("  publish failed %,d", publishFailed));
    }
}
