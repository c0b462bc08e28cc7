package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments exactly as Redis's {@code sdssplitargs} does, so a
 * command typed into telnet means the same through Ferry as it does to Redis: blanks separate
 * arguments; {@code "..."} allows the escapes {@code \n \r \t \b \a \xHH} and {@code \<any>}; {@code
 * '...'} allows only {@code \'}; a closing quote must be followed by a blank or the end of the line; a
 * NUL byte ends the line, as it ends the C string Redis splits.
 */
final class InlineCommandSplitter {

    static final String UNBALANCED_QUOTES = "Protocol error: unbalanced quotes in request";

    private InlineCommandSplitter() {}

    /**
     * The arguments of {@code buf[index, index + length)} (the line without its terminator), each a
     * buffer the caller owns; empty for a blank line.
     *
     * @throws RespProtocolException on unbalanced quotes or more than {@code maxArgs} arguments
     */
    static List<ByteBuf> split(ByteBuf buf, int index, int length, ByteBufAllocator alloc, int maxArgs) {
        Line line = new Line(buf, index, index + length);
        // Arguments are unescaped one after another into a single buffer no longer than the line, then
        // handed out as slices of it: one allocation per command, however many arguments.
        ByteBuf unescaped = null;
        List<Integer> lengths = new ArrayList<>();
        try {
            int p = index;
            for (; ; ) {
                while (line.at(p) != 0 && isSpace(line.at(p))) {
                    p++;
                }
                if (line.at(p) == 0) {
                    break;
                }
                if (lengths.size() == maxArgs) {
                    throw new RespProtocolException(
                            "Protocol error: invalid multibulk length",
                            "inline arguments: more than " + maxArgs + " (expected: <= " + maxArgs + ")");
                }
                if (unescaped == null) {
                    unescaped = alloc.heapBuffer(length);
                }
                int argStart = unescaped.writerIndex();
                p = readArgument(line, p, unescaped);
                lengths.add(unescaped.writerIndex() - argStart);
            }
            List<ByteBuf> args = new ArrayList<>(lengths.size());
            int offset = 0;
            for (int argLength : lengths) {
                args.add(unescaped.retainedSlice(offset, argLength));
                offset += argLength;
            }
            return args;
        } finally {
            if (unescaped != null) {
                unescaped.release();
            }
        }
    }

    /** Appends the argument starting at {@code p} to {@code out}; returns where the next one may start. */
    private static int readArgument(Line line, int p, ByteBuf out) {
        boolean inDoubleQuotes = false;
        boolean inSingleQuotes = false;
        boolean done = false;
        while (!done) {
            byte c = line.at(p);
            if (inDoubleQuotes) {
                if (c == '\\' && line.at(p + 1) == 'x' && isHex(line.at(p + 2)) && isHex(line.at(p + 3))) {
                    out.writeByte(hexValue(line.at(p + 2)) * 16 + hexValue(line.at(p + 3)));
                    p += 3;
                } else if (c == '\\' && line.at(p + 1) != 0) {
                    p++;
                    out.writeByte(unescape(line.at(p)));
                } else if (c == '"') {
                    requireBlankOrEnd(line.at(p + 1));
                    done = true;
                } else if (c == 0) {
                    throw new RespProtocolException(UNBALANCED_QUOTES, "unterminated \"");
                } else {
                    out.writeByte(c);
                }
            } else if (inSingleQuotes) {
                if (c == '\\' && line.at(p + 1) == '\'') {
                    p++;
                    out.writeByte('\'');
                } else if (c == '\'') {
                    requireBlankOrEnd(line.at(p + 1));
                    done = true;
                } else if (c == 0) {
                    throw new RespProtocolException(UNBALANCED_QUOTES, "unterminated '");
                } else {
                    out.writeByte(c);
                }
            } else {
                switch (c) {
                    case ' ', '\n', '\r', '\t', 0 -> done = true;
                    case '"' -> inDoubleQuotes = true;
                    case '\'' -> inSingleQuotes = true;
                    default -> out.writeByte(c);
                }
            }
            if (line.at(p) != 0) {
                p++;
            }
        }
        return p;
    }

    private static void requireBlankOrEnd(byte next) {
        if (next != 0 && !isSpace(next)) {
            throw new RespProtocolException(UNBALANCED_QUOTES, "closing quote followed by " + AsciiText.render(next));
        }
    }

    private static byte unescape(byte c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'a' -> 7;
            default -> c;
        };
    }

    /** C {@code isspace} in the C locale. */
    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hexValue(byte c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }

    /** The line as the C string Redis sees: reading at or past its end yields NUL. */
    private record Line(ByteBuf buf, int start, int end) {
        byte at(int i) {
            return i < end ? buf.getByte(i) : 0;
        }
    }
}
