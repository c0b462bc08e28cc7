package io.ferry.comparator.replay;

import io.ferry.schemas.DivergenceKind;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shadow replay's counts, as Micrometer meters ({@code ferry.comparator.*}) and as {@link ReplayTotals} for the status
 * line. Thread-safe.
 */
final class ReplayMetrics {
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong equal = new AtomicLong();
    private final AtomicLong transients = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    private final AtomicLong publishFailed = new AtomicLong();
    private final AtomicLong lagMs = new AtomicLong();
    private final Map<SkipReason, AtomicLong> skipped = new EnumMap<>(SkipReason.class);
    private final Map<DivergenceKind, AtomicLong> confirmed = new EnumMap<>(DivergenceKind.class);

    ReplayMetrics(MeterRegistry meters) {
        counter(meters, "ferry.comparator.records", records, "Traffic records read");
        counter(meters, "ferry.comparator.replayed", replayed, "Reads replayed on the other side and compared");
        counter(meters, "ferry.comparator.equal", equal, "Replayed reads whose replies agreed");
        counter(
                meters,
                "ferry.comparator.transient",
                transients,
                "Mismatches that agreed when checked again on both sides (the key changed after capture)");
        counter(meters, "ferry.comparator.repairs.requested", repairs, "Repair requests published to the writes log");
        counter(meters, "ferry.comparator.publish.failed", publishFailed, "Records Kafka did not take");
        for (SkipReason reason : SkipReason.values()) {
            AtomicLong count = new AtomicLong();
            skipped.put(reason, count);
            FunctionCounter.builder("ferry.comparator.skipped", count, AtomicLong::doubleValue)
                    .tag("reason", reason.tag())
                    .description("Traffic records not replayed or replays not compared, by reason")
                    .register(meters);
        }
        for (DivergenceKind kind : DivergenceKind.values()) {
            AtomicLong count = new AtomicLong();
            confirmed.put(kind, count);
            FunctionCounter.builder("ferry.comparator.confirmed", count, AtomicLong::doubleValue)
                    .tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Divergences that held on every recheck, by kind")
                    .register(meters);
        }
        Gauge.builder("ferry.comparator.lag.seconds", lagMs, v -> v.get() / 1000.0)
                .description("Seconds between the capture of the newest record replayed and its replay")
                .register(meters);
    }

    private static void counter(MeterRegistry meters, String name, AtomicLong value, String description) {
        FunctionCounter.builder(name, value, AtomicLong::doubleValue)
                .description(description)
                .register(meters);
    }

    void record() {
        records.incrementAndGet();
    }

    void skipped(SkipReason reason) {
        skipped.get(reason).incrementAndGet();
    }

    void replayed(long lagMillis) {
        replayed.incrementAndGet();
        lagMs.set(Math.max(0, lagMillis));
    }

    void equal() {
        equal.incrementAndGet();
    }

    void transientMismatch() {
        transients.incrementAndGet();
    }

    void confirmed(DivergenceKind kind) {
        confirmed.get(kind).incrementAndGet();
    }

    void repairRequested() {
        repairs.incrementAndGet();
    }

    void publishFailed() {
        publishFailed.incrementAndGet();
    }

    ReplayTotals totals() {
        long skippedAll = skipped.values().stream().mapToLong(AtomicLong::get).sum();
        long confirmedAll =
                confirmed.values().stream().mapToLong(AtomicLong::get).sum();
        Map<SkipReason, Long> byReason = new EnumMap<>(SkipReason.class);
        skipped.forEach((reason, count) -> byReason.put(reason, count.get()));
        Map<DivergenceKind, Long> byKind = new EnumMap<>(DivergenceKind.class);
        confirmed.forEach((kind, count) -> byKind.put(kind, count.get()));
        return new ReplayTotals(
                records.get(),
                replayed.get(),
                equal.get(),
                transients.get(),
                confirmedAll,
                skippedAll,
                repairs.get(),
                publishFailed.get(),
                lagMs.get(),
                Map.copyOf(byReason),
                Map.copyOf(byKind));
    }
}
