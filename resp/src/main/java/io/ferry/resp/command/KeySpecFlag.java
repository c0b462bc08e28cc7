package io.ferry.resp.command;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The flags of a Redis 7 key specification: how the command uses the keys the spec locates.
 *
 * <p>Access: {@link #RO} read-only, {@link #RW} read-write, {@link #OW} overwrite (the old value is
 * not read), {@link #RM} remove. Operation on the data: {@link #ACCESS}, {@link #UPDATE}, {@link
 * #INSERT}, {@link #DELETE}. Spec properties: {@link #NOT_KEY} (a shard channel, not a key), {@link
 * #INCOMPLETE} (may miss keys), {@link #VARIABLE_FLAGS} (the flags depend on other arguments).
 */
public enum KeySpecFlag {
    RO,
    RW,
    OW,
    RM,
    ACCESS,
    UPDATE,
    INSERT,
    DELETE,
    NOT_KEY,
    INCOMPLETE,
    VARIABLE_FLAGS;

    private static final Map<String, KeySpecFlag> BY_WIRE_NAME = new HashMap<>();

    static {
        for (KeySpecFlag flag : values()) {
            BY_WIRE_NAME.put(flag.name(), flag);
        }
    }

    /** The flag named {@code wireName} (any case: Redis writes {@code RW} but {@code access}), or null. */
    public static KeySpecFlag fromWireName(String wireName) {
        return BY_WIRE_NAME.get(wireName.toUpperCase(Locale.ROOT));
    }

    /** The name as Redis reports it: upper case for the access flags, lower case for the others. */
    public String wireName() {
        return switch (this) {
            case RO, RW, OW, RM -> name();
            default -> name().toLowerCase(Locale.ROOT);
        };
    }
}
