package io.ferry.comparator.verify;

/**
 * What one side holds for a key, read in one pass: its type ({@code "none"} when missing), its expiry
 * as absolute Unix ms ({@value #NO_EXPIRY}: none, {@value #MISSING}: no key), a digest of its value
 * as {@link KeyReader} makes it, or null when the key is too big to read whole, and its size (bytes of
 * a string, elements of a collection).
 */
public record KeyState(String type, long expiryMillis, String digest, long size) {
    static final long NO_EXPIRY = -1;
    static final long MISSING = -2;
    static final KeyState NONE = new KeyState("none", MISSING, null, 0);

    public boolean missing() {
        return "none".equals(type);
    }
}
