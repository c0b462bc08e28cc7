package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;

import java.util.Objects;

/**
 * The declaration of one service's settings: its name (also the subcommand's), a one-line
 * description, and a Kafka {@link ConfigDef} holding every key with its type, default,
 * documentation and validator. Immutable once built; safe to share between threads.
 *
 * <p>Setting names are lower-case words joined by '-' and grouped with '.' (for example {@code
 * client.max-bulk-length}); the same name is the YAML key and, prefixed with "--", the flag.
 */
public final class SettingsSpec {
    private final String service;
    private final String description;
    private final ConfigDef definition;

    public SettingsSpec(String service, String description, ConfigDef definition) {
        this.service = Objects.requireNonNull(service, "service");
        this.description = Objects.requireNonNull(description, "description");
        this.definition = Objects.requireNonNull(definition, "definition");
        for (String name : definition.names()) {
            if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*(\\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*")) {
                throw new IllegalArgumentException("setting name '" + name + "' of " + service
                        + " must be lower-case words joined by '-' and grouped by '.'");
            }
        }
    }

    public String service() {
        return service;
    }

    public String description() {
        return description;
    }

    public ConfigDef definition() {
        return definition;
    }

    public boolean has(String name) {
        return definition.configKeys().containsKey(name);
    }

    public ConfigDef.ConfigKey key(String name) {
        ConfigDef.ConfigKey key = definition.configKeys().get(name);
        if (key == null) {
            throw new IllegalArgumentException(service + " has no setting '" + name + "'");
        }
        return key;
    }
}
