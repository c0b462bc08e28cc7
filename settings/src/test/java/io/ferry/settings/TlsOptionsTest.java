package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The TLS settings of an endpoint and the checks on their files. Files that need a real
 * certificate are covered by the proxy's ProxyTlsIT, which makes them with openssl.
 */
class TlsOptionsTest {
    static final TlsOptions.Keys KEYS = new TlsOptions.Keys(
            "source",
            "source.tls.ca-file",
            "source.tls.cert-file",
            "source.tls.key-file",
            "source.tls.verify-hostname");

    static final SettingsSpec SPEC = new SettingsSpec(
            "sample",
            "a sample service",
            new ConfigDef()
                    .define(
                            "source",
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "Source.")
                    .define(KEYS.caFile(), Type.STRING, "", Validators.pemCertificates(), Importance.MEDIUM, "CAs.")
                    .define(
                            KEYS.certFile(),
                            Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            Importance.MEDIUM,
                            "Client certificate.")
                    .define(KEYS.keyFile(), Type.STRING, "", Validators.pemPrivateKey(), Importance.MEDIUM, "Key.")
                    .define(KEYS.verifyHostname(), Type.BOOLEAN, true, Importance.LOW, "Verify."),
            List.of(KEYS::problems));

    @TempDir
    Path dir;

    @Test
    void noTlsSettingsGiveTheDefaults() {
        Settings settings = load(Map.of("source", "rediss://db.internal:6380"));

        assertThat(KEYS.read(settings)).isEqualTo(TlsOptions.DEFAULTS);
        assertThat(TlsOptions.DEFAULTS.toString()).contains("the JVM's trust store", "host name verified");
    }

    @Test
    void aMissingFileIsNamedWithItsSetting() {
        Path missing = dir.resolve("no-such-ca.pem");

        assertThatThrownBy(() -> load(Map.of("source", "rediss://h:1", KEYS.caFile(), missing.toString())))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .asString()
                        .startsWith("setting 'source.tls.ca-file': ")
                        .contains("'" + missing + "' does not exist"));
    }

    @Test
    void filesThatAreNotWhatTheSettingNeedsSaySo() throws Exception {
        Path garbage = write("garbage.pem", "not a certificate\n");
        Path pkcs1 = write("rsa.pem", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        Path encrypted =
                write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");

        assertThatThrownBy(() -> load(Map.of(
                        "source",
                        "rediss://h:1",
                        KEYS.caFile(),
                        garbage.toString(),
                        KEYS.certFile(),
                        dir.toString(),
                        KEYS.keyFile(),
                        pkcs1.toString())))
                .isInstanceOfSatisfying(SettingsException.class, e -> {
                    assertThat(e.problems()).hasSize(3);
                    assertThat(e.getMessage())
                            .contains("setting 'source.tls.ca-file': '" + garbage + "' holds no PEM certificate")
                            .contains("setting 'source.tls.cert-file': '" + dir + "' is a directory")
                            .contains("setting 'source.tls.key-file': '" + pkcs1 + "' holds a PKCS#1 or SEC1")
                            .contains("openssl pkcs8 -topk8 -nocrypt");
                });
        assertThatThrownBy(() -> load(Map.of("source", "rediss://h:1", KEYS.keyFile(), encrypted.toString())))
                .hasMessageContaining("'" + encrypted + "' holds an encrypted private key");
    }

    @Test
    void aKeyWithoutItsCertificateNamesBothSettings() throws Exception {
        Path key = pkcs8Key("client.key");

        assertThatThrownBy(() -> load(Map.of("source", "rediss://h:1", KEYS.keyFile(), key.toString())))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .asString()
                        .contains("'source.tls.key-file' is set but 'source.tls.cert-file' is not")
                        .contains("give both or neither"));
    }

    @Test
    void tlsFilesForAPlainUriAreRefusedNotIgnored() throws Exception {
        Path key = pkcs8Key("client.key");

        assertThatThrownBy(() -> load(Map.of("source", "redis://h:1", KEYS.keyFile(), key.toString())))
                .isInstanceOfSatisfying(
                        SettingsException.class,
                        e -> assertThat(e.problems()).hasSize(2).anySatisfy(problem -> assertThat(problem)
                                .contains("'source.tls.key-file' is given but 'source' is not a rediss:// URI")));
    }

    @Test
    void rulesRunOnlyOnceEveryValuePassedItsOwnCheck() throws Exception {
        Path key = pkcs8Key("client.key");

        // The bad URI is reported; the rule, which would read it, does not run.
        assertThatThrownBy(() -> load(Map.of("source", "http://h:1", KEYS.keyFile(), key.toString())))
                .isInstanceOfSatisfying(
                        SettingsException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith("setting 'source': "));
    }

    @Test
    void theRecordRefusesHalfAClientCertificate() {
        assertThatThrownBy(
                        () -> new TlsOptions(Optional.empty(), Optional.of(Path.of("c.pem")), Optional.empty(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("give both certFile and keyFile, or neither");
    }

    private Settings load(Map<String, String> flags) {
        return SettingsLoader.load(SPEC, Optional.empty(), new HashMap<>(flags));
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    private Path pkcs8Key(String name) throws IOException, NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
        return write(
                name,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                        + "\n-----END PRIVATE KEY-----\n");
    }
}
