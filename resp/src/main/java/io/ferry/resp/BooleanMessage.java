package io.ferry.resp;

/** A RESP3 boolean ({@code #t} or {@code #f}). Immutable singletons. */
public enum BooleanMessage implements RespMessage {
    TRUE,
    FALSE;

    public static BooleanMessage of(boolean value) {
        return value ? TRUE : FALSE;
    }

    public boolean value() {
        return this == TRUE;
    }

    @Override
    public RespType type() {
        return RespType.BOOLEAN;
    }
}
