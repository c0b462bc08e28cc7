package io.ferry.analyzer;

import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.memory.Memory;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The most used keys, by operations: a DataSketches frequent-items sketch (Misra-Gries with a
 * reverse-purge hash map) of {@value #MAP_SIZE} slots. Memory is bounded by the map whatever the
 * number of keys; every estimate is within {@code 3.5 / MAP_SIZE} of the stream length (0.34 %) of
 * the true count, and sketches merge with the same bound. Keys are kept as redis-cli escaped text, cut
 * to {@value #MAX_KEY_LENGTH} characters. Not thread-safe.
 */
final class HotKeys {
    static final int MAP_SIZE = 1024;
    static final int MAX_KEY_LENGTH = 200;
    private static final ArrayOfStringsSerDe SERDE = new ArrayOfStringsSerDe();

    private ItemsSketch<String> sketch;

    HotKeys() {
        this(new ItemsSketch<>(MAP_SIZE));
    }

    private HotKeys(ItemsSketch<String> sketch) {
        this.sketch = sketch;
    }

    void update(String keyText) {
        sketch.update(keyText.length() > MAX_KEY_LENGTH ? keyText.substring(0, MAX_KEY_LENGTH) : keyText);
    }

    void addAll(HotKeys other) {
        sketch.merge(other.sketch);
    }

    /** A hot key with its estimated count and the bounds of the true count. */
    record HotKey(String key, long estimate, long lowerBound, long upperBound) {}

    /** The {@code limit} keys with the highest estimates, highest first; never a key below the error bound. */
    List<HotKey> top(int limit) {
        List<HotKey> top = new ArrayList<>();
        for (ItemsSketch.Row<String> row : sketch.getFrequentItems(ErrorType.NO_FALSE_POSITIVES)) {
            if (top.size() == limit) {
                break;
            }
            top.add(new HotKey(row.getItem(), row.getEstimate(), row.getLowerBound(), row.getUpperBound()));
        }
        return top;
    }

    /** The largest error of any estimate. */
    long maximumError() {
        return sketch.getMaximumError();
    }

    void writeTo(DataOutput out) throws IOException {
        Sketches.writeBytes(out, sketch.toByteArray(SERDE));
    }

    static HotKeys readFrom(DataInput in) throws IOException {
        byte[] bytes = Sketches.readBytes(in);
        try {
            return new HotKeys(ItemsSketch.getInstance(Memory.wrap(bytes), SERDE));
        } catch (RuntimeException e) {
            throw new IOException("not a frequent-items sketch: " + e, e);
        }
    }
}
