package io.ferry.analyzer;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact counts by name, for at most {@code capacity} names: counts of a name that does not fit go to
 * {@value #OTHER}, so a dimension with endless values (key prefixes, made-up command names) stays
 * bounded and the total stays exact. Not thread-safe.
 */
final class CountMap {
    /** Where the counts of the names past the capacity go. */
    static final String OTHER = "(other)";

    private final int capacity;
    private final Map<String, Long> counts = new LinkedHashMap<>();

    CountMap(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /** Adds {@code count} to {@code name}, or to {@value #OTHER} when the map is full; returns the name counted. */
    String add(String name, long count) {
        String slot = counts.containsKey(name) || counts.size() < capacity ? name : OTHER;
        counts.merge(slot, count, Long::sum);
        return slot;
    }

    boolean tracks(String name) {
        return counts.containsKey(name);
    }

    void addAll(CountMap other) {
        other.counts.forEach(this::add);
    }

    long get(String name) {
        return counts.getOrDefault(name, 0L);
    }

    long total() {
        long total = 0;
        for (long count : counts.values()) {
            total += count;
        }
        return total;
    }

    /** The counts, in the order names first came. */
    Map<String, Long> asMap() {
        return Collections.unmodifiableMap(counts);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(counts.size());
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeLong(entry.getValue());
        }
    }

    static CountMap readFrom(DataInput in, int capacity) throws IOException {
        CountMap map = new CountMap(capacity);
        int size = Sketches.checkedSize(in.readInt(), capacity + 1, "counts");
        for (int i = 0; i < size; i++) {
            map.add(in.readUTF(), in.readLong());
        }
        return map;
    }
}
