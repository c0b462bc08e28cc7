package io.ferry.analyzer;

import org.apache.datasketches.hll.HllSketch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Key prefixes ({@link KeyPrefix}): operations per prefix (exact, for the first {@code capacity}
 * prefixes; the rest under {@value CountMap#OTHER}), distinct keys per tracked prefix (HyperLogLog at
 * lgK {@value #PREFIX_LG_K}, about 6.5 % relative standard error, a few hundred bytes while sparse),
 * and the number of distinct prefixes (HyperLogLog at lgK {@value #DISTINCT_LG_K}, about 1.6 %).
 * Not thread-safe.
 */
final class PrefixStats {
    static final int PREFIX_LG_K = 8;
    static final int DISTINCT_LG_K = 12;

    private final int capacity;
    private final CountMap ops;
    private final Map<String, HllSketch> keys = new LinkedHashMap<>();
    private HllSketch distinct = Sketches.hll(DISTINCT_LG_K);

    PrefixStats(int capacity) {
        this.capacity = capacity;
        this.ops = new CountMap(capacity);
    }

    void observe(String prefix, byte[] key) {
        String slot = ops.add(prefix, 1);
        keys.computeIfAbsent(slot, s -> Sketches.hll(PREFIX_LG_K)).update(key);
        distinct.update(prefix);
    }

    void addAll(PrefixStats other) {
        other.ops.asMap().forEach((prefix, count) -> {
            String slot = ops.add(prefix, count);
            HllSketch theirs = other.keys.get(prefix);
            if (theirs != null) {
                HllSketch mine = keys.get(slot);
                keys.put(
                        slot,
                        mine == null
                                ? Sketches.union(Sketches.hll(PREFIX_LG_K), theirs, PREFIX_LG_K)
                                : Sketches.union(mine, theirs, PREFIX_LG_K));
            }
        });
        distinct = Sketches.union(distinct, other.distinct, DISTINCT_LG_K);
    }

    Map<String, Long> ops() {
        return ops.asMap();
    }

    Map<String, HllSketch> keys() {
        return Collections.unmodifiableMap(keys);
    }

    HllSketch distinct() {
        return distinct;
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(capacity);
        ops.writeTo(out);
        out.writeInt(keys.size());
        for (Map.Entry<String, HllSketch> entry : keys.entrySet()) {
            out.writeUTF(entry.getKey());
            Sketches.writeHll(out, entry.getValue());
        }
        Sketches.writeHll(out, distinct);
    }

    static PrefixStats readFrom(DataInput in) throws IOException {
        int capacity = Sketches.checkedSize(in.readInt(), 1 << 16, "prefixes");
        PrefixStats stats = new PrefixStats(capacity);
        stats.ops.addAll(CountMap.readFrom(in, capacity));
        int size = Sketches.checkedSize(in.readInt(), capacity + 1, "prefix sketches");
        for (int i = 0; i < size; i++) {
            stats.keys.put(in.readUTF(), Sketches.readHll(in));
        }
        stats.distinct = Sketches.readHll(in);
        return stats;
    }
}
