package io.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private CA made for one test, with certificates it signs, written as PEM files into a directory
 * by the {@code openssl} command line (EC P-256 keys in PKCS#8, valid for two days). What a
 * self-hosted Redis with TLS uses: a CA of its own, a server certificate, client certificates.
 *
 * <pre>{@code
 * @TempDir static Path dir;
 * TestCertificates tls = TestCertificates.create(dir);
 * RedisServer server = redis.startWithTls("tls", tls.redisServerArgs(tls.server()).toArray(String[]::new));
 * }</pre>
 *
 * Not thread-safe: one test thread issues certificates.
 */
public final class TestCertificates {
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path caCert;
    private final Path caKey;
    private final Issued server;
    private final Issued client;

    /**
     * A certificate and its private key.
     *
     * @param cert PEM certificate
     * @param key PEM private key, unencrypted PKCS#8
     */
    public record Issued(Path cert, Path key) {}

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.caKey = dir.resolve("ca.key");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                caKey.toString(),
                "-out",
                caCert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=Ferry Test CA");
        this.server = issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth");
        this.client = issue("client", "extendedKeyUsage=clientAuth");
    }

    /**
     * Makes the CA, a server certificate for {@code 127.0.0.1} and {@code localhost}, and a client
     * certificate, in {@code dir}.
     *
     * @throws IllegalStateException when openssl is missing or fails, with its output
     */
    public static TestCertificates create(Path dir) {
        return new TestCertificates(dir);
    }

    /** The CA's certificate, the file a client trusts. */
    public Path caCert() {
        return caCert;
    }

    /** Subject alternative names IP:127.0.0.1 and DNS:localhost; for TLS servers. */
    public Issued server() {
        return server;
    }

    /** For TLS clients, such as Ferry's connection to a server that requires client certificates. */
    public Issued client() {
        return client;
    }

    /**
     * A new certificate signed by the CA, with a fresh key.
     *
     * @param name file name stem and common name
     * @param extensions X.509v3 extensions in openssl's config syntax, one per entry (for example
     *     {@code "subjectAltName=DNS:wrong.example"})
     */
    public Issued issue(String name, String... extensions) {
        Path key = dir.resolve(name + ".key");
        Path request = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path extensionFile = dir.resolve(name + ".ext");
        try {
            Files.write(extensionFile, List.of(extensions), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                request.toString(),
                "-subj",
                "/CN=" + name);
        openssl(
                "x509",
                "-req",
                "-in",
                request.toString(),
                "-CA",
                caCert.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                cert.toString(),
                "-extfile",
                extensionFile.toString());
        return new Issued(cert, key);
    }

    /**
     * {@code redis-server} arguments that serve TLS with this certificate and require client
     * certificates signed by the CA (Redis's default, {@code tls-auth-clients yes}).
     */
    public List<String> redisServerArgs(Issued serverCertificate) {
        return List.of(
                "--tls-cert-file",
                serverCertificate.cert().toString(),
                "--tls-key-file",
                serverCertificate.key().toString(),
                "--tls-ca-cert-file",
                caCert.toString());
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path output = dir.resolve("openssl.log");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(OPENSSL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl did not finish within " + OPENSSL_TIMEOUT + ": " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("openssl exited with " + process.exitValue() + ": " + command + "\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run openssl (install the Debian package 'openssl'): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
