package io.ferry.analyzer;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Reading and writing the library sketches inside a {@link ProfileSketch}, with every length checked. */
final class Sketches {
    /** Largest serialized sketch accepted, in bytes. */
    static final int MAX_SKETCH_BYTES = 16 * 1024 * 1024;

    private Sketches() {}

    static int checkedSize(int size, int limit, String what) throws IOException {
        if (size < 0 || size > limit) {
            throw new IOException(what + " size: " + size + " (expected: 0 to " + limit + ")");
        }
        return size;
    }

    static byte[] readBytes(DataInput in) throws IOException {
        byte[] bytes = new byte[checkedSize(in.readInt(), MAX_SKETCH_BYTES, "sketch")];
        in.readFully(bytes);
        return bytes;
    }

    static void writeBytes(DataOutput out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static HllSketch hll(int lgK) {
        return new HllSketch(lgK, TgtHllType.HLL_4);
    }

    /** {@code a} and {@code b} united, at {@code lgK}. */
    static HllSketch union(HllSketch a, HllSketch b, int lgK) {
        Union union = new Union(lgK);
        union.update(a);
        union.update(b);
        return union.getResult(TgtHllType.HLL_4);
    }

    static void writeHll(DataOutput out, HllSketch sketch) throws IOException {
        writeBytes(out, sketch.toCompactByteArray());
    }

    static HllSketch readHll(DataInput in) throws IOException {
        try {
            return HllSketch.heapify(readBytes(in));
        } catch (RuntimeException e) {
            throw new IOException("not an HLL sketch: " + e.getMessage(), e);
        }
    }
}
