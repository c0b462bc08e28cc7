package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A command sent by a client: one or more binary-safe arguments, the first being the command name.
 * On the wire it is an array of bulk strings ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}); {@link
 * RespDecoder#forRequests} also produces it from an inline command ({@code GET k\r\n}), and {@link
 * RespEncoder} always writes the array form, which every server accepts.
 *
 * <p>Arguments are read in place, without a String per command: {@link #argCount()}, {@link
 * #arg(int)} and {@link #nameEquals(byte[])}.
 *
 * <p>Reference counted: the command owns its argument buffers and releases them when its own count
 * drops to zero. Not thread-confined; the argument buffers must only be read.
 */
public final class CommandMessage extends AbstractReferenceCounted implements RespMessage {

    private final List<ByteBuf> args;

    /** Adopts {@code args} without copying; the caller must not touch the list afterwards. */
    CommandMessage(List<ByteBuf> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("A command needs at least its name");
        }
        this.args = Collections.unmodifiableList(args);
    }

    /** Takes ownership of {@code args}; the first is the command name. */
    public static CommandMessage of(ByteBuf... args) {
        List<ByteBuf> list = new ArrayList<>(args.length);
        for (ByteBuf arg : args) {
            list.add(Objects.requireNonNull(arg, "arg"));
        }
        return new CommandMessage(list);
    }

    /** A command of the UTF-8 bytes of {@code args}, for example {@code of("SET", "k", "v")}. */
    public static CommandMessage of(String... args) {
        List<ByteBuf> list = new ArrayList<>(args.length);
        for (String arg : args) {
            list.add(Unpooled.wrappedBuffer(arg.getBytes(StandardCharsets.UTF_8)));
        }
        return new CommandMessage(list);
    }

    @Override
    public RespType type() {
        return RespType.ARRAY;
    }

    /** Number of arguments, the command name included. */
    public int argCount() {
        return args.size();
    }

    /**
     * Argument {@code index} (0 is the command name), owned by this command: valid until the command
     * is released, not to be released by the caller nor have its indexes moved. Use {@code
     * retainedDuplicate()} to keep it longer.
     */
    public ByteBuf arg(int index) {
        return args.get(index);
    }

    /** All arguments, under the same rules as {@link #arg(int)}. */
    public List<ByteBuf> args() {
        return args;
    }

    /** True when the command name equals {@code name} ignoring ASCII case, e.g. {@code "get"} vs {@code GET}. */
    public boolean nameEquals(byte[] name) {
        return AsciiText.equalsIgnoreCase(args.get(0), name);
    }

    /** True when argument {@code index} equals {@code ascii} ignoring ASCII case (for options like {@code NX}). */
    public boolean argEqualsIgnoreCase(int index, byte[] ascii) {
        return AsciiText.equalsIgnoreCase(args.get(index), ascii);
    }

    @Override
    protected void deallocate() {
        for (ByteBuf arg : args) {
            ReferenceCountUtil.release(arg);
        }
    }

    @Override
    public CommandMessage touch(Object hint) {
        for (ByteBuf arg : args) {
            arg.touch(hint);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandMessage other && args.equals(other.args);
    }

    @Override
    public int hashCode() {
        return args.hashCode();
    }

    @Override
    public String toString() {
        // Bounded, so logging a command with a million arguments stays cheap.
        int shown = Math.min(args.size(), 16);
        StringBuilder sb = new StringBuilder("CommandMessage[");
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(AsciiText.render(args.get(i)));
        }
        if (shown < args.size()) {
            sb.append(", ...(").append(args.size()).append(" args)");
        }
        return sb.append(']').toString();
    }
}
