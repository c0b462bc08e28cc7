package io.ferry.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsException;
import io.ferry.settings.SettingsLoader;
import io.ferry.settings.TlsOptions;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestCertificates;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A {@code rediss://} source set up as self-hosted Redis usually is: a private CA, and client
 * certificates required ({@code tls-auth-clients yes}, Redis's default). Applications speak plain
 * RESP to the proxy; the proxy speaks TLS to the source. The certificates are made with openssl for
 * this run; proxies are built from settings, as {@code ferry proxy} builds them.
 */
@Timeout(60)
class ProxyTlsIT {
    private static final String PASSWORD = "tls-s3cret-pw";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    static Path dir;

    static TestCertificates certificates;
    /** TLS, client certificates required. */
    static RedisServer source;
    /** TLS, client certificates required, and a password. */
    static RedisServer secured;
    /** TLS with a certificate that names another host; no client certificates. */
    static RedisServer elsewhere;

    static RedisClient client;

    @BeforeAll
    static void start() {
        certificates = TestCertificates.create(dir);
        source = redis.startWithTls("tls", serverArgs(certificates.server()));
        secured = redis.startWithTls("tls-password", serverArgs(certificates.server(), "--requirepass", PASSWORD));
        TestCertificates.Issued otherHost =
                certificates.issue("elsewhere", "subjectAltName=DNS:elsewhere.example", "extendedKeyUsage=serverAuth");
        elsewhere = redis.startWithTls("tls-elsewhere", serverArgs(otherHost, "--tls-auth-clients", "no"));
        client = ProxyHarness.client(ProtocolVersion.RESP3);
    }

    @AfterAll
    static void stop() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Test
    void lettuceAndRedisCliReachAPrivateCaSourceThatRequiresAClientCertificate() throws Exception {
        try (ProxyServer proxy = proxy(withClientCertificate(source.tlsUri()))) {
            try (StatefulRedisConnection<String, String> connection = client.connect(ProxyHarness.uri(proxy))) {
                assertThat(connection.sync().set("tls:lettuce", "via-proxy")).isEqualTo("OK");
                assertThat(connection.sync().get("tls:lettuce")).isEqualTo("via-proxy");
            }
            assertThat(ProxyHarness.redisCli(proxy, "SET", "tls:cli", "via-cli"))
                    .isEqualTo("OK");
            assertThat(ProxyHarness.redisCli(proxy, "GET", "tls:cli")).isEqualTo("via-cli");
        }
        // The writes are on the source itself (read here on its plain port, behind the proxy's back).
        try (StatefulRedisConnection<String, String> direct = client.connect(RedisURI.create(source.uri()))) {
            assertThat(direct.sync().mget("tls:lettuce", "tls:cli"))
                    .extracting(kv -> kv.getValueOrElse(null))
                    .containsExactly("via-proxy", "via-cli");
        }
    }

    @Test
    void aHostNameInTheCertificateIsVerifiedAsWellAsAnAddress() throws Exception {
        try (ProxyServer proxy = proxy(withClientCertificate("rediss://localhost:" + source.tlsPort()));
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("PING\r\n");
            assertThat(raw.readLine()).isEqualTo("+PONG");
        }
    }

    @Test
    void authOverTlsToASourceWithAPassword() throws Exception {
        String uri = "rediss://:" + PASSWORD + "@127.0.0.1:" + secured.tlsPort();
        try (ProxyServer proxy = proxy(withClientCertificate(uri))) {
            try (ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
                raw.send("GET k\r\nAUTH wrong\r\nAUTH " + PASSWORD + "\r\nSET k v\r\nGET k\r\n");
                List<String> replies = raw.readLines(6);
                assertThat(replies.get(0)).isEqualTo("-NOAUTH Authentication required.");
                assertThat(replies.get(1)).startsWith("-WRONGPASS");
                assertThat(replies.subList(2, 6)).containsExactly("+OK", "+OK", "$1", "v");
            }
            RedisURI withPassword = RedisURI.builder(ProxyHarness.uri(proxy))
                    .withPassword(PASSWORD.toCharArray())
                    .build();
            try (StatefulRedisConnection<String, String> connection = client.connect(withPassword)) {
                assertThat(connection.sync().get("k")).isEqualTo("v");
            }
            assertThat(ProxyHarness.redisCli(proxy, "--no-auth-warning", "-a", PASSWORD, "GET", "k"))
                    .isEqualTo("v");
        }
    }

    @Test
    void withoutTheCaTheClientHearsItIsACertificateProblemAndNeverThePassword() throws Exception {
        Map<String, String> settings =
                withClientCertificate("rediss://:" + PASSWORD + "@127.0.0.1:" + secured.tlsPort());
        settings.remove(ProxySettings.SOURCE_TLS_CA_FILE);
        ListAppender<ILoggingEvent> logs = captureLogs();
        try (ProxyServer proxy = proxy(settings);
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("PING\r\n");
            String reply = raw.readLine();

            assertThat(reply)
                    .startsWith("-ERR Ferry: cannot reach the source rediss://:[hidden]@127.0.0.1:" + secured.tlsPort())
                    .contains("TLS handshake failed", "certificate is not signed by a CA Ferry trusts", "tls.ca-file")
                    .doesNotContain(PASSWORD);
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
            assertThat(ProxyHarness.redisCli(proxy, "PING")).contains("cannot reach the source", "TLS");
        } finally {
            release(logs);
        }
        List<String> messages = formatted(logs);
        assertThat(messages).anySatisfy(line -> assertThat(line).contains("TLS handshake failed", "certificate"));
        assertThat(messages).noneSatisfy(line -> assertThat(line).contains(PASSWORD));
    }

    @Test
    void aSourceThatRequiresAClientCertificateSaysSoWhenNoneIsGiven() throws Exception {
        Map<String, String> settings = withClientCertificate(source.tlsUri());
        settings.remove(ProxySettings.SOURCE_TLS_CERT_FILE);
        settings.remove(ProxySettings.SOURCE_TLS_KEY_FILE);
        try (ProxyServer proxy = proxy(settings);
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("PING\r\n");
            assertThat(raw.readLine())
                    .startsWith("-ERR Ferry: cannot reach the source " + source.tlsUri())
                    .contains("requires a client certificate", "tls.cert-file");
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessHostNameVerificationIsOff() throws Exception {
        Map<String, String> verified = new HashMap<>(Map.of(
                ProxySettings.SOURCE,
                elsewhere.tlsUri(),
                ProxySettings.SOURCE_TLS_CA_FILE,
                certificates.caCert().toString()));
        try (ProxyServer proxy = proxy(verified);
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("PING\r\n");
            assertThat(raw.readLine())
                    .startsWith("-ERR Ferry: cannot reach the source " + elsewhere.tlsUri())
                    .contains("does not name the host", "127.0.0.1");
        }

        Map<String, String> unverified = new HashMap<>(verified);
        unverified.put(ProxySettings.SOURCE_TLS_VERIFY_HOSTNAME, "false");
        try (ProxyServer proxy = proxy(unverified);
                ProxyHarness.RawClient raw = new ProxyHarness.RawClient(proxy)) {
            raw.send("SET host-check off\r\nGET host-check\r\n");
            assertThat(raw.readLines(3)).containsExactly("+OK", "$3", "off");
        }
    }

    @Test
    void aClientCertificateWithoutItsKeyIsASettingsErrorNamingBoth() {
        Map<String, String> settings = withClientCertificate(source.tlsUri());
        settings.remove(ProxySettings.SOURCE_TLS_KEY_FILE);

        assertThatThrownBy(() -> load(settings))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .asString()
                        .contains("'source.tls.cert-file' is set but 'source.tls.key-file' is not"));
    }

    @Test
    void aCaFileThatDoesNotExistIsASettingsErrorNamingTheSettingAndThePath() {
        Path missing = dir.resolve("no-such-dir").resolve("ca.pem");
        Map<String, String> settings = withClientCertificate(source.tlsUri());
        settings.put(ProxySettings.SOURCE_TLS_CA_FILE, missing.toString());

        assertThatThrownBy(() -> load(settings))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .asString()
                        .startsWith("setting 'source.tls.ca-file': ")
                        .contains("'" + missing + "' does not exist"));
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsASettingsError() {
        Map<String, String> settings = withClientCertificate(source.tlsUri());
        settings.put(
                ProxySettings.SOURCE_TLS_KEY_FILE, certificates.server().key().toString());

        assertThatThrownBy(() -> load(settings))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("'source.tls.cert-file'")
                .hasMessageContaining("'source.tls.key-file'")
                .hasMessageContaining("do not belong together");
    }

    @Test
    void aFileSpoiledAfterTheSettingsCheckStopsTheStartWithItsPath() throws Exception {
        // ProxyConfig built directly skips the settings checks, as a file changed after them would.
        Path spoiled = Files.writeString(dir.resolve("spoiled-ca.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n");
        ProxyConfig config = ProxyHarness.config(source.tlsUri()).toBuilder()
                .sourceTls(new TlsOptions(Optional.of(spoiled), Optional.empty(), Optional.empty(), true))
                .build();

        assertThatThrownBy(() -> ProxyServer.start(config).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot set up TLS for " + source.tlsUri())
                .hasMessageContaining(spoiled.toString());
    }

    private static String[] serverArgs(TestCertificates.Issued server, String... more) {
        List<String> args = new ArrayList<>(certificates.redisServerArgs(server));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Settings trusting the test CA and presenting the client certificate; a mutable map. */
    private static Map<String, String> withClientCertificate(String sourceUri) {
        return new HashMap<>(Map.of(
                ProxySettings.SOURCE,
                sourceUri,
                ProxySettings.SOURCE_TLS_CA_FILE,
                certificates.caCert().toString(),
                ProxySettings.SOURCE_TLS_CERT_FILE,
                certificates.client().cert().toString(),
                ProxySettings.SOURCE_TLS_KEY_FILE,
                certificates.client().key().toString()));
    }

    private static Settings load(Map<String, String> flags) {
        Map<String, String> all = new HashMap<>(flags);
        all.put(ProxySettings.LISTEN, "127.0.0.1:0");
        all.put(ProxySettings.IO_THREADS, "2");
        all.put(ProxySettings.DRAIN_TIMEOUT_MS, "2000");
        return SettingsLoader.load(ProxySettings.SPEC, Optional.empty(), all);
    }

    private static ProxyServer proxy(Map<String, String> flags) throws InterruptedException {
        return ProxyServer.start(ProxyConfig.from(load(flags)));
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger("io.ferry.proxy")).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger("io.ferry.proxy")).detachAppender(appender);
        appender.stop();
    }

    private static List<String> formatted(ListAppender<ILoggingEvent> appender) {
        synchronized (appender.list) {
            return appender.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }
}
