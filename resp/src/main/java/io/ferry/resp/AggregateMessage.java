package io.ferry.resp;

import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A RESP aggregate whose elements are complete messages: array, set, push or map.
 *
 * <p>Reference counted: the aggregate owns its elements and releases them when its own count drops to
 * zero; do not release an element obtained from it. The element list is immutable.
 */
public abstract sealed class AggregateMessage extends AbstractReferenceCounted implements RespMessage
        permits ArrayMessage, SetMessage, PushMessage, MapMessage {

    private static final int TO_STRING_MAX_ELEMENTS = 16;

    private final List<RespMessage> elements;

    /** Adopts {@code elements} without copying; the caller must not touch the list afterwards. */
    AggregateMessage(List<RespMessage> elements) {
        this.elements = Collections.unmodifiableList(elements);
    }

    /** A copy of {@code elements} that rejects nulls, for the public factories. */
    static List<RespMessage> copyOf(List<? extends RespMessage> elements) {
        List<RespMessage> copy = new ArrayList<>(elements.size());
        for (RespMessage element : elements) {
            copy.add(Objects.requireNonNull(element, "element"));
        }
        return copy;
    }

    /** The elements in wire order; for a map, keys and values alternate. */
    public final List<RespMessage> elements() {
        return elements;
    }

    /** Element count on the wire (for a map, twice its entry count). */
    public final int size() {
        return elements.size();
    }

    public final RespMessage get(int index) {
        return elements.get(index);
    }

    @Override
    protected final void deallocate() {
        for (RespMessage element : elements) {
            ReferenceCountUtil.release(element);
        }
    }

    @Override
    public final AggregateMessage touch(Object hint) {
        for (RespMessage element : elements) {
            ReferenceCountUtil.touch(element, hint);
        }
        return this;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && elements.equals(((AggregateMessage) o).elements);
    }

    @Override
    public final int hashCode() {
        return 31 * getClass().hashCode() + elements.hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + render(elements);
    }

    /** Renders at most the first few elements, so logging a million-element reply stays cheap. */
    static String render(List<?> elements) {
        int shown = Math.min(elements.size(), TO_STRING_MAX_ELEMENTS);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(elements.get(i));
        }
        if (shown < elements.size()) {
            sb.append(", ...(").append(elements.size()).append(" elements)");
        }
        return sb.append(']').toString();
    }
}
