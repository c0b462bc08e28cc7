package io.ferry.mover;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Commands sent as the server spells them, with byte arguments and raw replies (bulks as {@code byte[]},
 * integers as {@code Long}, nested arrays as lists): scores, stream IDs and cursors travel as the exact
 * bytes the source sent, never through a double or a typed cursor. The first byte argument is the key,
 * by which a cluster connection routes. Synchronous; the connection must have auto-flush on.
 */
final class RawCommands {
    private final Side side;

    RawCommands(Side side) {
        this.side = side;
    }

    /** A reply that is an array (possibly nested), or null for a null reply. */
    List<Object> array(String command, Object... args) {
        return side.sync().dispatch(keyword(command), new ArrayOutput<>(ByteArrayCodec.INSTANCE), args(args));
    }

    /** An integer reply. */
    long integer(String command, Object... args) {
        Long reply = side.sync().dispatch(keyword(command), new IntegerOutput<>(ByteArrayCodec.INSTANCE), args(args));
        return reply == null ? 0 : reply;
    }

    /** A status reply such as OK, or a bulk reply read as text. */
    String status(String command, Object... args) {
        return side.sync().dispatch(keyword(command), new StatusOutput<>(ByteArrayCodec.INSTANCE), args(args));
    }

    /**
     * Sends one command per argument list without waiting between them (one pipelined burst), then
     * waits for every reply; the first error, if any, is thrown once all have arrived.
     */
    void pipeline(String command, List<Object[]> argLists) {
        ProtocolKeyword keyword = keyword(command);
        List<RedisFuture<List<Object>>> replies = new ArrayList<>(argLists.size());
        for (Object[] args : argLists) {
            replies.add(side.async().dispatch(keyword, new ArrayOutput<>(ByteArrayCodec.INSTANCE), args(args)));
        }
        RuntimeException first = null;
        for (RedisFuture<List<Object>> reply : replies) {
            try {
                reply.get(side.connection().getTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisCommandInterruptedException(e);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException cause ? cause : new RedisException(e.getCause());
                }
            } catch (TimeoutException e) {
                if (first == null) {
                    first = new RedisCommandTimeoutException(command + ": no reply in time");
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The first byte argument is the key (a cluster connection routes the command by it). */
    private static CommandArgs<byte[], byte[]> args(Object... args) {
        CommandArgs<byte[], byte[]> out = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        boolean keyed = false;
        for (Object arg : args) {
            if (arg instanceof byte[] bytes && !keyed) {
                out.addKey(bytes);
                keyed = true;
            } else if (arg instanceof byte[] bytes) {
                out.add(bytes);
            } else if (arg instanceof List<?> list) {
                for (Object item : list) {
                    out.add((byte[]) item);
                }
            } else {
                out.add(String.valueOf(arg).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static String text(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return String.valueOf(reply);
    }

    private static ProtocolKeyword keyword(String command) {
        byte[] bytes = command.getBytes(StandardCharsets.US_ASCII);
        return new ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return bytes;
            }

            @Override
            public String toString() {
                return command;
            }
        };
    }
}
