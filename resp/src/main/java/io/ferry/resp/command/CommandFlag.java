package io.ferry.resp.command;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The command flags Redis reports in the third field of a {@code COMMAND} entry, as of Redis 7 (and
 * the {@code random}, {@code sort_for_script} and {@code may_replicate} of Redis 6). A server may
 * report flags this enum does not know; {@link CommandInfo#flagNames()} keeps every reported flag.
 */
public enum CommandFlag {
    WRITE,
    READONLY,
    DENYOOM,
    MODULE,
    ADMIN,
    PUBSUB,
    NOSCRIPT,
    BLOCKING,
    LOADING,
    STALE,
    SKIP_MONITOR,
    SKIP_SLOWLOG,
    ASKING,
    FAST,
    NO_AUTH,
    MAY_REPLICATE,
    NO_MANDATORY_KEYS,
    NO_ASYNC_LOADING,
    NO_MULTI,
    MOVABLEKEYS,
    ALLOW_BUSY,
    /** Redis 6: the reply may differ between calls; Redis 7 says it with tips instead. */
    RANDOM,
    /** Redis 6: the reply order is not deterministic and scripts get it sorted. */
    SORT_FOR_SCRIPT;

    private static final Map<String, CommandFlag> BY_WIRE_NAME = new HashMap<>();

    static {
        for (CommandFlag flag : values()) {
            BY_WIRE_NAME.put(flag.wireName(), flag);
        }
    }

    /** The name as the server reports it, e.g. {@code "no_mandatory_keys"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The flag the server calls {@code wireName} (any case), or null when this enum does not know it. */
    public static CommandFlag fromWireName(String wireName) {
        return BY_WIRE_NAME.get(wireName.toLowerCase(Locale.ROOT));
    }
}
