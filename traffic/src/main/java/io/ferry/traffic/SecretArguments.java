package io.ferry.traffic;

import io.ferry.resp.CommandMessage;
import io.ferry.settings.Secrets;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Which arguments of a command are secrets, never to be written to a topic: the passwords of {@code
 * AUTH}, {@code HELLO ... AUTH}, {@code MIGRATE ... AUTH/AUTH2}, the values of {@code CONFIG SET} for
 * password parameters, and the password rules ({@code >pass}, {@code #hash}) of {@code ACL SETUSER}.
 * Stateless and thread-safe.
 */
final class SecretArguments {
    /** What a secret argument becomes in a record. */
    static final byte[] REDACTED = "<redacted>".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] AUTH = ascii("AUTH");
    private static final byte[] AUTH2 = ascii("AUTH2");
    private static final byte[] HELLO = ascii("HELLO");
    private static final byte[] MIGRATE = ascii("MIGRATE");
    private static final byte[] CONFIG = ascii("CONFIG");
    private static final byte[] SET = ascii("SET");
    private static final byte[] ACL = ascii("ACL");
    private static final byte[] SETUSER = ascii("SETUSER");
    private static final byte[][] SECRET_PARAMETERS = Secrets.SECRET_CONFIG_PARAMETERS.stream()
            .map(SecretArguments::ascii)
            .toArray(byte[][]::new);

    private SecretArguments() {}

    /** True when argument {@code index} (0 is the command name) of {@code command} is a secret. */
    static boolean isSecret(CommandMessage command, int index) {
        if (index == 0) {
            return false;
        }
        if (command.nameEquals(AUTH)) {
            return true;
        }
        if (command.nameEquals(HELLO) || command.nameEquals(MIGRATE)) {
            // HELLO 3 AUTH user pass; MIGRATE ... AUTH pass | AUTH2 user pass
            for (int i = 1; i < index; i++) {
                if (command.argEqualsIgnoreCase(i, AUTH) && index == i + (command.nameEquals(HELLO) ? 2 : 1)) {
                    return true;
                }
                if (command.argEqualsIgnoreCase(i, AUTH2) && index <= i + 2) {
                    return true;
                }
            }
            return false;
        }
        if (command.nameEquals(CONFIG) && command.argCount() > 2 && command.argEqualsIgnoreCase(1, SET)) {
            // CONFIG SET name value [name value ...]: the values after a secret name
            return index >= 3 && index % 2 == 1 && isSecretParameter(command.arg(index - 1));
        }
        if (command.nameEquals(ACL) && command.argCount() > 3 && command.argEqualsIgnoreCase(1, SETUSER)) {
            if (index < 3) {
                return false;
            }
            ByteBuf rule = command.arg(index);
            if (!rule.isReadable()) {
                return false;
            }
            byte first = rule.getByte(rule.readerIndex());
            return first == '>' || first == '<' || first == '#' || first == '!';
        }
        return false;
    }

    private static boolean isSecretParameter(ByteBuf name) {
        for (byte[] parameter : SECRET_PARAMETERS) {
            if (equalsIgnoreCase(name, parameter)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalsIgnoreCase(ByteBuf buf, byte[] ascii) {
        if (buf.readableBytes() != ascii.length) {
            return false;
        }
        for (int i = 0; i < ascii.length; i++) {
            byte b = buf.getByte(buf.readerIndex() + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            byte a = ascii[i];
            if (a >= 'A' && a <= 'Z') {
                a += 'a' - 'A';
            }
            if (a != b) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
