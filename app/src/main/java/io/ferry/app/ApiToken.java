package io.ferry.app;

import io.ferry.settings.Settings;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The control plane's API token as a setting, one way for the server ({@code ferry control}) and its clients
 * ({@code ferry migrate}): {@code token} (a secret, masked), or better {@code token-file} (a flag shows in the
 * process list), exactly one of them, at least {@value #MIN_LENGTH} characters.
 */
final class ApiToken {
    static final String TOKEN = "token";
    static final String TOKEN_FILE = "token-file";
    static final int MIN_LENGTH = 16;

    private ApiToken() {}

    static ConfigDef define(ConfigDef definition) {
        return definition
                .define(
                        TOKEN,
                        Type.PASSWORD,
                        null,
                        Importance.HIGH,
                        "The API's bearer token, at least " + MIN_LENGTH + " characters. Prefer token-file: a flag "
                                + "shows in the process list.")
                .define(
                        TOKEN_FILE,
                        Type.STRING,
                        "",
                        Importance.HIGH,
                        "A file holding the API's bearer token (its first line).");
    }

    /** The rule over both settings: exactly one given, a flag's value long enough. */
    static List<String> problems(Settings settings) {
        boolean token = settings.getPassword(TOKEN) != null;
        boolean file = !settings.getString(TOKEN_FILE).isBlank();
        if (token == file) {
            return List.of("give exactly one of 'token' and 'token-file'");
        }
        if (token && settings.getPassword(TOKEN).value().length() < MIN_LENGTH) {
            return List.of("setting 'token': at least " + MIN_LENGTH + " characters");
        }
        return List.of();
    }

    /**
     * The token the settings give.
     *
     * @throws IOException when the token file cannot be read
     * @throws IllegalArgumentException when the file's token is too short; the message names the file, not the token
     */
    static String read(Settings settings) throws IOException {
        Password given = settings.getPassword(TOKEN);
        if (given != null) {
            return given.value();
        }
        Path file = Path.of(settings.getString(TOKEN_FILE));
        String token;
        try {
            token = Files.readAllLines(file).stream().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new IOException("the token file " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(
                    "the token in " + file + " is shorter than " + MIN_LENGTH + " characters");
        }
        return token;
    }
}
