package io.ferry.resp.command;

import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.MapMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SetMessage;
import io.ferry.resp.SimpleStringMessage;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Builds RESP replies and commands for the command-table tests. */
final class TestReplies {

    private TestReplies() {}

    /** A RESP2 array: strings become bulk strings, ints integers, lists arrays, messages themselves. */
    static ArrayMessage array(Object... elements) {
        return ArrayMessage.of(messages(elements, TestReplies::array));
    }

    /** A RESP3 map of alternating keys and values, converted as by {@link #array}. */
    static MapMessage map(Object... keysAndValues) {
        return MapMessage.of(messages(keysAndValues, TestReplies::array));
    }

    /** A RESP3 set of simple strings. */
    static SetMessage set(String... values) {
        List<RespMessage> elements = new ArrayList<>();
        for (String value : values) {
            elements.add(SimpleStringMessage.of(value));
        }
        return SetMessage.of(elements);
    }

    /** An array of simple strings, as Redis sends flags and categories. */
    static ArrayMessage statuses(String... values) {
        List<RespMessage> elements = new ArrayList<>();
        for (String value : values) {
            elements.add(SimpleStringMessage.of(value));
        }
        return ArrayMessage.of(elements);
    }

    private static List<RespMessage> messages(Object[] values, Function<Object[], RespMessage> listToMessage) {
        List<RespMessage> messages = new ArrayList<>(values.length);
        for (Object value : values) {
            if (value instanceof RespMessage message) {
                messages.add(message);
            } else if (value instanceof String text) {
                messages.add(BulkStringMessage.of(text));
            } else if (value instanceof Integer number) {
                messages.add(IntegerMessage.of(number));
            } else if (value instanceof List<?> list) {
                messages.add(listToMessage.apply(list.toArray()));
            } else {
                throw new IllegalArgumentException("cannot convert " + value);
            }
        }
        return messages;
    }

    static CommandMessage command(String line) {
        return CommandMessage.of(line.isEmpty() ? new String[] {""} : line.split(" ", -1));
    }

    /** The arguments at {@code positions}, as strings. */
    static List<String> argsAt(CommandMessage command, KeyPositions positions) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < positions.count(); i++) {
            keys.add(command.arg(positions.index(i)).toString(StandardCharsets.UTF_8));
        }
        return keys;
    }

    /** Bytes this thread allocated on the heap while running {@code action} (HotSpot). */
    static long allocatedBytesDuring(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
