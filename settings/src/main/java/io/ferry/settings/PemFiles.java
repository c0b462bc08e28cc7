package io.ferry.settings;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files named by TLS settings, so that a wrong file fails when the settings are
 * checked, with a message naming the file and what is wrong, rather than at the first connection.
 * Accepts what the proxy's TLS stack (Netty on the JDK provider) accepts: X.509 certificates, and
 * unencrypted PKCS#8 RSA, EC or DSA keys. Messages never contain a file's content. Stateless.
 */
final class PemFiles {
    /** A PEM file larger than this is not a certificate bundle or a key: it is the wrong file. */
    static final long MAX_FILE_BYTES = 1024 * 1024;

    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*)-----END CERTIFICATE-----");
    private static final Pattern PKCS8_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]*)-----END PRIVATE KEY-----");
    // The algorithms Netty's own PKCS#8 reader tries (SslContext.toPrivateKey), in its order.
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "DSA", "EC");

    private PemFiles() {}

    /**
     * The certificates in a PEM file, in file order; at least one.
     *
     * @throws IllegalArgumentException naming the file and saying what is wrong
     */
    static List<X509Certificate> certificates(Path file) {
        String text = read(file);
        Matcher blocks = CERTIFICATE.matcher(text);
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (blocks.find()) {
                byte[] der = decode(file, blocks.group(1), "certificate");
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(
                    "'" + file + "' holds a certificate that cannot be read: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("'" + file + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /**
     * The private key in a PEM file: unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), RSA,
     * EC or DSA.
     *
     * @throws IllegalArgumentException naming the file and saying what is wrong (and, for the other
     *     common key formats, how to convert)
     */
    static PrivateKey privateKey(Path file) {
        String text = read(file);
        Matcher block = PKCS8_KEY.matcher(text);
        if (!block.find()) {
            throw new IllegalArgumentException("'" + file + "' " + notPkcs8(text));
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(decode(file, block.group(1), "private key"));
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Not this algorithm: try the next.
            }
        }
        throw new IllegalArgumentException("'" + file + "' holds a PKCS#8 private key that is neither RSA, EC nor DSA");
    }

    /** True when {@code key} is the private key of {@code certificate}: it signs what the certificate's key verifies. */
    static boolean belongTogether(X509Certificate certificate, PrivateKey key) {
        PublicKey publicKey = certificate.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        String algorithm =
                switch (key.getAlgorithm()) {
                    case "RSA" -> "SHA256withRSA";
                    case "EC" -> "SHA256withECDSA";
                    case "DSA" -> "SHA256withDSA";
                    default -> null;
                };
        if (algorithm == null) {
            return true; // nothing to check it with; the TLS handshake will tell
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String notPkcs8(String text) {
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            return "holds an encrypted private key; Ferry reads unencrypted PKCS#8 keys "
                    + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)";
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            return "holds a PKCS#1 or SEC1 private key; Ferry reads PKCS#8 keys (-----BEGIN PRIVATE KEY-----): "
                    + "convert it with openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8";
        }
        if (text.contains("-----BEGIN CERTIFICATE-----")) {
            return "holds a certificate, not a private key (-----BEGIN PRIVATE KEY-----)";
        }
        return "holds no PEM private key (-----BEGIN PRIVATE KEY-----)";
    }

    private static byte[] decode(Path file, String base64, String what) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + file + "' holds a " + what + " that is not valid base64");
        }
    }

    private static String read(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException("'" + file + "' is a directory, not a PEM file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(
                        "'" + file + "' is " + size + " bytes (expected: <= " + MAX_FILE_BYTES + ")");
            }
            // PEM is ASCII; anything else in the file (a binary DER file, say) simply matches no block.
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("'" + file + "' does not exist");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read: permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read: " + e.getMessage());
        }
    }
}
