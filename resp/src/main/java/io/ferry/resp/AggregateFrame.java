package io.ferry.resp;

import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/** An aggregate the decoder has started but not finished: one level of its explicit stack. */
final class AggregateFrame {

    /** Initial element capacity: never sized by the count a peer declares. */
    private static final int MAX_INITIAL_CAPACITY = 16;

    private final RespType type;
    private final long expected;
    private final long limit;
    private final List<RespMessage> elements;
    private MapMessage pendingAttribute;

    /**
     * @param expected elements to read (a map's entry count doubled), or -1 for a streamed aggregate
     * @param limit the most elements a streamed aggregate may collect
     */
    AggregateFrame(RespType type, long expected, long limit) {
        this.type = type;
        this.expected = expected;
        this.limit = limit;
        this.elements =
                new ArrayList<>(expected < 0 ? MAX_INITIAL_CAPACITY : (int) Math.min(expected, MAX_INITIAL_CAPACITY));
    }

    RespType type() {
        return type;
    }

    boolean streamed() {
        return expected < 0;
    }

    /** Adds {@code value}, joined with the attribute that preceded it if any. */
    void add(RespMessage value) {
        if (pendingAttribute != null) {
            value = new AttributeMessage(pendingAttribute, value);
            pendingAttribute = null;
        }
        elements.add(value);
    }

    boolean complete() {
        return elements.size() == expected;
    }

    boolean overLimit() {
        return streamed() && elements.size() > limit;
    }

    /** True for a streamed map that has a key without its value. */
    boolean unpaired() {
        return (type == RespType.MAP) && elements.size() % 2 != 0;
    }

    MapMessage pendingAttribute() {
        return pendingAttribute;
    }

    void pendingAttribute(MapMessage attribute) {
        pendingAttribute = attribute;
    }

    /** The finished message; ownership of the elements moves to it. */
    RespMessage build() {
        return switch (type) {
            case ARRAY -> new ArrayMessage(elements);
            case SET -> new SetMessage(elements);
            case PUSH -> new PushMessage(elements);
            case MAP, ATTRIBUTE -> new MapMessage(elements);
            default -> throw new IllegalStateException("Not an aggregate: " + type);
        };
    }

    /** Releases what was collected; for a frame abandoned on error or close. */
    void release() {
        for (RespMessage element : elements) {
            ReferenceCountUtil.release(element);
        }
        elements.clear();
        if (pendingAttribute != null) {
            pendingAttribute.release();
            pendingAttribute = null;
        }
    }
}
