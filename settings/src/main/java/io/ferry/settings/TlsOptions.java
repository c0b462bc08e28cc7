package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How Ferry speaks TLS to one Redis endpoint given as a {@code rediss://} URI: whom to trust, which
 * client certificate to present, whether the server's certificate must name the host. Immutable.
 *
 * <p>Every service reads them from the same four settings under the endpoint's name ({@code
 * source.tls.ca-file}, ...), described by {@link Keys}.
 *
 * @param caFile PEM file of the CA certificates to trust; empty: the JVM's default trust store
 * @param certFile PEM file of the client certificate (chain) to present; empty: none
 * @param keyFile PEM file of the certificate's unencrypted PKCS#8 private key; given exactly when
 *     {@code certFile} is
 * @param verifyHostname the server's certificate must name the URI's host (a DNS or IP subject
 *     alternative name), as HTTPS checks it
 */
public record TlsOptions(
        Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile, boolean verifyHostname) {
    /** The JVM's trust store, no client certificate, host names verified. */
    public static final TlsOptions DEFAULTS =
            new TlsOptions(Optional.empty(), Optional.empty(), Optional.empty(), true);

    public TlsOptions {
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException(
                    "a client certificate and its private key go together: give both certFile and keyFile, or neither");
        }
    }

    /** True when a client certificate is presented. */
    public boolean hasClientCertificate() {
        return certFile.isPresent();
    }

    @Override
    public String toString() {
        return "TLS trusting " + caFile.map(file -> "the CAs in " + file).orElse("the JVM's trust store")
                + certFile.map(file -> ", client certificate " + file + " with key " + keyFile.orElseThrow())
                        .orElse(", no client certificate")
                + (verifyHostname ? ", host name verified" : ", host name not verified");
    }

    /**
     * The names of one endpoint's TLS settings. A service declares them in its {@link SettingsSpec}
     * (with {@link Validators#pemCertificates()} and {@link Validators#pemPrivateKey()} on the files),
     * adds {@link #problems} as a {@link SettingsSpec.Rule}, and builds the options with {@link #read}.
     *
     * @param uri the endpoint's URI setting ({@code source})
     * @param caFile {@code source.tls.ca-file}
     * @param certFile {@code source.tls.cert-file}
     * @param keyFile {@code source.tls.key-file}
     * @param verifyHostname {@code source.tls.verify-hostname}, a boolean
     */
    public record Keys(String uri, String caFile, String certFile, String keyFile, String verifyHostname) {
        public Keys {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(caFile, "caFile");
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(verifyHostname, "verifyHostname");
        }

        /** The keys of endpoint {@code uri}: {@code uri.tls.ca-file}, {@code uri.tls.cert-file}, ... */
        public static Keys of(String uri) {
            return new Keys(
                    uri,
                    uri + ".tls.ca-file",
                    uri + ".tls.cert-file",
                    uri + ".tls.key-file",
                    uri + ".tls.verify-hostname");
        }

        /** Declares the four TLS settings in {@code definition}, documented for endpoint {@code uri}. */
        public ConfigDef define(ConfigDef definition) {
            return definition
                    .define(
                            caFile,
                            ConfigDef.Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            ConfigDef.Importance.MEDIUM,
                            "For a rediss:// " + uri + ": PEM file of the CA certificates to trust (a private CA, a "
                                    + "self-signed server); empty: the JVM's default trust store.")
                    .define(
                            certFile,
                            ConfigDef.Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            ConfigDef.Importance.MEDIUM,
                            "For a rediss:// " + uri + " that requires client certificates: PEM file of the "
                                    + "certificate Ferry presents; needs " + keyFile + ". Empty: none.")
                    .define(
                            keyFile,
                            ConfigDef.Type.STRING,
                            "",
                            Validators.pemPrivateKey(),
                            ConfigDef.Importance.MEDIUM,
                            "Unencrypted PKCS#8 PEM private key of " + certFile + "; needs it. Empty: none.")
                    .define(
                            verifyHostname,
                            ConfigDef.Type.BOOLEAN,
                            true,
                            ConfigDef.Importance.LOW,
                            "For a rediss:// " + uri + ": the server's certificate must name the URI's host. "
                                    + "false trusts any certificate the CA signed.");
        }

        /**
         * What is wrong with these settings taken together: a client certificate without its key or
         * the reverse, a key that is not the certificate's, or TLS files given for an endpoint that is
         * not {@code rediss://} (they would be ignored). Assumes each value passed its own validator.
         */
        public List<String> problems(Settings settings) {
            List<String> problems = new ArrayList<>();
            Optional<String> cert = file(settings, certFile);
            Optional<String> key = file(settings, keyFile);
            if (cert.isPresent() && key.isEmpty()) {
                problems.add("setting '" + certFile + "' is set but '" + keyFile
                        + "' is not: a client certificate needs its private key (give both or neither)");
            } else if (key.isPresent() && cert.isEmpty()) {
                problems.add("setting '" + keyFile + "' is set but '" + certFile
                        + "' is not: a private key needs its client certificate (give both or neither)");
            } else if (cert.isPresent() && !matches(cert.get(), key.get())) {
                problems.add("settings '" + certFile + "' ('" + cert.get() + "') and '" + keyFile + "' ('" + key.get()
                        + "') do not belong together: the key is not the certificate's private key");
            }
            List<String> filesGiven = new ArrayList<>();
            for (String name : List.of(caFile, certFile, keyFile)) {
                if (file(settings, name).isPresent()) {
                    filesGiven.add("'" + name + "'");
                }
            }
            if (!filesGiven.isEmpty() && !isTls(settings.getString(uri))) {
                problems.add(String.join(", ", filesGiven) + (filesGiven.size() == 1 ? " is" : " are")
                        + " given but '" + uri + "' is not a rediss:// URI (TLS settings apply only to rediss://): "
                        + "use rediss:// or remove the TLS settings");
            }
            return problems;
        }

        /**
         * The options the settings give.
         *
         * @throws SettingsException when {@link #problems} finds any
         */
        public TlsOptions read(Settings settings) {
            List<String> problems = problems(settings);
            if (!problems.isEmpty()) {
                throw new SettingsException(settings.spec().service(), problems);
            }
            return new TlsOptions(
                    file(settings, caFile).map(Path::of),
                    file(settings, certFile).map(Path::of),
                    file(settings, keyFile).map(Path::of),
                    settings.getBoolean(verifyHostname));
        }

        private static Optional<String> file(Settings settings, String name) {
            return Optional.ofNullable(settings.getString(name)).filter(value -> !value.isBlank());
        }

        private static boolean isTls(String uri) {
            try {
                return uri != null && !uri.isBlank() && RedisUri.parse(uri).tls();
            } catch (IllegalArgumentException e) {
                return false; // reported by the URI's own validator
            }
        }

        private static boolean matches(String certFile, String keyFile) {
            X509Certificate certificate;
            PrivateKey key;
            try {
                certificate = PemFiles.certificates(Path.of(certFile)).get(0);
                key = PemFiles.privateKey(Path.of(keyFile));
            } catch (IllegalArgumentException e) {
                return true; // each file's own validator has said what is wrong with it
            }
            return PemFiles.belongTogether(certificate, key);
        }
    }
}
