package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsLoaderTest {
    enum Mode {
        FAST,
        SAFE
    }

    static final SettingsSpec SPEC = new SettingsSpec(
            "sample",
            "a sample service",
            new ConfigDef()
                    .define(
                            "listen",
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Address to listen on.")
                    .define(
                            "source",
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "Source Redis URI.")
                    .define(
                            "max-connections",
                            Type.INT,
                            10000,
                            ConfigDef.Range.atLeast(1),
                            Importance.MEDIUM,
                            "Most clients at once.")
                    .define("mode", Type.STRING, "FAST", Validators.oneOf(Mode.class), Importance.LOW, "Mode.")
                    .define("tls", Type.BOOLEAN, false, Importance.LOW, "Use TLS.")
                    .define(
                            "client.max-bulk-length",
                            Type.LONG,
                            512L * 1024 * 1024,
                            ConfigDef.Range.atLeast(1),
                            Importance.LOW,
                            "Largest bulk string.")
                    .define("api-token", Type.PASSWORD, null, Importance.HIGH, "Bearer token."));

    @TempDir
    Path dir;

    @Test
    void yamlAndFlagsMergeWithFlagsWinning() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:7000
                source: redis://127.0.0.1:6379
                max-connections: 5
                client:
                  max-bulk-length: 1024
                """);

        Settings settings = SettingsLoader.load(SPEC, Optional.of(file), Map.of("max-connections", "7", "tls", "true"));

        assertThat(settings.getString("listen")).isEqualTo("127.0.0.1:7000");
        assertThat(settings.getInt("max-connections")).isEqualTo(7);
        assertThat(settings.getLong("client.max-bulk-length")).isEqualTo(1024L);
        assertThat(settings.getBoolean("tls")).isTrue();
        assertThat(settings.getString("mode")).isEqualTo("FAST");
        assertThat(settings.sourceOf("max-connections")).isEqualTo("flag");
        assertThat(settings.sourceOf("listen")).isEqualTo(file.getFileName().toString());
        assertThat(settings.sourceOf("mode")).isEqualTo("default");
    }

    @Test
    void everyProblemIsReportedTogetherNamingKeyAndValue() throws IOException {
        Path file = write("""
                listen: not-an-address
                max-conections: 5
                max-connections: lots
                mode: fastest
                """);

        assertThatThrownBy(() -> SettingsLoader.load(SPEC, Optional.of(file), Map.of("tsl", "true")))
                .isInstanceOfSatisfying(SettingsException.class, e -> {
                    assertThat(e.problems()).hasSize(6);
                    assertThat(e.getMessage())
                            .startsWith("6 problems in the settings of 'sample':")
                            .contains("unknown setting 'max-conections'", "did you mean 'max-connections'?")
                            .contains("unknown flag '--tsl'", "did you mean 'tls'?")
                            .contains("setting 'listen': ", "not-an-address", "expected: host:port")
                            .contains("setting 'max-connections': value 'lots': Not a number of type INT")
                            .contains("setting 'mode': ", "'fastest' is not one of FAST, SAFE")
                            .contains("setting 'source' is required and has no default: Source Redis URI.");
                });
    }

    @Test
    void rangeViolationNamesTheBound() {
        assertThatThrownBy(() -> SettingsLoader.load(
                        SPEC,
                        Optional.empty(),
                        Map.of("listen", "127.0.0.1:1", "source", "redis://h:1", "max-connections", "0")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("setting 'max-connections'")
                .hasMessageContaining("Value must be at least 1");
    }

    @Test
    void secretsNeverAppearInDescriptionsOrErrors() {
        Settings settings = SettingsLoader.load(
                SPEC,
                Optional.empty(),
                Map.of(
                        "listen", "127.0.0.1:7000",
                        "source", "redis://admin:hunter2@db.internal:6379/2",
                        "api-token", "tok-123456"));

        assertThat(String.join("\n", settings.describe()))
                .contains("source = redis://admin:[hidden]@db.internal:6379/2")
                .contains("api-token = [hidden]")
                .doesNotContain("hunter2", "tok-123456");
        assertThat(settings.getPassword("api-token").value()).isEqualTo("tok-123456");

        assertThatThrownBy(() -> SettingsLoader.load(
                        SPEC,
                        Optional.empty(),
                        Map.of("listen", "127.0.0.1:7000", "source", "http://admin:hunter2@db.internal:6379")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("must start with redis:// or rediss://")
                .message()
                .doesNotContain("hunter2");
    }

    @Test
    void malformedYamlSaysWhere() throws IOException {
        Path file = write("listen: [127.0.0.1:7000\nsource: x\n");

        assertThatThrownBy(() -> SettingsLoader.load(SPEC, Optional.of(file), Map.of()))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("is not valid YAML")
                .hasMessageContaining("line ");
    }

    @Test
    void aFileThatIsNotAMapOrDoesNotExistIsRefused() throws IOException {
        Path list = write("- a\n- b\n");
        assertThatThrownBy(() -> SettingsLoader.load(SPEC, Optional.of(list), Map.of()))
                .hasMessageContaining("must be a map of setting names to values, not a list");
        assertThatThrownBy(() -> SettingsLoader.load(SPEC, Optional.of(dir.resolve("missing.yaml")), Map.of()))
                .hasMessageContaining("missing.yaml does not exist");
    }

    @Test
    void nestedMapsWhereAValueBelongsAreRefused() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:7000
                source: redis://h:1
                mode: [FAST, {a: b}]
                """);
        assertThatThrownBy(() -> SettingsLoader.load(SPEC, Optional.of(file), Map.of()))
                .hasMessageContaining("setting 'mode'")
                .hasMessageContaining("must be a single value or a list of values");
    }

    @Test
    void settingNamesMustFollowTheConvention() {
        ConfigDef bad = new ConfigDef().define("maxConnections", Type.INT, 1, Importance.LOW, "x");
        assertThatThrownBy(() -> new SettingsSpec("bad", "bad", bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnections");
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
