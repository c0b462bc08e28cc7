package io.ferry.resp;

import java.util.Arrays;
import java.util.List;

/**
 * A RESP array ({@code *2\r\n...}). A null array is {@link NullMessage#RESP2_ARRAY}; a RESP3 streamed array ({@code *?}) decodes to this type too.
 *
 * <p>Reference counted; owns and releases its elements. See {@link AggregateMessage}.
 */
public final class ArrayMessage extends AggregateMessage {

    ArrayMessage(List<RespMessage> elements) {
        super(elements);
    }

    /** Takes ownership of {@code elements}. */
    public static ArrayMessage of(RespMessage... elements) {
        return new ArrayMessage(copyOf(Arrays.asList(elements)));
    }

    /** Takes ownership of the elements of {@code elements} (the list itself is copied). */
    public static ArrayMessage of(List<? extends RespMessage> elements) {
        return new ArrayMessage(copyOf(elements));
    }

    @Override
    public RespType type() {
        return RespType.ARRAY;
    }
}
