package io.ferry.capture;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.AsciiText;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespType;
import io.ferry.resp.SimpleStringMessage;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * What a connection's earlier commands changed about the ones after them, as the capture follows it:
 * the selected db, the protocol (HELLO), whether replies are sent (CLIENT REPLY), and the Pub/Sub
 * subscriptions (which decide whether an array from the server is a reply or a message). Reads
 * commands as they are parsed and replies as they are paired. Owned by one {@link RespPairer}; not
 * thread-safe.
 */
final class ConnectionState {
    private static final byte[] SELECT = ascii("SELECT");
    private static final byte[] HELLO = ascii("HELLO");
    private static final byte[] CLIENT = ascii("CLIENT");
    private static final byte[] REPLY = ascii("REPLY");
    private static final byte[] ON = ascii("ON");
    private static final byte[] OFF = ascii("OFF");
    private static final byte[] SKIP = ascii("SKIP");
    private static final byte[] RESET = ascii("RESET");
    /** The subscribe family; a {@link PendingCommand#subscribeKind} indexes these. */
    private static final byte[][] SUBSCRIBE_NAMES = {
        ascii("SUBSCRIBE"),
        ascii("PSUBSCRIBE"),
        ascii("SSUBSCRIBE"),
        ascii("UNSUBSCRIBE"),
        ascii("PUNSUBSCRIBE"),
        ascii("SUNSUBSCRIBE")
    };
    /** The first element of each one's confirmations. */
    private static final byte[][] SUBSCRIBE_KIND_BYTES = {
        ascii("subscribe"),
        ascii("psubscribe"),
        ascii("ssubscribe"),
        ascii("unsubscribe"),
        ascii("punsubscribe"),
        ascii("sunsubscribe")
    };

    private static final byte[] MESSAGE = ascii("message");
    private static final byte[] PMESSAGE = ascii("pmessage");
    private static final byte[] SMESSAGE = ascii("smessage");

    private enum ReplyMode {
        ON,
        OFF,
        SKIP_NEXT
    }

    private int db;
    private int protocol = 2;
    private ReplyMode replyMode = ReplyMode.ON;
    /** Subscriptions by family (channels, patterns, shard channels), as the confirmations counted them. */
    private final int[] subscriptions = new int[3];

    int db() {
        return db;
    }

    int protocol() {
        return protocol;
    }

    /** Follows CLIENT REPLY: whether {@code command} gets a reply. */
    boolean expectsNoReply(CommandMessage command) {
        if (command.argCount() == 3 && command.nameEquals(CLIENT) && command.argEqualsIgnoreCase(1, REPLY)) {
            if (command.argEqualsIgnoreCase(2, ON)) {
                replyMode = ReplyMode.ON;
                return false;
            }
            if (command.argEqualsIgnoreCase(2, OFF)) {
                replyMode = ReplyMode.OFF;
                return true;
            }
            if (command.argEqualsIgnoreCase(2, SKIP)) {
                if (replyMode == ReplyMode.ON) {
                    replyMode = ReplyMode.SKIP_NEXT;
                }
                return true;
            }
            return false; // a syntax error, answered as such
        }
        if (replyMode == ReplyMode.SKIP_NEXT) {
            replyMode = ReplyMode.ON;
            return true;
        }
        return replyMode == ReplyMode.OFF;
    }

    void classify(CommandMessage command, PendingCommand entry) {
        if (command.nameEquals(SELECT) && command.argCount() == 2) {
            Integer value = smallInteger(command.arg(1));
            if (value != null) {
                entry.effect = PendingCommand.Effect.SELECT;
                entry.effectValue = value;
            }
        } else if (command.nameEquals(HELLO) && command.argCount() >= 2) {
            Integer value = smallInteger(command.arg(1));
            if (value != null && (value == 2 || value == 3)) {
                entry.effect = PendingCommand.Effect.HELLO;
                entry.effectValue = value;
            }
        } else if (command.nameEquals(RESET) && command.argCount() == 1) {
            entry.effect = PendingCommand.Effect.RESET;
        } else {
            for (int kind = 0; kind < SUBSCRIBE_NAMES.length; kind++) {
                if (command.nameEquals(SUBSCRIBE_NAMES[kind])) {
                    entry.subscribeKind = kind;
                    int channels = command.argCount() - 1;
                    entry.confirmationsLeft = channels > 0 ? channels : Math.max(1, subscriptions[kind % 3]);
                    return;
                }
            }
        }
    }

    boolean isConfirmation(RespMessage reply, int kind) {
        if (!(reply instanceof AggregateMessage aggregate)
                || (reply.type() != RespType.ARRAY && reply.type() != RespType.PUSH)
                || aggregate.size() != 3) {
            return false;
        }
        return aggregate.get(0) instanceof BulkStringMessage name
                && AsciiText.equalsIgnoreCase(name.content(), SUBSCRIBE_KIND_BYTES[kind]);
    }

    void countConfirmation(RespMessage reply, int kind) {
        int family = kind % 3;
        if (kind < 3) {
            subscriptions[family]++;
        } else if (subscriptions[family] > 0) {
            subscriptions[family]--;
        }
        if (((AggregateMessage) reply).get(2) instanceof IntegerMessage count && count.value() == 0 && family < 2) {
            // The server's own count: channels and patterns together.
            subscriptions[0] = 0;
            subscriptions[1] = 0;
        }
    }

    boolean isPush(RespMessage reply) {
        if (reply.type() == RespType.PUSH) {
            return true;
        }
        if (reply.type() != RespType.ARRAY || subscriptions[0] + subscriptions[1] + subscriptions[2] == 0) {
            return false;
        }
        AggregateMessage array = (AggregateMessage) reply;
        return array.size() >= 3
                && array.get(0) instanceof BulkStringMessage kind
                && (AsciiText.equalsIgnoreCase(kind.content(), MESSAGE)
                        || AsciiText.equalsIgnoreCase(kind.content(), PMESSAGE)
                        || AsciiText.equalsIgnoreCase(kind.content(), SMESSAGE));
    }

    void apply(PendingCommand entry, RespMessage reply) {
        if (reply != null && (reply.type() == RespType.ERROR || reply.type() == RespType.BULK_ERROR)) {
            return;
        }
        switch (entry.effect) {
            case SELECT -> {
                // Queued in a transaction, a SELECT takes effect at EXEC: not followed (see docs/capture.md).
                if (reply == null || isSimple(reply, "OK")) {
                    db = entry.effectValue;
                }
            }
            case HELLO -> protocol = entry.effectValue;
            case RESET -> {
                if (reply == null || isSimple(reply, "RESET")) {
                    db = 0;
                    protocol = 2;
                    replyMode = ReplyMode.ON;
                    subscriptions[0] = 0;
                    subscriptions[1] = 0;
                    subscriptions[2] = 0;
                }
            }
            case NONE -> {}
        }
    }

    private static boolean isSimple(RespMessage reply, String text) {
        return reply instanceof SimpleStringMessage simple && simple.text().equals(text);
    }

    private static Integer smallInteger(ByteBuf arg) {
        int length = arg.readableBytes();
        if (length == 0 || length > 9) {
            return null;
        }
        int value = 0;
        for (int i = arg.readerIndex(); i < arg.writerIndex(); i++) {
            byte b = arg.getByte(i);
            if (b < '0' || b > '9') {
                return null;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
