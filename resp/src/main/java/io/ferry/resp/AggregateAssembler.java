package io.ferry.resp;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Builds nested aggregates out of the values {@link RespDecoder} reads one at a time, on an explicit
 * stack bounded by {@link RespLimits#maxNestingDepth()}, and joins each RESP3 attribute with the value
 * that follows it. Owns every unfinished element until the finished message is emitted. Used by one
 * decoder, on its event loop.
 */
final class AggregateAssembler {

    private final RespLimits limits;
    /** The aggregates being filled, innermost first. */
    private final ArrayDeque<AggregateFrame> stack = new ArrayDeque<>();
    /** An attribute read at top level, waiting for the value it annotates. */
    private MapMessage topLevelAttribute;

    AggregateAssembler(RespLimits limits) {
        this.limits = limits;
    }

    /** True between frames: nothing is open and no attribute waits for its value. */
    boolean idle() {
        return stack.isEmpty() && topLevelAttribute == null;
    }

    /**
     * Starts an aggregate of {@code elements} elements (a map's entry count doubled), or a streamed one
     * when {@code elements} is -1, which may then collect up to {@code streamedLimit} elements.
     */
    void open(RespType type, long elements, long streamedLimit, List<Object> out) {
        if (stack.size() >= limits.maxNestingDepth()) {
            throw new RespProtocolException(
                    "Protocol error: too deep nesting",
                    "depth: " + (stack.size() + 1) + " (expected: <= " + limits.maxNestingDepth() + ")");
        }
        AggregateFrame frame = new AggregateFrame(type, elements, streamedLimit);
        if (elements == 0) {
            finish(frame, out);
        } else {
            stack.push(frame);
        }
    }

    /** Ends the innermost streamed aggregate, on its {@code .} line. */
    void endStreamed(List<Object> out) {
        AggregateFrame top = stack.peek();
        if (top == null || !top.streamed()) {
            throw new RespProtocolException("Protocol error: unexpected '.'", "outside a streamed aggregate");
        }
        if (top.pendingAttribute() != null) {
            throw new RespProtocolException(
                    "Protocol error: attribute without a value", "before the end of a streamed aggregate");
        }
        if (top.unpaired()) {
            throw new RespProtocolException("Protocol error: invalid map length", "a streamed map ended after a key");
        }
        stack.pop();
        finish(top, out);
    }

    /** Hands a complete value to the aggregate being filled, or emits it to {@code out} as a whole frame. */
    void deliver(RespMessage value, List<Object> out) {
        for (; ; ) {
            AggregateFrame top = stack.peek();
            if (top == null) {
                if (topLevelAttribute != null) {
                    value = new AttributeMessage(topLevelAttribute, value);
                    topLevelAttribute = null;
                }
                out.add(value);
                return;
            }
            top.add(value);
            if (top.overLimit()) {
                throw new RespProtocolException(
                        RespDecoder.lengthError(top.type().prefix()),
                        "streamed elements: more than " + limits.maxAggregateLength() + " (expected: <= "
                                + limits.maxAggregateLength() + ")");
            }
            if (!top.complete()) {
                return;
            }
            stack.pop();
            value = top.build();
            if (top.type() == RespType.ATTRIBUTE) {
                attach((MapMessage) value);
                return;
            }
        }
    }

    /** Releases everything unfinished; for a frame abandoned on error or close. */
    void release() {
        for (AggregateFrame frame : stack) {
            frame.release();
        }
        stack.clear();
        if (topLevelAttribute != null) {
            topLevelAttribute.release();
            topLevelAttribute = null;
        }
    }

    /** An attribute waits for the value it annotates; anything else is delivered. */
    private void finish(AggregateFrame frame, List<Object> out) {
        RespMessage built = frame.build();
        if (frame.type() == RespType.ATTRIBUTE) {
            attach((MapMessage) built);
        } else {
            deliver(built, out);
        }
    }

    private void attach(MapMessage attribute) {
        AggregateFrame top = stack.peek();
        MapMessage pending = top == null ? topLevelAttribute : top.pendingAttribute();
        // Attributes that arrive back to back annotate the same value: join them.
        MapMessage joined = pending == null ? attribute : MapMessage.concat(pending, attribute);
        if (top == null) {
            topLevelAttribute = joined;
        } else {
            top.pendingAttribute(joined);
        }
    }
}
