package io.ferry.resp.command;

/** How a key specification finds its keys once {@link BeginSearch} has found the first. Immutable. */
public sealed interface FindKeys {

    /**
     * Keys from the first one to {@code lastKey} arguments after it, every {@code keyStep}-th argument.
     * A negative {@code lastKey} counts from the end of the arguments ({@code -1} is the last). With a
     * {@code limit} above 1 and {@code lastKey} -1, only the first {@code 1/limit} of the remaining
     * arguments are keys (XREAD's {@code STREAMS k1 k2 id1 id2}).
     */
    record Range(int lastKey, int keyStep, int limit) implements FindKeys {}

    /**
     * The number of keys is the argument {@code keyNumIndex} after the first; the keys start {@code
     * firstKey} arguments after the first and come every {@code keyStep}-th argument (EVAL's {@code
     * numkeys}).
     */
    record KeyNum(int keyNumIndex, int firstKey, int keyStep) implements FindKeys {}

    /** The server could not describe how to find the keys. */
    record Unknown() implements FindKeys {}
}
