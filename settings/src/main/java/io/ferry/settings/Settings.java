package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The validated, typed settings of one service. Immutable and thread-safe. Built only by {@link
 * SettingsLoader}, so every value here has passed its type and validator.
 */
public final class Settings {
    private final SettingsSpec spec;
    private final Map<String, Object> values;
    private final Map<String, String> sources;

    Settings(SettingsSpec spec, Map<String, Object> values, Map<String, String> sources) {
        this.spec = spec;
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.sources = Map.copyOf(sources);
    }

    public SettingsSpec spec() {
        return spec;
    }

    public String getString(String name) {
        return (String) typed(name, ConfigDef.Type.STRING);
    }

    public int getInt(String name) {
        return (Integer) typed(name, ConfigDef.Type.INT);
    }

    public long getLong(String name) {
        return (Long) typed(name, ConfigDef.Type.LONG);
    }

    public double getDouble(String name) {
        return (Double) typed(name, ConfigDef.Type.DOUBLE);
    }

    public boolean getBoolean(String name) {
        return (Boolean) typed(name, ConfigDef.Type.BOOLEAN);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String name) {
        List<String> list = (List<String>) typed(name, ConfigDef.Type.LIST);
        return list == null ? List.of() : List.copyOf(list);
    }

    /** A secret; {@link Password#toString()} prints {@value Secrets#HIDDEN}, {@code value()} the secret. */
    public Password getPassword(String name) {
        return (Password) typed(name, ConfigDef.Type.PASSWORD);
    }

    /** True when the setting has a value (set, or a non-null default). */
    public boolean isSet(String name) {
        spec.key(name);
        return values.get(name) != null;
    }

    /**
     * Where each value came from: "default", "flag" or the YAML file's name, for the effective
     * configuration printed at start-up.
     */
    public String sourceOf(String name) {
        spec.key(name);
        return sources.getOrDefault(name, "default");
    }

    /** The effective configuration, one {@code name = value  (source)} line per setting, secrets masked. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            lines.add(entry.getKey() + " = " + printable(entry.getKey(), entry.getValue()) + "  ("
                    + sourceOf(entry.getKey()) + ")");
        }
        return lines;
    }

    /** Logs the effective configuration once, secrets masked. */
    public void logEffective(Logger log) {
        log.info(
                "effective settings of {}:{}{}",
                spec.service(),
                System.lineSeparator(),
                String.join(System.lineSeparator(), describe()));
    }

    private String printable(String name, Object value) {
        if (value == null) {
            return "(none)";
        }
        if (spec.key(name).type == ConfigDef.Type.PASSWORD) {
            return Secrets.HIDDEN;
        }
        if (value instanceof List<?> list) {
            return Secrets.mask(
                    String.join(",", list.stream().map(String::valueOf).toList()));
        }
        return Secrets.mask(String.valueOf(value));
    }

    private Object typed(String name, ConfigDef.Type expected) {
        ConfigDef.ConfigKey key = spec.key(name);
        if (key.type != expected) {
            throw new IllegalArgumentException(
                    "setting '" + name + "' of " + spec.service() + " is " + key.type + ", not " + expected);
        }
        return values.get(name);
    }

    @Override
    public String toString() {
        return spec.service() + " settings " + describe();
    }
}
