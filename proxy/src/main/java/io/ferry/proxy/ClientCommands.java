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
        if (auth.argCount() < 2 || auth.argCount() > 3) {
            return false;
        }
        return matchesCredentials(auth.argCount() == 2 ? null : auth.arg(1), auth.arg(auth.argCount() - 1), uri);
    }

    /** Whether {@code user} (null: AUTH without one, the default user) and {@code password} are {@code uri}'s. */
    static boolean matchesCredentials(ByteBuf user, ByteBuf password, RedisUri uri) {
        if (uri.password().isEmpty()) {
            return false;
        }
        String expected = uri.username().orElse("default");
        boolean userMatches = user == null ? expected.equals("default") : equalBytes(user, expected);
        boolean passwordMatches = equalBytes(password, uri.password().get());
        return userMatches & passwordMatches;
    }

    /**
     * The protocol a {@code HELLO [protover [AUTH user password] [SETNAME name]]} asks for when the proxy can take
     * it on connections it shares: protover 2 or 3 (none: {@code current}), AUTH with {@code uri}'s credentials
     * (or none when {@code authenticated}), a SETNAME Redis accepts. -1 for any other HELLO (another user, a
     * protover Redis refuses, an option it does not know), which the source must answer.
     */
    static int sharedHelloProtocol(CommandMessage hello, int current, boolean authenticated, RedisUri uri) {
        int count = hello.argCount();
        if (count == 1) {
            return authenticated ? current : -1;
        }
        int protocol = parseInt(hello, 1, -1);
        if (protocol != 2 && protocol != 3) {
            return -1;
        }
        boolean authed = authenticated;
        for (int i = 2; i < count; ) {
            if (hello.argEqualsIgnoreCase(i, AUTH) && i + 2 < count) {
                if (!matchesCredentials(hello.arg(i + 1), hello.arg(i + 2), uri)) {
                    return -1;
                }
                authed = true;
                i += 3;
            } else if (hello.argEqualsIgnoreCase(i, SETNAME) && i + 1 < count && isAttributeValue(hello.arg(i + 1))) {
                i += 2;
            } else {
                return -1;
            }
        }
        return authed ? protocol : -1;
    }

    /** The name a HELLO's SETNAME option gives ({@link #sharedHelloProtocol} has checked it); null without one. */
    static ByteBuf helloName(CommandMessage hello) {
        for (int i = 2; i + 1 < hello.argCount(); ) {
            if (hello.argEqualsIgnoreCase(i, SETNAME)) {
                return hello.arg(i + 1);
            }
            i += hello.argEqualsIgnoreCase(i, AUTH) ? 3 : 2;
        }
        return null;
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
