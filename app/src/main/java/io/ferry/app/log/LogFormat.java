package io.ferry.app.log;

import java.util.Arrays;
import java.util.Locale;

/** How a log event is written: one line each, either way. */
public enum LogFormat {
    /** {@code ts=... level=INFO logger=... thread=... msg="..." key=value ...}, logfmt style. */
    KEY_VALUE("key-value"),
    /** One JSON object per line. */
    JSON("json");

    /** The environment variable that chooses the format when no setting does. */
    public static final String ENVIRONMENT_VARIABLE = "FERRY_LOG_FORMAT";

    private final String text;

    LogFormat(String text) {
        this.text = text;
    }

    /** The name written in settings and the environment: {@code key-value} or {@code json}. */
    public String text() {
        return text;
    }

    /**
     * The format named {@code text}, ignoring case.
     *
     * @throws IllegalArgumentException naming the value and the expected ones
     */
    public static LogFormat parse(String text) {
        for (LogFormat format : values()) {
            if (format.text.equalsIgnoreCase(text.trim())) {
                return format;
            }
        }
        throw new IllegalArgumentException("'" + text + "' (expected: "
                + String.join(
                        " or ", Arrays.stream(values()).map(LogFormat::text).toList()) + ")");
    }

    /**
     * The format in force: the setting when it is not empty, else the environment variable's value when
     * set and not empty, else {@link #KEY_VALUE}.
     */
    public static LogFormat resolve(String setting, String environment) {
        if (setting != null && !setting.isBlank()) {
            return parse(setting);
        }
        if (environment != null && !environment.isBlank()) {
            return parse(environment);
        }
        return KEY_VALUE;
    }

    @Override
    public String toString() {
        return text.toLowerCase(Locale.ROOT);
    }
}
