package io.ferry.comparator.verify;

import io.ferry.resp.KeyText;

/** A key a verify confirmed different: its database, the key, how it differs and what each side held. */
public record Mismatch(int db, byte[] key, Verdict verdict, KeyState source, KeyState target) {
    /** The key as redis-cli prints it. */
    public String keyText() {
        return KeyText.quoted(key);
    }

    public String sourceType() {
        return source.type();
    }

    public String targetType() {
        return target.type();
    }

    public long sourceSize() {
        return source.size();
    }

    public long targetSize() {
        return target.size();
    }

    public long sourceExpiryMillis() {
        return source.expiryMillis();
    }

    public long targetExpiryMillis() {
        return target.expiryMillis();
    }

    public String sourceDigest() {
        return source.digest();
    }

    public String targetDigest() {
        return target.digest();
    }
}
