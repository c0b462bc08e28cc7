package io.ferry.resp;

import java.util.Arrays;
import java.util.List;

/**
 * A RESP3 set ({@code ~2\r\n...}), elements in wire order; duplicates are kept as received. A streamed set ({@code ~?}) decodes to this type too.
 *
 * <p>Reference counted; owns and releases its elements. See {@link AggregateMessage}.
 */
public final class SetMessage extends AggregateMessage {

    SetMessage(List<RespMessage> elements) {
        super(elements);
    }

    /** Takes ownership of {@code elements}. */
    public static SetMessage of(RespMessage... elements) {
        return new SetMessage(copyOf(Arrays.asList(elements)));
    }

    /** Takes ownership of the elements of {@code elements} (the list itself is copied). */
    public static SetMessage of(List<? extends RespMessage> elements) {
        return new SetMessage(copyOf(elements));
    }

    @Override
    public RespType type() {
        return RespType.SET;
    }
}
