package io.ferry.workload;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A key's state in a comparable form, as read from a server or as the history says it must be: its type (Redis's
 * {@code TYPE} name, {@code none} when absent), its value normalised per type, and its absolute expiry. Values are
 * compared with {@code equals}: a string is a {@code String} (bytes read as ISO-8859-1, one char per byte), a hash a
 * {@code Map} of field to value, a list a {@code List}, a set a {@code Set}, a sorted set a {@code Map} of member to
 * score, a stream a {@code List} of entries, each {@code [id, field, value, ...]}. Immutable by convention (the
 * collections are not copied).
 *
 * @param expireAtMillis the absolute expiry (epoch ms), or -1 when the key has no expiry
 */
public record KeyValue(String type, Object value, long expireAtMillis) {
    public static final KeyValue NONE = new KeyValue("none", null, -1);

    public KeyValue {
        Objects.requireNonNull(type, "type");
    }

    public boolean exists() {
        return !type.equals("none");
    }

    /** The value's size in bytes (string lengths summed; a score counts 8). */
    public long bytes() {
        return size(value);
    }

    private static long size(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof String text) {
            return text.length();
        }
        if (value instanceof Double) {
            return 8;
        }
        long total = 0;
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                total += size(entry.getKey()) + size(entry.getValue());
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                total += size(item);
            }
        } else if (value instanceof Set<?> set) {
            for (Object item : set) {
                total += size(item);
            }
        }
        return total;
    }

    /** A short description for a report: the type, the size, whether it expires; never the value itself. */
    public String describe() {
        if (!exists()) {
            return "absent";
        }
        return type + " of " + bytes() + " bytes" + (expireAtMillis < 0 ? "" : ", expiring");
    }
}
