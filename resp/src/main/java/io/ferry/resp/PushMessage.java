package io.ferry.resp;

import java.util.Arrays;
import java.util.List;

/**
 * A RESP3 push ({@code >3\r\n...}): out-of-band data such as a pub/sub message or a client-tracking invalidation, not the reply to a command.
 *
 * <p>Reference counted; owns and releases its elements. See {@link AggregateMessage}.
 */
public final class PushMessage extends AggregateMessage {

    PushMessage(List<RespMessage> elements) {
        super(elements);
    }

    /** Takes ownership of {@code elements}. */
    public static PushMessage of(RespMessage... elements) {
        return new PushMessage(copyOf(Arrays.asList(elements)));
    }

    /** Takes ownership of the elements of {@code elements} (the list itself is copied). */
    public static PushMessage of(List<? extends RespMessage> elements) {
        return new PushMessage(copyOf(elements));
    }

    @Override
    public RespType type() {
        return RespType.PUSH;
    }
}
