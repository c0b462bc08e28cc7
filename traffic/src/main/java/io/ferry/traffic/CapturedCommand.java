package io.ferry.traffic;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.CommandClass;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request half of a traffic record, copied out of a {@link CommandMessage} so the command's
 * buffers can be released at once: the name (with subcommand), the class, every key, and the
 * arguments after the name cut to {@link TrafficRecords#MAX_CAPTURE_BYTES} (all together). Secrets
 * (the passwords of AUTH, HELLO AUTH, MIGRATE AUTH, CONFIG SET requirepass and the like, ACL SETUSER
 * password rules) are replaced by {@code <redacted>}, and the arguments marked truncated.
 *
 * <p>Immutable once built; the byte buffers must only be read. Thread-safe.
 *
 * @param command upper-case name with subcommand, e.g. {@code "GET"}, {@code "CLIENT SETNAME"}
 * @param commandClass the command table's kind as the schema names it
 * @param keys the keys the command touches, whole
 * @param args the arguments after the name (and subcommand), cut at the capture limit
 * @param argsTruncated true when {@code args} was cut or a secret in it redacted
 * @param unorderedReply true when the reply's element order may differ between servers, so its digest
 *     sorts the elements ({@link io.ferry.resp.ReplyDigest})
 */
public record CapturedCommand(
        String command,
        CommandClass commandClass,
        List<ByteBuffer> keys,
        List<ByteBuffer> args,
        boolean argsTruncated,
        boolean unorderedReply) {

    /** Longest name kept for a command the table does not know. */
    static final int MAX_UNKNOWN_NAME = 64;

    /**
     * Copies what the record needs from {@code command}, still owned by the caller.
     *
     * @param info the command table's entry for {@code command}
     * @param keys the key positions {@code info} found in {@code command}
     */
    public static CapturedCommand of(CommandMessage command, CommandInfo info, KeyPositions keys) {
        List<ByteBuffer> keyList = new ArrayList<>(keys.count());
        for (int i = 0; i < keys.count(); i++) {
            keyList.add(copy(command.arg(keys.index(i)), Integer.MAX_VALUE));
        }
        int first = info.isSubcommand() ? 2 : 1;
        List<ByteBuffer> argList = new ArrayList<>(Math.max(0, command.argCount() - first));
        int budget = TrafficRecords.MAX_CAPTURE_BYTES;
        boolean truncated = false;
        for (int i = first; i < command.argCount(); i++) {
            if (SecretArguments.isSecret(command, i)) {
                // Never on a topic; and the command can no longer be replayed as it was.
                argList.add(ByteBuffer.wrap(SecretArguments.REDACTED.clone()));
                truncated = true;
                continue;
            }
            ByteBuf arg = command.arg(i);
            if (arg.readableBytes() > budget) {
                truncated = true;
                break;
            }
            budget -= arg.readableBytes();
            argList.add(copy(arg, Integer.MAX_VALUE));
        }
        return new CapturedCommand(
                commandName(info, command),
                commandClass(info, command),
                keyList,
                argList,
                truncated,
                info.isOutputOrderNondeterministic());
    }

    /** Upper case, with the subcommand: {@code "SET"}, {@code "CLIENT SETNAME"}; bounded for unknown ones. */
    public static String commandName(CommandInfo info, CommandMessage message) {
        if (info.isKnown()) {
            return info.displayName();
        }
        ByteBuf name = message.arg(0);
        int length = Math.min(name.readableBytes(), MAX_UNKNOWN_NAME);
        return name.toString(name.readerIndex(), length, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    /** The schema's class of a command: the command table's kind; keyless introspection counts as a read. */
    public static CommandClass commandClass(CommandInfo info, CommandMessage command) {
        return switch (info.kindOf(command)) {
            case READ, SERVER -> CommandClass.READ;
            case WRITE -> CommandClass.WRITE;
            case ADMIN -> CommandClass.ADMIN;
            case CONNECTION -> CommandClass.CONNECTION;
            case PUBSUB -> CommandClass.PUBSUB;
            case TRANSACTION -> CommandClass.TRANSACTION;
            case SCRIPTING -> CommandClass.SCRIPTING;
            case BLOCKING -> CommandClass.BLOCKING;
            case UNKNOWN -> CommandClass.UNKNOWN;
        };
    }

    static ByteBuffer copy(ByteBuf buf, int limit) {
        byte[] bytes = new byte[Math.min(limit, buf.readableBytes())];
        buf.getBytes(buf.readerIndex(), bytes);
        return ByteBuffer.wrap(bytes);
    }
}
