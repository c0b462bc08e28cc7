package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandTable;
import io.ferry.settings.RedisUri;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** What a session needs to know about a client's commands, read in place without allocating. Stateless. */
final class ClientCommands {
    static final byte[] AUTH = ascii("AUTH");
    static final byte[] HELLO = ascii("HELLO");
    static final byte[] QUIT = ascii("QUIT");
    static final byte[] RESET = ascii("RESET");
    static final byte[] SELECT = ascii("SELECT");
    static final byte[] MULTI = ascii("MULTI");
    static final byte[] EXEC = ascii("EXEC");
    static final byte[] DISCARD = ascii("DISCARD");
    static final byte[] WATCH = ascii("WATCH");
    static final byte[] UNWATCH = ascii("UNWATCH");
    static final byte[] SUBSCRIBE = ascii("SUBSCRIBE");
    static final byte[] PSUBSCRIBE = ascii("PSUBSCRIBE");
    static final byte[] SSUBSCRIBE = ascii("SSUBSCRIBE");
    static final byte[] UNSUBSCRIBE = ascii("UNSUBSCRIBE");
    static final byte[] PUNSUBSCRIBE = ascii("PUNSUBSCRIBE");
    static final byte[] SUNSUBSCRIBE = ascii("SUNSUBSCRIBE");
    static final byte[] MONITOR = ascii("MONITOR");
    static final byte[] CLIENT = ascii("CLIENT");
    static final byte[] SETNAME = ascii("SETNAME");
    static final byte[] SETINFO = ascii("SETINFO");
    static final byte[] LIB_NAME = ascii("LIB-NAME");
    static final byte[] LIB_VER = ascii("LIB-VER");

    private ClientCommands() {}

    static boolean isSubscription(CommandMessage command) {
        return command.nameEquals(SUBSCRIBE)
                || command.nameEquals(PSUBSCRIBE)
                || command.nameEquals(SSUBSCRIBE)
                || command.nameEquals(UNSUBSCRIBE)
                || command.nameEquals(PUNSUBSCRIBE)
                || command.nameEquals(SUNSUBSCRIBE);
    }

    static byte ownKind(CommandMessage command) {
        return command.nameEquals(RESET) ? ReplyKind.RESET : ReplyKind.FORWARD;
    }

    /** Redis's nil: a RESP2 null bulk string or array, or the RESP3 null. */
    static boolean isMiss(RespMessage reply) {
        return reply instanceof NullMessage;
    }

    static int parseInt(CommandMessage command, int index, int fallback) {
        if (command.argCount() <= index) {
            return fallback;
        }
        ByteBuf arg = command.arg(index);
        if (arg.readableBytes() == 0 || arg.readableBytes() > 9) {
            return fallback;
        }
        int value = 0;
        for (int i = arg.readerIndex(); i < arg.writerIndex(); i++) {
            byte b = arg.getByte(i);
            if (b < '0' || b > '9') {
                return fallback;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /** AUTH [user] password with exactly the credentials the proxy uses for the source. */
    static boolean matchesCredentials(CommandMessage auth, RedisUri uri) {
        if (uri.password().isEmpty() || auth.argCount() < 2 || auth.argCount() > 3) {
            return false;
        }
        String user = uri.username().orElse("default");
        boolean userMatches = auth.argCount() == 2 ? user.equals("default") : equalBytes(auth.arg(1), user);
        boolean passwordMatches =
                equalBytes(auth.arg(auth.argCount() - 1), uri.password().get());
        return userMatches & passwordMatches;
    }

    static boolean equalBytes(ByteBuf given, String expected) {
        return MessageDigest.isEqual(ByteBufUtil.getBytes(given), expected.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * CLIENT SETNAME name, or CLIENT SETINFO LIB-NAME|LIB-VER value on a server that knows SETINFO,
     * with a value Redis accepts: the proxy answers it (anything else goes to the source, which
     * answers with its own error).
     */
    static boolean isLocalClientAttribute(CommandMessage command, CommandTable commands) {
        if (command.argCount() == 3 && command.argEqualsIgnoreCase(1, SETNAME)) {
            return isAttributeValue(command.arg(2));
        }
        return command.argCount() == 4
                && command.argEqualsIgnoreCase(1, SETINFO)
                && (command.argEqualsIgnoreCase(2, LIB_NAME) || command.argEqualsIgnoreCase(2, LIB_VER))
                && commands.lookup(command).isSubcommand()
                && isAttributeValue(command.arg(3));
    }

    /**
     * A CLIENT subcommand the source does not have (its command table says so, having been read
     * from it), with a name that is plain ASCII letters, digits, '-' and '_' as every real one is.
     */
    static boolean isUnknownClientSubcommand(
            CommandMessage command, CommandTable commands, boolean commandsFromSource) {
        if (!commandsFromSource
                || command.argCount() < 2
                || commands.lookup(command).isSubcommand()) {
            return false;
        }
        ByteBuf name = command.arg(1);
        if (name.readableBytes() == 0 || name.readableBytes() > 64) {
            return false;
        }
        for (int i = name.readerIndex(); i < name.writerIndex(); i++) {
            byte b = name.getByte(i);
            boolean plain =
                    (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
            if (!plain) {
                return false;
            }
        }
        return true;
    }

    /** Redis refuses spaces, newlines and anything outside printable ASCII in names. */
    static boolean isAttributeValue(ByteBuf value) {
        for (int i = value.readerIndex(); i < value.writerIndex(); i++) {
            byte b = value.getByte(i);
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }

    static boolean hasAuthOption(CommandMessage hello) {
        for (int i = 2; i < hello.argCount(); i++) {
            if (hello.argEqualsIgnoreCase(i, AUTH)) {
                return true;
            }
        }
        return false;
    }

    static String reason(Throwable cause) {
        String text = cause == null ? "unknown" : cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return oneLine(text);
    }

    static String oneLine(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    static ByteBuf wrap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
