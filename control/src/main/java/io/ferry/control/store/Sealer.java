package io.ferry.control.store;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Seals passwords before they reach the control topic: AES-256-GCM with a random 12-byte nonce per password,
 * stored as nonce followed by ciphertext and tag. The key lives in a file of its own (base64, mode 0600), created
 * on first use; whoever reads the topic without it learns nothing of the passwords. Thread-safe.
 */
public final class Sealer {
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private Sealer(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * The key in {@code file}, made (readable by this user only) when the file does not exist yet.
     *
     * @throws IOException when the file cannot be read or written
     * @throws IllegalArgumentException when the file does not hold a base64 256-bit key; the message names the
     *     file, never its content
     */
    public static Sealer fromKeyFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] key = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(key);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            try {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
            } catch (FileAlreadyExistsException e) {
                // made by another process meanwhile: read it below
            }
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(Files.readString(file).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key file " + file + " does not hold base64 text");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException(
                    "the key file " + file + " holds " + key.length + " bytes (expected: " + KEY_BYTES + ")");
        }
        return new Sealer(key);
    }

    public byte[] seal(String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * @throws IllegalStateException when the password was sealed with another key (the key file changed) or was
     *     altered
     */
    public String unseal(byte[] sealed) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("a sealed password of " + sealed.length + " bytes is too short");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            return new String(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException(
                    "a sealed password does not open with this key: was the key file replaced?");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }
}
