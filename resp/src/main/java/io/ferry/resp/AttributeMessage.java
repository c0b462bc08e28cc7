package io.ferry.resp;

import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCountUtil;

import java.util.Objects;

/**
 * A RESP3 attribute ({@code |1\r\n...}) together with the value it annotates. On the wire the
 * attribute precedes the value; the decoder joins the two into one message so that one reply still
 * counts as one message, also inside an aggregate. The value carries the actual type of the reply.
 *
 * <p>Reference counted; owns and releases both the attributes and the value.
 */
public final class AttributeMessage extends AbstractReferenceCounted implements RespMessage {

    private final MapMessage attributes;
    private final RespMessage value;

    /** Takes ownership of both. */
    public AttributeMessage(MapMessage attributes, RespMessage value) {
        this.attributes = Objects.requireNonNull(attributes, "attributes");
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The value itself when {@code message} is an attribute message, else {@code message}. */
    public static RespMessage unwrap(RespMessage message) {
        return message instanceof AttributeMessage attributed ? attributed.value : message;
    }

    public MapMessage attributes() {
        return attributes;
    }

    public RespMessage value() {
        return value;
    }

    @Override
    public RespType type() {
        return RespType.ATTRIBUTE;
    }

    @Override
    protected void deallocate() {
        try {
            attributes.release();
        } finally {
            ReferenceCountUtil.release(value);
        }
    }

    @Override
    public AttributeMessage touch(Object hint) {
        attributes.touch(hint);
        ReferenceCountUtil.touch(value, hint);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttributeMessage other && attributes.equals(other.attributes) && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return 31 * attributes.hashCode() + value.hashCode();
    }

    @Override
    public String toString() {
        return "AttributeMessage[" + AggregateMessage.render(attributes.elements()) + " " + value + ']';
    }
}
