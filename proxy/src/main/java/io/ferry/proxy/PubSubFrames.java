package io.ferry.proxy;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.ArrayMessage;
import io.ferry.resp.AsciiText;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SimpleStringMessage;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Recognises the frames Redis sends a subscribed connection on its own: messages, and the
 * confirmations of (un)subscribing, which carry the number of subscriptions left. In RESP3 they are
 * pushes; in RESP2 they are arrays, told apart from replies by their shape.
 */
final class PubSubFrames {
    /** Not a subscription frame. */
    static final long NONE = -2;
    /** A message, or a push that is not about subscriptions (for example a tracking invalidation). */
    static final long MESSAGE = -1;

    private static final byte[][] MESSAGE_KINDS = {ascii("message"), ascii("pmessage"), ascii("smessage")};
    private static final byte[][] COUNT_KINDS = {
        ascii("subscribe"),
        ascii("psubscribe"),
        ascii("ssubscribe"),
        ascii("unsubscribe"),
        ascii("punsubscribe"),
        ascii("sunsubscribe")
    };

    private PubSubFrames() {}

    /**
     * For a (un)subscribe confirmation, the number of subscriptions the connection has left (0 or
     * more); {@link #MESSAGE} for a message or another push; {@link #NONE} for a reply to a command.
     * Messages in RESP2 arrays are recognised only when {@code subscribed}: a reply never arrives
     * then that looks like one, while an LRANGE at another time may.
     */
    static long classify(RespMessage reply, boolean subscribed) {
        if (!(reply instanceof PushMessage || reply instanceof ArrayMessage)) {
            return NONE;
        }
        AggregateMessage aggregate = (AggregateMessage) reply;
        ByteBuf kind = aggregate.size() == 0 ? null : kindOf(aggregate.get(0));
        if (kind != null && aggregate.size() == 3 && aggregate.get(2) instanceof IntegerMessage count) {
            for (byte[] name : COUNT_KINDS) {
                if (AsciiText.equalsIgnoreCase(kind, name)) {
                    return Math.max(0, count.value());
                }
            }
        }
        if (reply instanceof PushMessage) {
            return MESSAGE;
        }
        if (subscribed && kind != null) {
            for (byte[] name : MESSAGE_KINDS) {
                if (AsciiText.equalsIgnoreCase(kind, name)) {
                    return MESSAGE;
                }
            }
        }
        return NONE;
    }

    private static ByteBuf kindOf(RespMessage first) {
        if (first instanceof BulkStringMessage bulk) {
            return bulk.content();
        }
        if (first instanceof SimpleStringMessage simple) {
            return simple.content();
        }
        return null;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
