package io.ferry.proxy;

import io.ferry.schemas.WriteRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every client session of one proxy node shares: the node's name, the migration route in force
 * (replaced as a whole when the flags or the control topic change it), the writes journal and the
 * node's counters. Thread-safe.
 */
final class SessionContext {
    private static final Logger log = LoggerFactory.getLogger(SessionContext.class);
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

    final String nodeId;
    final WriteJournal journal;
    final TrafficJournal traffic;
    private final AtomicReference<MigrationRoute> route;
    private final AtomicLong connectionIds = new AtomicLong();

    /** Reads whose two sides answered differently (VERSION_COMPARE, REPLICATED). */
    final LongAdder divergences = new LongAdder();
    /** Writes that may have left the two sides different (flagged for repair). */
    final LongAdder repairsFlagged = new LongAdder();
    /** Writes flagged for repair with no durable journal to record them in. */
    final LongAdder repairsUnrecorded = new LongAdder();
    /** Mirrored commands not sent: the other side was unreachable or could not take more bytes. */
    final LongAdder mirrorsSkipped = new LongAdder();
    /** Commands the side that does not serve them did not answer in time (mirror-timeout-ms). */
    final LongAdder mirrorTimeouts = new LongAdder();
    /** Each side's reply times, by command. */
    final CommandLatency latency;

    private final Gauge epochGauge;
    private final AtomicLong lastUnrecordedWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    SessionContext(
            String nodeId, MigrationRoute initial, WriteJournal journal, TrafficJournal traffic, MeterRegistry meters) {
        this.nodeId = nodeId;
        this.traffic = traffic;
        this.route = new AtomicReference<>(initial);
        this.journal = journal;
        this.latency = new CommandLatency(meters);
        // Counted here, shown as meters: a step registry's counter (Datadog) forgets its total every step.
        counter(
                meters,
                "ferry.proxy.divergences",
                divergences,
                "Reads whose source and target replies differed (VERSION_COMPARE, REPLICATED)");
        counter(
                meters,
                "ferry.proxy.repairs.flagged",
                repairsFlagged,
                "Writes that may have left source and target different, flagged for repair");
        counter(
                meters,
                "ferry.proxy.repairs.unrecorded",
                repairsUnrecorded,
                "Writes flagged for repair with no writes log to record them in");
        counter(
                meters,
                "ferry.proxy.mirror.skipped",
                mirrorsSkipped,
                "Mirrored commands not sent: the other side was unreachable or backed up");
        counter(
                meters,
                "ferry.proxy.mirror.timeouts",
                mirrorTimeouts,
                "Commands the side that does not serve them did not answer within mirror-timeout-ms");
        this.epochGauge = Gauge.builder("ferry.proxy.route.epoch", this, context -> context.route()
                        .epoch())
                .description("Epoch of the migration route in force")
                .register(meters);
    }

    private static void counter(MeterRegistry meters, String name, LongAdder value, String description) {
        FunctionCounter.builder(name, value, LongAdder::doubleValue)
                .description(description)
                .register(meters);
    }

    /** Takes this context's gauges out of {@code meters} (they would hold it after the node stops). */
    void unregister(MeterRegistry meters) {
        meters.remove(epochGauge);
    }

    MigrationRoute route() {
        return route.get();
    }

    /** The node's watch on its target, or null without one. */
    private volatile TargetSentinel sentinel;

    void sentinel(TargetSentinel watch) {
        this.sentinel = watch;
    }

    /** True when reads the route sends to the target are served by the source for now (see {@link TargetSentinel}). */
    boolean targetReadsHeld() {
        TargetSentinel watch = sentinel;
        return watch != null && watch.readsHeld();
    }

    /** One of the node's connections to the target dropped. */
    void targetConnectionLost() {
        TargetSentinel watch = sentinel;
        if (watch != null) {
            watch.connectionLost();
        }
    }

    /** Takes {@code next} when it is newer than the route in force (a higher epoch); true when taken. */
    boolean offer(MigrationRoute next) {
        while (true) {
            MigrationRoute current = route.get();
            if (next.epoch() <= current.epoch() && current != MigrationRoute.PASSTHROUGH) {
                return false;
            }
            if (route.compareAndSet(current, next)) {
                return true;
            }
        }
    }

    String nextConnectionId() {
        return Long.toString(connectionIds.incrementAndGet());
    }

    /** Records a finished trace in the journal, counting what needs repair. */
    void record(WriteRecord record, boolean repair) {
        if (repair) {
            repairsFlagged.increment();
        }
        journal.record(record);
    }

    /**
     * Counts a write that may have left the two sides different, seen by a proxy with no writes log
     * to record it in; warns every 10 s while there are such writes.
     */
    void countUntracedRepair() {
        repairsFlagged.increment();
        repairsUnrecorded.increment();
        long unrecorded = repairsUnrecorded.sum();
        long now = System.nanoTime();
        long last = lastUnrecordedWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastUnrecordedWarning.compareAndSet(last, now)) {
            log.warn(
                    "{} writes may differ between source and target and no writes log records them (run the "
                            + "proxy with --kafka so that the reconciler repairs them)",
                    unrecorded);
        }
    }
}
