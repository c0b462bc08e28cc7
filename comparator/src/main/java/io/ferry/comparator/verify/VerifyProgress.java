package io.ferry.comparator.verify;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** How far a verify is: its phase, keys compared of the keys expected, verdicts so far. Thread-safe. */
public final class VerifyProgress {
    private final AtomicLong checked = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLongArray verdicts = new AtomicLongArray(Verdict.values().length);
    private volatile String phase = "starting";
    private volatile long resumedFrom;

    void total(long keys) {
        total.set(keys);
    }

    void phase(String value) {
        phase = value;
    }

    void checked(long keys) {
        checked.addAndGet(keys);
    }

    void add(Verdict verdict) {
        verdicts.incrementAndGet(verdict.ordinal());
    }

    void restore(long keys, Map<Verdict, Long> counts) {
        checked.set(keys);
        resumedFrom = keys;
        for (Map.Entry<Verdict, Long> count : counts.entrySet()) {
            verdicts.set(count.getKey().ordinal(), count.getValue());
        }
    }

    public String phase() {
        return phase;
    }

    /** Keys an earlier run had compared when this one resumed from its state; 0 for a fresh start. */
    public long resumedFrom() {
        return resumedFrom;
    }

    public long checked() {
        return checked.get();
    }

    /** The keys the walk expects (the sides' key counts when it started); 0 when unknown. */
    public long total() {
        return total.get();
    }

    /** Keys of the walk found different so far (before any re-check). */
    public long mismatched() {
        long sum = 0;
        for (Verdict verdict : Verdict.values()) {
            if (verdict.isMismatch()) {
                sum += verdicts.get(verdict.ordinal());
            }
        }
        return sum;
    }

    public Map<Verdict, Long> verdicts() {
        Map<Verdict, Long> out = new EnumMap<>(Verdict.class);
        for (Verdict verdict : Verdict.values()) {
            out.put(verdict, verdicts.get(verdict.ordinal()));
        }
        return out;
    }
}
