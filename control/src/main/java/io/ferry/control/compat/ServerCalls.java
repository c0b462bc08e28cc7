package io.ferry.control.compat;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Commands Lettuce has no method for (MODULE LIST, ACL DRYRUN, ACL WHOAMI), sent as the server spells them:
 * string arguments as UTF-8, byte arrays as they are; replies raw (bulks as {@code byte[]}, integers as
 * {@code Long}, nested arrays as lists). Synchronous, on the caller's thread.
 */
final class ServerCalls {
    private ServerCalls() {}

    static List<Object> array(StatefulRedisConnection<byte[], byte[]> connection, String command, Object... args) {
        return connection.sync().dispatch(keyword(command), new ArrayOutput<>(ByteArrayCodec.INSTANCE), args(args));
    }

    static String status(StatefulRedisConnection<byte[], byte[]> connection, String command, Object... args) {
        return connection.sync().dispatch(keyword(command), new StatusOutput<>(ByteArrayCodec.INSTANCE), args(args));
    }

    static String text(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static CommandArgs<byte[], byte[]> args(Object... args) {
        CommandArgs<byte[], byte[]> out = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        for (Object arg : args) {
            out.add(arg instanceof byte[] bytes ? bytes : bytes(String.valueOf(arg)));
        }
        return out;
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
