package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;

import java.util.List;
import java.util.Objects;

/**
 * The declaration of one service's settings: its name (also the subcommand's), a one-line
 * description, and a Kafka {@link ConfigDef} holding every key with its type, default,
 * documentation and validator. Immutable once built; safe to share between threads.
 *
 * <p>Setting names are lower-case words joined by '-' and grouped with '.' (for example {@code
 * client.max-bulk-length}); the same name is the YAML key and, prefixed with "--", the flag.
 *
 * <p>What no single setting's validator can see (two settings that must be given together) is
 * checked by {@link Rule}s, run by {@link SettingsLoader} once every value has passed its own checks.
 */
public final class SettingsSpec {
    private final String service;
    private final String description;
    private final ConfigDef definition;
    private final List<Rule> rules;

    /**
     * A check over several settings together. Thread-safe and side-effect free.
     */
    @FunctionalInterface
    public interface Rule {
        /** The problems found, each naming the settings involved and never a secret; empty when all is well. */
        List<String> problems(Settings settings);
    }

    public SettingsSpec(String service, String description, ConfigDef definition) {
        this(service, description, definition, List.of());
    }

    public SettingsSpec(String service, String description, ConfigDef definition, List<Rule> rules) {
        this.service = Objects.requireNonNull(service, "service");
        this.description = Objects.requireNonNull(description, "description");
        this.definition = Objects.requireNonNull(definition, "definition");
        this.rules = List.copyOf(rules);
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

    /** The checks over several settings, in declaration order. */
    public List<Rule> rules() {
        return rules;
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
