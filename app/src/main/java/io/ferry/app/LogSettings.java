package io.ferry.app;

import ch.qos.logback.classic.LoggerContext;
import io.ferry.app.log.LogFormat;
import io.ferry.app.log.LogLineEncoder;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The logging settings every service takes, added by the launcher to each service's own ({@link
 * #addTo}): {@code log-format}, {@code key-value} or {@code json}; empty, the environment variable
 * {@value LogFormat#ENVIRONMENT_VARIABLE} decides, else key-value. {@link #apply} switches the process's
 * log lines to the format in force before the service starts.
 */
final class LogSettings {
    static final String FORMAT = "log-format";

    private LogSettings() {}

    /** {@code spec} with the logging settings added, and a rule checking the environment variable. */
    static SettingsSpec addTo(SettingsSpec spec) {
        if (spec.has(FORMAT)) {
            return spec;
        }
        ConfigDef definition = new ConfigDef(spec.definition())
                .define(
                        FORMAT,
                        Type.STRING,
                        "",
                        (name, value) -> {
                            try {
                                LogFormat.resolve((String) value, null);
                            } catch (IllegalArgumentException e) {
                                throw new ConfigException(e.getMessage());
                            }
                        },
                        Importance.LOW,
                        "Log lines: key-value (ts=... level=... msg=\"...\" ...) or json (one object per line),"
                                + " secrets masked either way. Empty: the environment variable "
                                + LogFormat.ENVIRONMENT_VARIABLE + ", else key-value.");
        List<SettingsSpec.Rule> rules = new ArrayList<>(spec.rules());
        rules.add(settings -> environmentProblems(settings, System.getenv(LogFormat.ENVIRONMENT_VARIABLE)));
        return new SettingsSpec(spec.service(), spec.description(), definition, rules);
    }

    /** The problem with the environment variable when the setting leaves the choice to it. */
    static List<String> environmentProblems(Settings settings, String environment) {
        if (!settings.getString(FORMAT).isBlank() || environment == null || environment.isBlank()) {
            return List.of();
        }
        try {
            LogFormat.parse(environment);
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of("environment variable " + LogFormat.ENVIRONMENT_VARIABLE + ": " + e.getMessage());
        }
    }

    /**
     * Switches the process's log lines to the format the setting names. Without one, the logging
     * configuration has already read the system property {@code log.format} or the environment variable.
     */
    static void apply(Settings settings) {
        if (settings.spec().has(FORMAT)
                && !settings.getString(FORMAT).isBlank()
                && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            LogLineEncoder.useFormat(context, LogFormat.parse(settings.getString(FORMAT)));
        }
    }
}
