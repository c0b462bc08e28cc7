package io.ferry.resp;

/**
 * The RESP2 and RESP3 data types, each with the byte that introduces it on the wire.
 *
 * <p>{@link #NULL} covers the RESP3 null {@code _} and the RESP2 nulls {@code $-1} and {@code *-1};
 * which of these a {@link NullMessage} stands for is kept by the message itself.
 */
public enum RespType {
    SIMPLE_STRING('+'),
    ERROR('-'),
    INTEGER(':'),
    BULK_STRING('$'),
    ARRAY('*'),
    NULL('_'),
    BOOLEAN('#'),
    DOUBLE(','),
    BIG_NUMBER('('),
    BULK_ERROR('!'),
    VERBATIM_STRING('='),
    MAP('%'),
    SET('~'),
    ATTRIBUTE('|'),
    PUSH('>');

    private static final RespType[] BY_PREFIX = new RespType[128];

    static {
        for (RespType type : values()) {
            BY_PREFIX[type.prefix] = type;
        }
    }

    private final byte prefix;

    RespType(char prefix) {
        this.prefix = (byte) prefix;
    }

    /** The byte that introduces this type on the wire. */
    public byte prefix() {
        return prefix;
    }

    /** The type introduced by {@code prefix}, or {@code null} when no RESP type starts with it. */
    public static RespType fromPrefix(byte prefix) {
        return prefix >= 0 ? BY_PREFIX[prefix] : null;
    }
}
