package io.ferry.resp;

/**
 * One complete RESP value: what {@link RespDecoder} emits and {@link RespEncoder} writes.
 *
 * <p>Messages that hold buffers implement {@link io.netty.util.ReferenceCounted}; the others are
 * immutable values. Callers release every message they own with {@link
 * io.netty.util.ReferenceCountUtil#release(Object)}, which is a no-op for the value types, so one rule
 * covers all of them. Reference counting is thread-safe, so a message may be handed to another thread
 * (for example a Kafka publisher) after a {@code retain()}; the buffers themselves must only be read,
 * never modified.
 */
public sealed interface RespMessage
        permits SimpleStringMessage,
                ErrorMessage,
                IntegerMessage,
                BulkStringMessage,
                NullMessage,
                BooleanMessage,
                DoubleMessage,
                BigNumberMessage,
                BulkErrorMessage,
                VerbatimStringMessage,
                AggregateMessage,
                AttributeMessage,
                CommandMessage {

    /** The wire type of this message. */
    RespType type();
}
