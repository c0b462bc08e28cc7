package io.ferry.app;

import io.ferry.settings.SettingsLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class FerryCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void badSettingsListEveryProblemAndExitNonZero() throws IOException {
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:notaport
                max-conections: 10
                client:
                  max-bulk-length: huge
                """);

        int status = ferry(
                "settings",
                "proxy",
                "--config",
                config.toString(),
                "--idle-timeout-ms",
                "-5",
                "--bogus",
                "1",
                "--target",
                "redis://ops:pa55word@10.0.0.9:6379");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString())
                .contains("6 problems in the settings of 'proxy':")
                .contains("setting 'listen': port 'notaport' is not a number")
                .contains("unknown setting 'max-conections'", "did you mean 'max-connections'?")
                .contains("setting 'client.max-bulk-length': value 'huge': Not a number of type LONG")
                .contains("setting 'idle-timeout-ms': ", "Value must be at least 0")
                .contains("unknown flag '--bogus'")
                .contains("setting 'source' is required");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }

    @Test
    void goodSettingsPrintTheEffectiveConfigurationWithSecretsMasked() {
        int status = ferry(
                "settings", "proxy", "--source", "redis://app:pa55word@127.0.0.1:6379/0", "--max-connections", "50");

        assertThat(status).isZero();
        assertThat(out.toString())
                .contains("settings of proxy are valid:")
                .contains("source = redis://app:[hidden]@127.0.0.1:6379/0  (flag)")
                .contains("max-connections = 50  (flag)")
                .contains("listen = 127.0.0.1:6380  (default)")
                .doesNotContain("pa55word");
    }

    @Test
    void everyServiceTakesTheLogFormatAndRefusesAnUnknownOne() {
        assertThat(ferry("settings", "proxy", "--source", "redis://127.0.0.1:6379", "--log-format", "json"))
                .isZero();
        assertThat(out.toString()).contains("log-format = json  (flag)");

        assertThat(ferry("settings", "errors", "list", "--kafka", "127.0.0.1:9092", "--log-format", "xml"))
                .isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("setting 'log-format'", "'xml' (expected: key-value or json)");
    }

    @Test
    void aBadEnvironmentVariableIsAProblemOnlyWhenNoSettingChooses() {
        var spec = SettingsCommand.launchSpec(ServiceCatalog.find("kafka").orElseThrow());
        var unset = SettingsLoader.load(spec, Optional.empty(), Map.of());
        var set = SettingsLoader.load(spec, Optional.empty(), Map.of("log-format", "json"));

        assertThat(LogSettings.environmentProblems(unset, "xml"))
                .containsExactly("environment variable FERRY_LOG_FORMAT: 'xml' (expected: key-value or json)");
        assertThat(LogSettings.environmentProblems(unset, "JSON")).isEmpty();
        assertThat(LogSettings.environmentProblems(set, "xml")).isEmpty();
    }

    @Test
    void helpListsEverySettingWithItsDocumentation() {
        int status = ferry("settings", "proxy", "--help");

        assertThat(status).isZero();
        assertThat(out.toString())
                .contains("--source=VALUE", "The source Redis, authoritative until commit")
                .contains("--client.max-bulk-length=N", "(default: 536870912)")
                .contains("--config=FILE");
    }

    @Test
    void anUnknownSubcommandIsAUsageError() {
        assertThat(ferry("teleport")).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("Unmatched argument", "teleport");
    }
}
