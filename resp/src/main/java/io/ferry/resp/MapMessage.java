package io.ferry.resp;

import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A RESP3 map ({@code %2\r\n...}), also the attribute set of an {@link AttributeMessage}. Kept as the
 * flat key, value, key, value... list from the wire, so order and duplicate keys survive a relay and no
 * hashing of binary keys is needed. A streamed map ({@code %?}) decodes to this type too.
 *
 * <p>Reference counted; owns and releases its keys and values. See {@link AggregateMessage}.
 */
public final class MapMessage extends AggregateMessage {

    MapMessage(List<RespMessage> keysAndValues) {
        super(keysAndValues);
    }

    /**
     * Takes ownership of the keys and values, which alternate.
     *
     * @throws IllegalArgumentException when given an odd number of messages
     */
    public static MapMessage of(RespMessage... keysAndValues) {
        return of(Arrays.asList(keysAndValues));
    }

    /**
     * Takes ownership of the keys and values, which alternate (the list itself is copied).
     *
     * @throws IllegalArgumentException when given an odd number of messages
     */
    public static MapMessage of(List<? extends RespMessage> keysAndValues) {
        if (keysAndValues.size() % 2 != 0) {
            throw new IllegalArgumentException("A map needs keys and values in pairs, got " + keysAndValues.size());
        }
        return new MapMessage(copyOf(keysAndValues));
    }

    /** Joins two attribute sets that arrived back to back; takes ownership of both. */
    static MapMessage concat(MapMessage first, MapMessage second) {
        List<RespMessage> joined = new ArrayList<>(first.size() + second.size());
        for (RespMessage element : first.elements()) {
            joined.add(ReferenceCountUtil.retain(element));
        }
        for (RespMessage element : second.elements()) {
            joined.add(ReferenceCountUtil.retain(element));
        }
        first.release();
        second.release();
        return new MapMessage(joined);
    }

    /** Number of key-value entries (the count on the wire). */
    public int entryCount() {
        return size() / 2;
    }

    public RespMessage key(int entry) {
        return get(2 * entry);
    }

    public RespMessage value(int entry) {
        return get(2 * entry + 1);
    }

    @Override
    public RespType type() {
        return RespType.MAP;
    }
}
