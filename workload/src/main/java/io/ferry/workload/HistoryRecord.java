package io.ferry.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One write of the workload as the history file holds it: which connection sent it (every workload key is owned by
 * one connection), its sequence number on that connection, when it was sent and when its reply came (epoch ms), the
 * outcome, the reply, and the command with its arguments (the key second). One line per write, tab-separated:
 *
 * <pre>conn  seq  sent-ms  acked-ms  outcome  reply  COMMAND  key  args...</pre>
 *
 * <p>The reply is written with a type prefix: {@code +OK}, {@code :5} (an integer), {@code $text} (a bulk string),
 * {@code _} (nil), {@code -message} (an error). Tabs, newlines and backslashes in any field are escaped ({@code \t},
 * {@code \n}, {@code \r}, {@code \\}), so a line is always one record. Immutable.
 *
 * @param outcome {@link Outcome#ACK} only when the server acknowledged the write with a reply that is not an error
 */
public record HistoryRecord(
        int connection,
        long seq,
        long sentMillis,
        long ackedMillis,
        Outcome outcome,
        String reply,
        List<String> command) {
    /** The first line of every history file. */
    public static final String HEADER = "# ferry workload history v1";

    /** What became of a write. */
    public enum Outcome {
        /** Acknowledged: the server replied, not with an error. */
        ACK,
        /** The server replied with an error: it may or may not have applied part of it (a proxy's target). */
        ERROR,
        /** No reply (connection lost, timeout): it may or may not have been applied. */
        NO_REPLY
    }

    public HistoryRecord {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
        command = List.copyOf(command);
        if (command.size() < 2) {
            throw new IllegalArgumentException("a history record needs a command and a key: " + command);
        }
    }

    /** The command's name, upper case. */
    public String name() {
        return command.get(0);
    }

    /** The key written. */
    public String key() {
        return command.get(1);
    }

    /** The argument at {@code index} (0 is the command's name, 1 the key). */
    public String arg(int index) {
        return command.get(index);
    }

    public boolean acknowledged() {
        return outcome == Outcome.ACK;
    }

    /** The reply's type prefix ({@code + : $ _ -}). */
    public char replyType() {
        return reply.isEmpty() ? '_' : reply.charAt(0);
    }

    /** The reply without its type prefix. */
    public String replyText() {
        return reply.isEmpty() ? "" : reply.substring(1);
    }

    /** The reply as an integer. */
    public long replyLong() {
        if (replyType() != ':') {
            throw new IllegalStateException("reply " + reply + " of " + name() + " is not an integer");
        }
        return Long.parseLong(replyText());
    }

    /** The line written to the history file, without its line end. */
    public String toLine() {
        StringBuilder line = new StringBuilder(64);
        line.append(connection)
                .append('\t')
                .append(seq)
                .append('\t')
                .append(sentMillis)
                .append('\t')
                .append(ackedMillis)
                .append('\t')
                .append(outcome.name())
                .append('\t');
        escape(reply, line);
        for (String part : command) {
            line.append('\t');
            escape(part, line);
        }
        return line.toString();
    }

    /**
     * Reads one line of a history file.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static HistoryRecord parse(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\t') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\\') {
                if (++i == line.length()) {
                    throw new IllegalArgumentException("a history line ends in the middle of an escape");
                }
                char escaped = line.charAt(i);
                field.append(
                        switch (escaped) {
                            case 't' -> '\t';
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case '\\' -> '\\';
                            default -> throw new IllegalArgumentException("unknown escape \\" + escaped);
                        });
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        if (fields.size() < 8) {
            throw new IllegalArgumentException(
                    "a history line has " + fields.size() + " fields (expected: at least 8)");
        }
        try {
            return new HistoryRecord(
                    Integer.parseInt(fields.get(0)),
                    Long.parseLong(fields.get(1)),
                    Long.parseLong(fields.get(2)),
                    Long.parseLong(fields.get(3)),
                    Outcome.valueOf(fields.get(4)),
                    fields.get(5),
                    fields.subList(6, fields.size()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a history line has a field that is not a number: " + e.getMessage());
        }
    }

    private static void escape(String text, StringBuilder out) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
    }
}
