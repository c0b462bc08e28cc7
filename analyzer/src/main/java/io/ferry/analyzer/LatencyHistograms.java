package io.ferry.analyzer;

import org.HdrHistogram.Histogram;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Latency histograms in microseconds, one per command and one over all commands: HdrHistogram at
 * {@value #DIGITS} significant digits, so any percentile is within 1 % of the true value, whatever the
 * spread. HdrHistogram rather than a rank sketch (KLL, t-digest): a tail percentile read from a rank
 * sketch may be off by a percent of <em>rank</em>, which at p99 can be a different order of magnitude
 * of latency; here the error is bounded in value. The histograms merge exactly (add) and auto-resize
 * to the largest latency seen, so memory follows the spread of latencies (a few KB each), capped by
 * {@value #MAX_MICROS} µs (longer latencies, of blocking commands, are recorded as that). At most
 * {@code capacity} commands get their own histogram; the others share {@value CountMap#OTHER}.
 * Not thread-safe.
 */
final class LatencyHistograms {
    static final int DIGITS = 2;
    /** One hour: the longest latency recorded as it is. */
    static final long MAX_MICROS = 3_600_000_000L;
    /** The key of the histogram over all commands. */
    static final String ALL = "(all)";

    private final int capacity;
    private final Histogram all = newHistogram();
    private final Map<String, Histogram> byCommand = new LinkedHashMap<>();

    LatencyHistograms(int capacity) {
        this.capacity = capacity;
    }

    private static Histogram newHistogram() {
        Histogram histogram = new Histogram(DIGITS);
        histogram.setAutoResize(true);
        return histogram;
    }

    void record(String command, long micros) {
        long value = Math.min(Math.max(micros, 0), MAX_MICROS);
        all.recordValue(value);
        histogram(command).recordValue(value);
    }

    private Histogram histogram(String command) {
        Histogram histogram = byCommand.get(command);
        if (histogram == null) {
            String slot = byCommand.size() < capacity ? command : CountMap.OTHER;
            histogram = byCommand.computeIfAbsent(slot, s -> newHistogram());
        }
        return histogram;
    }

    void addAll(LatencyHistograms other) {
        all.add(other.all);
        other.byCommand.forEach((command, histogram) -> histogram(command).add(histogram));
    }

    Histogram all() {
        return all;
    }

    /** Per command, in the order commands first came. */
    Map<String, Histogram> byCommand() {
        return Collections.unmodifiableMap(byCommand);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(capacity);
        write(out, all);
        out.writeInt(byCommand.size());
        for (Map.Entry<String, Histogram> entry : byCommand.entrySet()) {
            out.writeUTF(entry.getKey());
            write(out, entry.getValue());
        }
    }

    static LatencyHistograms readFrom(DataInput in) throws IOException {
        LatencyHistograms histograms = new LatencyHistograms(Sketches.checkedSize(in.readInt(), 1 << 16, "latency"));
        histograms.all.add(read(in));
        int size = Sketches.checkedSize(in.readInt(), histograms.capacity + 1, "latency histograms");
        for (int i = 0; i < size; i++) {
            String command = in.readUTF();
            histograms.histogram(command).add(read(in));
        }
        return histograms;
    }

    private static void write(DataOutput out, Histogram histogram) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoByteBuffer(buffer);
        out.writeInt(length);
        out.write(buffer.array(), 0, length);
    }

    private static Histogram read(DataInput in) throws IOException {
        byte[] bytes = Sketches.readBytes(in);
        try {
            return Histogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), 2);
        } catch (RuntimeException e) {
            throw new IOException("not a latency histogram: " + e, e);
        }
    }
}
