package io.ferry.mover;

import io.ferry.endpoint.Throttle;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Running totals of a copy, shared by the scanner and the workers: keys scanned, copied, skipped,
 * vanished and failed, payload bytes, tasks published and done. Published as Micrometer counters
 * ({@code ferry.mover.keys{outcome=...}}, {@code ferry.mover.bytes}) and read by the progress line.
 * Thread-safe.
 */
public final class MoveProgress {
    private static final Logger log = LoggerFactory.getLogger(MoveProgress.class);

    private final AtomicLong scanned = new AtomicLong();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong vanished = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong merged = new AtomicLong();
    private final AtomicLong replacedOnMerge = new AtomicLong();
    private final AtomicLong chunked = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private final AtomicBoolean fallbackReported = new AtomicBoolean();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong tasksPublished = new AtomicLong();
    private final AtomicLong tasksDone = new AtomicLong();

    public MoveProgress(MeterRegistry meters) {
        counter(meters, "ferry.mover.keys.scanned", scanned, "Keys the scanner found and published");
        keys(meters, "copied", copied);
        keys(meters, "skipped", skipped);
        keys(meters, "vanished", vanished);
        keys(meters, "failed", failed);
        keys(meters, "merged", merged);
        keys(meters, "replaced-on-merge", replacedOnMerge);
        counter(meters, "ferry.mover.keys.chunked", chunked, "Keys copied in chunks with their type's commands");
        counter(
                meters,
                "ferry.mover.keys.fallback",
                fallbacks,
                "Keys whose DUMP payload the target refused, copied with their type's commands instead");
        counter(meters, "ferry.mover.bytes", bytes, "DUMP payload bytes copied");
        counter(meters, "ferry.mover.tasks.done", tasksDone, "Move tasks copied");
    }

    private static void keys(MeterRegistry meters, String outcome, AtomicLong value) {
        FunctionCounter.builder("ferry.mover.keys", value, AtomicLong::doubleValue)
                .tag("outcome", outcome)
                .description("Keys the workers handled, by outcome (failed: reported to the errors topic)")
                .register(meters);
    }

    private static void counter(MeterRegistry meters, String name, AtomicLong value, String description) {
        FunctionCounter.builder(name, value, AtomicLong::doubleValue)
                .description(description)
                .register(meters);
    }

    private volatile Throttle throttle = Throttle.NONE;
    private volatile long expected = -1;
    private volatile boolean scanComplete;

    /** The keys the source holds in the scanned databases, when every key is to be copied; -1: unknown. */
    void expect(long keys) {
        expected = keys;
    }

    /** The scan reached its end: the keys it published are the total. */
    void scanComplete() {
        scanComplete = true;
    }

    /** Reports {@code throttle}'s limit in the snapshots. */
    void follow(Throttle throttle) {
        this.throttle = throttle;
    }

    void scanned(long keys) {
        scanned.addAndGet(keys);
    }

    void tasksPublished(long tasks) {
        tasksPublished.addAndGet(tasks);
    }

    void taskDone() {
        tasksDone.incrementAndGet();
    }

    void add(KeyCopier.Result result) {
        if (result.via() == KeyCopier.Via.FALLBACK) {
            fallbacks.incrementAndGet();
            if (fallbackReported.compareAndSet(false, true)) {
                log.warn(
                        "the target refused a DUMP payload of the source ({}); keys it refuses are copied with "
                                + "their type's commands instead (slower; counted in ferry.mover.keys.fallback)",
                        result.refusal());
            }
        } else if (result.via() == KeyCopier.Via.CHUNKS) {
            chunked.incrementAndGet();
        }
        switch (result.outcome()) {
            case COPIED -> {
                copied.incrementAndGet();
                bytes.addAndGet(result.bytes());
            }
            case MERGED -> {
                merged.incrementAndGet();
                bytes.addAndGet(result.bytes());
            }
            case REPLACED_ON_MERGE -> {
                replacedOnMerge.incrementAndGet();
                bytes.addAndGet(result.bytes());
            }
            case SKIPPED -> skipped.incrementAndGet();
            case VANISHED -> vanished.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
        }
    }

    /** The totals now. */
    public Snapshot snapshot() {
        return new Snapshot(
                scanned.get(),
                copied.get(),
                skipped.get(),
                vanished.get(),
                failed.get(),
                merged.get(),
                replacedOnMerge.get(),
                chunked.get(),
                fallbacks.get(),
                bytes.get(),
                tasksPublished.get(),
                tasksDone.get(),
                throttle.limit(),
                scanComplete ? scanned.get() : expected);
    }

    /**
     * Totals at one moment. {@code failed} counts keys reported to the errors topic; {@code chunked} and
     * {@code fallbacks} count keys (also counted by their outcome) copied with their type's commands,
     * because they were big or because the target refused their DUMP payload; {@code rateLimit} is the
     * throttle's limit in keys/s, {@code Double.POSITIVE_INFINITY} when the copy is not held back;
     * {@code total} the keys to copy (the source's count until the scan ends, then what it found), -1 when
     * unknown.
     */
    public record Snapshot(
            long scanned,
            long copied,
            long skipped,
            long vanished,
            long failed,
            long merged,
            long replacedOnMerge,
            long chunked,
            long fallbacks,
            long bytes,
            long tasksPublished,
            long tasksDone,
            double rateLimit,
            long total) {
        /** Seconds left at {@code rate} keys/s, or -1 when the total or the rate is unknown. */
        public long etaSeconds(double rate) {
            if (total < 0 || rate <= 0) {
                return -1;
            }
            return (long) Math.ceil(Math.max(0, total - handled()) / rate);
        }

        /** Keys the workers are done with, whatever the outcome. */
        public long handled() {
            return copied + skipped + vanished + failed + merged + replacedOnMerge;
        }
    }
}
