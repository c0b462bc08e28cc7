package io.ferry.analyzer;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Values at or over a size threshold, seen in replies ({@code responseSize}) or arguments: how many,
 * by command, the largest size, and the {@value #EXAMPLES} largest examples. Not thread-safe.
 */
final class BigValues {
    static final int EXAMPLES = 10;
    static final int COMMANDS = 64;

    /** One big value: where it was seen ({@code reply} or {@code argument}). */
    record Example(String command, String key, String where, long bytes) {}

    private long count;
    private long maxBytes;
    private final CountMap byCommand = new CountMap(COMMANDS);
    private final List<Example> examples = new ArrayList<>();

    void observe(String command, String key, String where, long bytes) {
        count++;
        maxBytes = Math.max(maxBytes, bytes);
        byCommand.add(command, 1);
        keep(new Example(command, key, where, bytes));
    }

    private void keep(Example example) {
        examples.add(example);
        examples.sort(Comparator.comparingLong(Example::bytes).reversed());
        if (examples.size() > EXAMPLES) {
            examples.remove(examples.size() - 1);
        }
    }

    void addAll(BigValues other) {
        count += other.count;
        maxBytes = Math.max(maxBytes, other.maxBytes);
        byCommand.addAll(other.byCommand);
        other.examples.forEach(this::keep);
    }

    long count() {
        return count;
    }

    long maxBytes() {
        return maxBytes;
    }

    CountMap byCommand() {
        return byCommand;
    }

    List<Example> examples() {
        return List.copyOf(examples);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeLong(count);
        out.writeLong(maxBytes);
        byCommand.writeTo(out);
        out.writeInt(examples.size());
        for (Example example : examples) {
            out.writeUTF(example.command());
            out.writeUTF(example.key());
            out.writeUTF(example.where());
            out.writeLong(example.bytes());
        }
    }

    static BigValues readFrom(DataInput in) throws IOException {
        BigValues values = new BigValues();
        values.count = in.readLong();
        values.maxBytes = in.readLong();
        values.byCommand.addAll(CountMap.readFrom(in, COMMANDS));
        int size = Sketches.checkedSize(in.readInt(), EXAMPLES, "big value examples");
        for (int i = 0; i < size; i++) {
            values.keep(new Example(in.readUTF(), in.readUTF(), in.readUTF(), in.readLong()));
        }
        return values;
    }
}
