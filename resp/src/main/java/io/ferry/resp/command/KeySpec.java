package io.ferry.resp.command;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One Redis 7 key specification: a rule locating some of a command's keys in its arguments, and how
 * the command uses them. A command has one spec per group of keys used the same way (BITOP: the
 * destination, written, then the sources, read). Immutable.
 *
 * @param flags how the keys are used; an unmodifiable set
 * @param beginSearch where the search for the keys starts
 * @param findKeys how the keys are found from there
 * @param notes the server's free-text remark, or an empty string
 */
public record KeySpec(Set<KeySpecFlag> flags, BeginSearch beginSearch, FindKeys findKeys, String notes) {

    public KeySpec {
        flags = flags.isEmpty() ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
        Objects.requireNonNull(beginSearch, "beginSearch");
        Objects.requireNonNull(findKeys, "findKeys");
        Objects.requireNonNull(notes, "notes");
    }

    /** A spec without notes. */
    public static KeySpec of(Set<KeySpecFlag> flags, BeginSearch beginSearch, FindKeys findKeys) {
        return new KeySpec(flags, beginSearch, findKeys, "");
    }

    public boolean has(KeySpecFlag flag) {
        return flags.contains(flag);
    }

    /** True when the spec locates shard channels (SPUBLISH, SSUBSCRIBE), not keys. */
    public boolean isNotKey() {
        return flags.contains(KeySpecFlag.NOT_KEY);
    }

    /** True when the command may change the keys this spec locates. */
    public boolean mayModify() {
        return flags.contains(KeySpecFlag.RW) || flags.contains(KeySpecFlag.OW) || flags.contains(KeySpecFlag.RM);
    }

    /**
     * True when the spec can be followed mechanically and finds every key it describes: neither part
     * is {@code unknown} and it is not flagged {@link KeySpecFlag#INCOMPLETE}.
     */
    public boolean isComplete() {
        return !(beginSearch instanceof BeginSearch.Unknown)
                && !(findKeys instanceof FindKeys.Unknown)
                && !flags.contains(KeySpecFlag.INCOMPLETE);
    }
}
