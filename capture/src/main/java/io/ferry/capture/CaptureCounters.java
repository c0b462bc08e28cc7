package io.ferry.capture;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counts of one capture, by {@link Counter}. Written by the capture's thread, readable from any
 * thread (a status line) at any time. Thread-safe.
 */
public final class CaptureCounters {
    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    void increment(Counter counter) {
        values.incrementAndGet(counter.ordinal());
    }

    void add(Counter counter, long amount) {
        values.addAndGet(counter.ordinal(), amount);
    }

    public long get(Counter counter) {
        return values.get(counter.ordinal());
    }

    /** Every counter, zeros included, in declaration order. */
    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> snapshot = new EnumMap<>(Counter.class);
        for (Counter counter : Counter.values()) {
            snapshot.put(counter, get(counter));
        }
        return snapshot;
    }

    /** The non-zero counters on one line: {@code "packets=1200 flows=3 commands=1000 ..."}. */
    public String line() {
        StringBuilder line = new StringBuilder();
        for (Counter counter : Counter.values()) {
            long value = get(counter);
            if (value != 0 || counter == Counter.PACKETS || counter == Counter.COMMANDS) {
                line.append(line.length() == 0 ? "" : " ")
                        .append(counter.label())
                        .append('=')
                        .append(value);
            }
        }
        return line.toString();
    }
}
