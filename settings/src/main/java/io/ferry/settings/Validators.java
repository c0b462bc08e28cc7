package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.nio.file.Path;
import java.util.List;

/**
 * {@link ConfigDef.Validator}s for the value types Ferry's settings share. Their messages name the
 * problem and never echo a secret.
 */
public final class Validators {
    private Validators() {}

    /** {@code host:port}; null passes (use no default for a required value). */
    public static ConfigDef.Validator hostPort() {
        return new Described("host:port", (name, value) -> {
            if (value != null) {
                HostPort.parse((String) value);
            }
        });
    }

    /** A Redis URI; null passes. */
    public static ConfigDef.Validator redisUri() {
        return new Described("redis://[user:password@]host:port[/db] or rediss://…", (name, value) -> {
            if (value != null && !((String) value).isEmpty()) {
                RedisUri.parse((String) value);
            }
        });
    }

    /** A Kafka bootstrap list: comma-separated {@code host:port}; null or empty passes (not configured). */
    public static ConfigDef.Validator kafkaBootstrap() {
        return new Described("host:port[,host:port…]", (name, value) -> {
            if (value == null || ((String) value).isBlank()) {
                return;
            }
            for (String server : ((String) value).split(",")) {
                HostPort.parse(server.trim());
            }
        });
    }

    /**
     * A PEM file of X.509 certificates that can be read now, checked by parsing it; null or empty
     * passes (not configured). The message names the path, never the content.
     */
    public static ConfigDef.Validator pemCertificates() {
        return new Described("a readable PEM file of X.509 certificates", (name, value) -> {
            if (value != null && !((String) value).isEmpty()) {
                PemFiles.certificates(Path.of((String) value));
            }
        });
    }

    /**
     * A PEM file holding an unencrypted PKCS#8 private key (RSA, EC or DSA) that can be read now;
     * null or empty passes (not configured). The message names the path, never the content.
     */
    public static ConfigDef.Validator pemPrivateKey() {
        return new Described("a readable PEM file of an unencrypted PKCS#8 private key", (name, value) -> {
            if (value != null && !((String) value).isEmpty()) {
                PemFiles.privateKey(Path.of((String) value));
            }
        });
    }

    /** One of the enum's constant names, exactly (an unknown policy fails, it never becomes a default). */
    public static <E extends Enum<E>> ConfigDef.Validator oneOf(Class<E> type) {
        List<String> names =
                java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList();
        return new Described("one of " + String.join(", ", names), (name, value) -> {
            if (value != null && !names.contains((String) value)) {
                throw new IllegalArgumentException("'" + value + "' is not one of " + String.join(", ", names));
            }
        });
    }

    private interface Check {
        void check(String name, Object value);
    }

    private record Described(String expected, Check check) implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                check.check(name, value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage() + " (expected: " + expected + ")");
            }
        }

        @Override
        public String toString() {
            return expected;
        }
    }
}
