package io.ferry.resp;

/**
 * A RESP integer ({@code :1000}). Immutable; {@link #of(long)} returns shared instances for small
 * values, as the replies to most commands are 0, 1 or a small count.
 */
public record IntegerMessage(long value) implements RespMessage {

    private static final int MIN_CACHED = -1;
    private static final int MAX_CACHED = 1023;
    private static final IntegerMessage[] CACHE = new IntegerMessage[MAX_CACHED - MIN_CACHED + 1];

    static {
        for (int i = 0; i < CACHE.length; i++) {
            CACHE[i] = new IntegerMessage(i + MIN_CACHED);
        }
    }

    public static final IntegerMessage ZERO = of(0);
    public static final IntegerMessage ONE = of(1);
    public static final IntegerMessage MINUS_ONE = of(-1);

    /** The message for {@code value}, shared when the value is small. */
    public static IntegerMessage of(long value) {
        return value >= MIN_CACHED && value <= MAX_CACHED ? CACHE[(int) value - MIN_CACHED] : new IntegerMessage(value);
    }

    @Override
    public RespType type() {
        return RespType.INTEGER;
    }
}
