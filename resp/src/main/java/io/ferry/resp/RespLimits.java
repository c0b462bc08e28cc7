package io.ferry.resp;

/**
 * Bounds on what {@link RespDecoder} accepts from the wire. Every length a peer declares is checked
 * against these before the decoder allocates anything or waits for the bytes, so a peer can make a
 * decoder hold at most about {@link #maxFrameSize()} bytes, and only by actually sending them.
 *
 * <p>Immutable and validated when built; one instance may be shared by any number of decoders. The
 * defaults ({@link #DEFAULTS}) are those of Redis itself.
 *
 * @param maxBulkLength largest bulk string, bulk error or verbatim string payload, and largest total of
 *     a streamed string (Redis {@code proto-max-bulk-len}, default 512 MiB)
 * @param maxAggregateLength most elements of an array, set or push, and most entries of a map or
 *     attribute; also the most arguments of a command (default 1,048,576, the limit Redis applies to
 *     unauthenticated clients; Redis allows authenticated ones up to 2^31 - 1)
 * @param maxInlineLength longest line without its CRLF: an inline command, and the header line of every
 *     typed value (Redis {@code PROTO_INLINE_MAX_SIZE}, 64 KiB)
 * @param maxNestingDepth deepest nesting of aggregates (arrays, maps, sets, pushes, attributes); a flat
 *     array has depth 1 (default 128)
 * @param maxFrameSize most bytes of one top-level message on the wire, headers included (default 1 GiB,
 *     Redis {@code client-query-buffer-limit}); {@link #UNLIMITED_FRAME_SIZE} turns the check off
 */
public record RespLimits(
        int maxBulkLength, int maxAggregateLength, int maxInlineLength, int maxNestingDepth, long maxFrameSize) {

    /** Largest accepted {@code maxBulkLength}: a payload, its header and CRLF must fit in one buffer. */
    public static final int MAX_BULK_LENGTH_LIMIT = Integer.MAX_VALUE - 64;

    /** Smallest accepted {@code maxInlineLength}: room for any 64-bit length header. */
    public static final int MIN_INLINE_LENGTH = 32;

    /** Largest accepted {@code maxInlineLength}: a line and its CRLF must fit in one buffer. */
    public static final int MAX_INLINE_LENGTH_LIMIT = Integer.MAX_VALUE - 2;

    /**
     * Largest accepted {@code maxNestingDepth}. The decoder keeps its own stack, but encoding, releasing
     * and comparing messages recurse once per level.
     */
    public static final int MAX_NESTING_DEPTH_LIMIT = 1024;

    /** A {@code maxFrameSize} that turns the frame size check off. */
    public static final long UNLIMITED_FRAME_SIZE = Long.MAX_VALUE;

    public static final int DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;
    public static final int DEFAULT_MAX_AGGREGATE_LENGTH = 1024 * 1024;
    public static final int DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;
    public static final int DEFAULT_MAX_NESTING_DEPTH = 128;
    public static final long DEFAULT_MAX_FRAME_SIZE = 1024L * 1024 * 1024;

    /** Redis's own limits. */
    public static final RespLimits DEFAULTS = new RespLimits(
            DEFAULT_MAX_BULK_LENGTH,
            DEFAULT_MAX_AGGREGATE_LENGTH,
            DEFAULT_MAX_INLINE_LENGTH,
            DEFAULT_MAX_NESTING_DEPTH,
            DEFAULT_MAX_FRAME_SIZE);

    /** @throws IllegalArgumentException naming the first setting out of range */
    public RespLimits {
        checkRange("maxBulkLength", maxBulkLength, 1, MAX_BULK_LENGTH_LIMIT);
        checkRange("maxAggregateLength", maxAggregateLength, 1, Integer.MAX_VALUE);
        checkRange("maxInlineLength", maxInlineLength, MIN_INLINE_LENGTH, MAX_INLINE_LENGTH_LIMIT);
        checkRange("maxNestingDepth", maxNestingDepth, 1, MAX_NESTING_DEPTH_LIMIT);
        checkRange("maxFrameSize", maxFrameSize, 1, Long.MAX_VALUE);
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static long checkRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    /** Builds {@link RespLimits}; each setter rejects an out-of-range value at once, naming it. Not thread-safe. */
    public static final class Builder {
        private int maxBulkLength;
        private int maxAggregateLength;
        private int maxInlineLength;
        private int maxNestingDepth;
        private long maxFrameSize;

        private Builder(RespLimits from) {
            maxBulkLength = from.maxBulkLength;
            maxAggregateLength = from.maxAggregateLength;
            maxInlineLength = from.maxInlineLength;
            maxNestingDepth = from.maxNestingDepth;
            maxFrameSize = from.maxFrameSize;
        }

        public Builder maxBulkLength(int value) {
            maxBulkLength = (int) checkRange("maxBulkLength", value, 1, MAX_BULK_LENGTH_LIMIT);
            return this;
        }

        public Builder maxAggregateLength(int value) {
            maxAggregateLength = (int) checkRange("maxAggregateLength", value, 1, Integer.MAX_VALUE);
            return this;
        }

        public Builder maxInlineLength(int value) {
            maxInlineLength = (int) checkRange("maxInlineLength", value, MIN_INLINE_LENGTH, MAX_INLINE_LENGTH_LIMIT);
            return this;
        }

        public Builder maxNestingDepth(int value) {
            maxNestingDepth = (int) checkRange("maxNestingDepth", value, 1, MAX_NESTING_DEPTH_LIMIT);
            return this;
        }

        public Builder maxFrameSize(long value) {
            maxFrameSize = checkRange("maxFrameSize", value, 1, Long.MAX_VALUE);
            return this;
        }

        public RespLimits build() {
            return new RespLimits(maxBulkLength, maxAggregateLength, maxInlineLength, maxNestingDepth, maxFrameSize);
        }
    }
}
