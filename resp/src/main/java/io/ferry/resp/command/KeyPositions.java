package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;

import java.util.Arrays;

/**
 * The keys of one command invocation: argument indexes, each with the key spec that located it, and
 * whether the search was complete. Filled by {@link CommandInfo#findKeys(CommandMessage,
 * KeyPositions)}.
 *
 * <p>Reusable, so that locating keys allocates nothing on the hot path: keep one per connection (or
 * per thread) and pass it to every call; each call overwrites it. It only grows, to the largest number
 * of keys seen, which is bounded by the argument count of a command. Mutable and not thread-safe.
 */
public final class KeyPositions {

    /** How far the located keys can be trusted. */
    public enum Status {
        /** Every key of the invocation was located. */
        COMPLETE,
        /**
         * Some keys may be missing: the command's key specs are incomplete or unknown (SORT with BY or
         * GET patterns, a module command, a command not in the table). The keys listed are keys.
         */
        PARTIAL,
        /**
         * The arguments do not fit the command's key specs (too few arguments, a bad {@code numkeys}), so
         * the server will reject the command; no keys are listed.
         */
        MALFORMED
    }

    private static final int INITIAL_CAPACITY = 8;

    private int[] indexes;
    private KeySpec[] specs;
    private int count;
    private Status status = Status.COMPLETE;

    public KeyPositions() {
        indexes = new int[INITIAL_CAPACITY];
        specs = new KeySpec[INITIAL_CAPACITY];
    }

    /** Number of keys located. */
    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The argument index of key {@code i} (0-based, in spec order, then argument order). */
    public int index(int i) {
        checkIndex(i);
        return indexes[i];
    }

    /** The key spec that located key {@code i}: how the command uses it (its flags). */
    public KeySpec spec(int i) {
        checkIndex(i);
        return specs[i];
    }

    public Status status() {
        return status;
    }

    /** The argument indexes as a new array. */
    public int[] toArray() {
        return Arrays.copyOf(indexes, count);
    }

    void reset() {
        Arrays.fill(specs, 0, count, null);
        count = 0;
        status = Status.COMPLETE;
    }

    void add(int index, KeySpec spec) {
        if (count == indexes.length) {
            int capacity = indexes.length * 2;
            indexes = Arrays.copyOf(indexes, capacity);
            specs = Arrays.copyOf(specs, capacity);
        }
        indexes[count] = index;
        specs[count] = spec;
        count++;
    }

    /** Keeps the first {@code newCount} keys, dropping those a failed spec had added. */
    void truncate(int newCount) {
        Arrays.fill(specs, newCount, count, null);
        count = newCount;
    }

    void partial() {
        if (status == Status.COMPLETE) {
            status = Status.PARTIAL;
        }
    }

    void malformed() {
        truncate(0);
        status = Status.MALFORMED;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("key " + i + " (count: " + count + ")");
        }
    }

    @Override
    public String toString() {
        return "KeyPositions" + Arrays.toString(toArray()) + " " + status;
    }
}
