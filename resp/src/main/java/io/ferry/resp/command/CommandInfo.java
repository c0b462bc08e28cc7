package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What Ferry knows about one command or subcommand ({@code get}, {@code client|setname}): the server's
 * {@code COMMAND} metadata (arity, flags, ACL categories, tips, legacy key range, key specs,
 * subcommands), its {@code COMMAND DOCS} entry, and what Ferry derives from them: its {@link
 * CommandKind}, whether it writes, blocks or answers nondeterministically, and where its keys are.
 *
 * <p>Obtained from a {@link CommandTable}. Immutable and thread-safe; the per-invocation methods ({@link
 * #kindOf}, {@link #isBlocking(CommandMessage)}, {@link #findKeys}) read the command's arguments in
 * place and allocate nothing. They expect an invocation of this command, as returned for it by {@link
 * CommandTable#lookup(CommandMessage)}; argument indexes count from the command name, subcommand
 * name included.
 */
public final class CommandInfo {

    // Ferry's own name rules (see CommandKind), applied to the top-level name of a command.
    private static final Set<String> TRANSACTION_NAMES = Set.of("multi", "exec", "discard", "watch", "unwatch");
    private static final Set<String> SCRIPTING_NAMES =
            Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "function", "script");
    private static final Set<String> PUBSUB_NAMES = Set.of(
            "subscribe",
            "psubscribe",
            "ssubscribe",
            "unsubscribe",
            "punsubscribe",
            "sunsubscribe",
            "publish",
            "spublish",
            "pubsub");
    /** Block without the {@code blocking} flag: WAIT until replicas acknowledge, WAITAOF until fsync. */
    private static final Set<String> BLOCKING_NAMES = Set.of("wait", "waitaof");

    private static final Set<String> CONNECTION_NAMES = Set.of(
            "select", "auth", "hello", "client", "reset", "quit", "readonly", "readwrite", "asking", "ping", "echo");
    /** Flagged {@code blocking}, but only block with a BLOCK option. */
    private static final Set<String> BLOCK_OPTION_NAMES = Set.of("xread", "xreadgroup");

    private static final String TIP_NONDETERMINISTIC_OUTPUT = "nondeterministic_output";
    private static final String TIP_NONDETERMINISTIC_ORDER = "nondeterministic_output_order";
    private static final String TIP_REQUEST_POLICY = "request_policy:";
    private static final String TIP_RESPONSE_POLICY = "response_policy:";

    /** What {@link CommandTable#lookup} returns for a name it does not know. */
    static final CommandInfo UNKNOWN = new CommandInfo();

    private final String name;
    private final String displayName;
    private final String topLevelName;
    private final int arity;
    private final Set<String> flagNames;
    private final Set<CommandFlag> flags;
    private final int firstKey;
    private final int lastKey;
    private final int keyStep;
    private final Set<String> aclCategories;
    private final List<String> tips;
    private final List<KeySpec> keySpecs;
    private final List<CommandInfo> subcommands;
    private final NameIndex subcommandIndex;
    private final CommandDocs docs;
    /** Parsed from a pre-7 reply, which has neither tips nor key specs nor subcommands. */
    private final boolean legacyEntry;

    // Derived once, read on the hot path.
    private final boolean known;
    private final CommandKind kind;
    private final CommandKind kindWhenNotBlocking;
    private final boolean write;
    private final boolean readOnly;
    private final boolean blocking;
    private final boolean blockOption;
    private final boolean outputNondeterministic;
    private final boolean outputOrderNondeterministic;
    private final KeySearch keySearch;

    CommandInfo(
            String name,
            int arity,
            List<String> flagNames,
            int firstKey,
            int lastKey,
            int keyStep,
            List<String> aclCategories,
            List<String> tips,
            List<KeySpec> keySpecs,
            List<CommandInfo> subcommands,
            CommandDocs docs,
            boolean legacyEntry) {
        this.name = requireName(name);
        this.displayName = name.toUpperCase(Locale.ROOT).replace('|', ' ');
        int bar = name.indexOf('|');
        this.topLevelName = bar < 0 ? name : name.substring(0, bar);
        this.arity = arity;
        this.flagNames = Collections.unmodifiableSet(new LinkedHashSet<>(flagNames));
        EnumSet<CommandFlag> known = EnumSet.noneOf(CommandFlag.class);
        for (String flag : flagNames) {
            CommandFlag parsed = CommandFlag.fromWireName(flag);
            if (parsed != null) {
                known.add(parsed);
            }
        }
        this.flags = Collections.unmodifiableSet(known);
        this.firstKey = firstKey;
        this.lastKey = lastKey;
        this.keyStep = keyStep;
        this.aclCategories = Collections.unmodifiableSet(new LinkedHashSet<>(aclCategories));
        this.tips = List.copyOf(tips);
        this.keySpecs = List.copyOf(keySpecs);
        List<CommandInfo> sortedSubcommands = new ArrayList<>(subcommands);
        sortedSubcommands.sort(Comparator.comparing(CommandInfo::name));
        this.subcommands = List.copyOf(sortedSubcommands);
        Map<String, CommandInfo> bySubcommandName = new LinkedHashMap<>();
        for (CommandInfo subcommand : this.subcommands) {
            if (bySubcommandName.put(subcommand.subcommandName(), subcommand) != null) {
                throw new IllegalArgumentException(
                        "command '" + name + "': subcommand '" + subcommand.name() + "' listed twice");
            }
        }
        this.subcommandIndex = new NameIndex(bySubcommandName);
        this.docs = Objects.requireNonNull(docs, "docs");
        this.legacyEntry = legacyEntry;

        this.known = true;
        boolean container = !this.subcommands.isEmpty();
        this.blocking = has(CommandFlag.BLOCKING) || BLOCKING_NAMES.contains(topLevelName);
        this.blockOption = BLOCK_OPTION_NAMES.contains(name);
        this.kind = classify(container, this.blocking);
        this.kindWhenNotBlocking = classify(container, false);
        this.readOnly = has(CommandFlag.READONLY);
        this.write = container || has(CommandFlag.WRITE) || (!readOnly && specsMayModify(this.keySpecs));
        this.outputNondeterministic = this.tips.contains(TIP_NONDETERMINISTIC_OUTPUT) || has(CommandFlag.RANDOM);
        this.outputOrderNondeterministic =
                this.tips.contains(TIP_NONDETERMINISTIC_ORDER) || has(CommandFlag.SORT_FOR_SCRIPT);
        this.keySearch = container
                ? KeySearch.NONE
                : KeySearch.of(name, this.keySpecs, firstKey, lastKey, keyStep, has(CommandFlag.MOVABLEKEYS));
    }

    /** The entry for names the table does not know. */
    private CommandInfo() {
        this.name = "";
        this.displayName = "";
        this.topLevelName = "";
        this.arity = 0;
        this.flagNames = Set.of();
        this.flags = Set.of();
        this.firstKey = 0;
        this.lastKey = 0;
        this.keyStep = 0;
        this.aclCategories = Set.of();
        this.tips = List.of();
        this.keySpecs = List.of();
        this.subcommands = List.of();
        this.subcommandIndex = new NameIndex(Map.of());
        this.docs = CommandDocs.NONE;
        this.legacyEntry = false;
        this.known = false;
        this.kind = CommandKind.UNKNOWN;
        this.kindWhenNotBlocking = CommandKind.UNKNOWN;
        this.write = true;
        this.readOnly = false;
        this.blocking = false;
        this.blockOption = false;
        this.outputNondeterministic = false;
        this.outputOrderNondeterministic = false;
        this.keySearch = KeySearch.NONE;
    }

    private static String requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A command needs a name");
        }
        return name;
    }

    /** The kind of a known command, by the precedence documented on {@link CommandKind}. */
    private CommandKind classify(boolean container, boolean mayBlock) {
        if (TRANSACTION_NAMES.contains(topLevelName)) {
            return CommandKind.TRANSACTION;
        }
        if (SCRIPTING_NAMES.contains(topLevelName)) {
            return CommandKind.SCRIPTING;
        }
        if (has(CommandFlag.PUBSUB) || PUBSUB_NAMES.contains(topLevelName)) {
            return CommandKind.PUBSUB;
        }
        if (mayBlock) {
            return CommandKind.BLOCKING;
        }
        if (CONNECTION_NAMES.contains(topLevelName)) {
            return CommandKind.CONNECTION;
        }
        if (container) {
            // Reached only with a missing or unknown subcommand: nothing is known about what it does.
            return CommandKind.UNKNOWN;
        }
        if (has(CommandFlag.ADMIN)) {
            return CommandKind.ADMIN;
        }
        if (has(CommandFlag.WRITE)) {
            return CommandKind.WRITE;
        }
        if (has(CommandFlag.READONLY)) {
            return CommandKind.READ;
        }
        return CommandKind.SERVER;
    }

    private static boolean specsMayModify(List<KeySpec> specs) {
        for (KeySpec spec : specs) {
            if (!spec.isNotKey() && spec.mayModify()) {
                return true;
            }
        }
        return false;
    }

    /** The full lower-case name: {@code "get"}, or {@code "client|setname"} for a subcommand; empty when unknown. */
    public String name() {
        return name;
    }

    /** The name as logs and records show it: {@code "GET"}, {@code "CLIENT SETNAME"}; empty when unknown. */
    public String displayName() {
        return displayName;
    }

    /** The command's own name: {@code "client"} for {@code client|setname}, else the same as {@link #name()}. */
    public String topLevelName() {
        return topLevelName;
    }

    /** True for a subcommand such as {@code config|get}. */
    public boolean isSubcommand() {
        return name.length() != topLevelName.length();
    }

    /** The part after the bar for a subcommand ({@code "setname"}), else the name. */
    public String subcommandName() {
        return isSubcommand() ? name.substring(topLevelName.length() + 1) : name;
    }

    /** False only for the shared entry {@link CommandTable#lookup} returns for names it does not know. */
    public boolean isKnown() {
        return known;
    }

    /**
     * The number of arguments, command name included: exact when positive, a minimum when negative
     * ({@code -3}: at least 3), as Redis reports it.
     */
    public int arity() {
        return arity;
    }

    /** Every flag the server reported, in its order; includes flags {@link CommandFlag} does not know. */
    public Set<String> flagNames() {
        return flagNames;
    }

    /** The reported flags {@link CommandFlag} knows. */
    public Set<CommandFlag> flags() {
        return flags;
    }

    public boolean has(CommandFlag flag) {
        return flags.contains(flag);
    }

    /** Legacy key range: index of the first key, 0 when none is fixed. */
    public int firstKey() {
        return firstKey;
    }

    /** Legacy key range: index of the last key, negative from the end ({@code -1}: the last argument). */
    public int lastKey() {
        return lastKey;
    }

    /** Legacy key range: the distance between keys. */
    public int keyStep() {
        return keyStep;
    }

    /** ACL categories as reported, with their {@code @}: {@code @read}, {@code @string}, {@code @fast}. */
    public Set<String> aclCategories() {
        return aclCategories;
    }

    /** Redis 7 tips: {@code nondeterministic_output}, {@code request_policy:all_shards}, ... */
    public List<String> tips() {
        return tips;
    }

    /** The cluster request policy tip ({@code all_shards}, {@code multi_shard}, ...), if any. */
    public Optional<String> requestPolicy() {
        return tipValue(TIP_REQUEST_POLICY);
    }

    /** The cluster response policy tip ({@code agg_sum}, {@code all_succeeded}, ...), if any. */
    public Optional<String> responsePolicy() {
        return tipValue(TIP_RESPONSE_POLICY);
    }

    private Optional<String> tipValue(String prefix) {
        for (String tip : tips) {
            if (tip.startsWith(prefix)) {
                return Optional.of(tip.substring(prefix.length()));
            }
        }
        return Optional.empty();
    }

    /** Redis 7 key specs, in the server's order; empty from an older server or for keyless commands. */
    public List<KeySpec> keySpecs() {
        return keySpecs;
    }

    /** Subcommands sorted by name; empty unless this is a container such as CLIENT or CONFIG. */
    public List<CommandInfo> subcommands() {
        return subcommands;
    }

    public boolean hasSubcommands() {
        return !subcommands.isEmpty();
    }

    /** The subcommand called {@code subcommandName} ({@code "setname"} or {@code "client|setname"}), if any. */
    public Optional<CommandInfo> subcommand(String subcommandName) {
        int bar = subcommandName.indexOf('|');
        return Optional.ofNullable(subcommandIndex.find(bar < 0 ? subcommandName : subcommandName.substring(bar + 1)));
    }

    CommandInfo findSubcommand(CommandMessage command) {
        return command.argCount() > 1 ? subcommandIndex.find(command.arg(1)) : null;
    }

    /** {@code COMMAND DOCS}; {@link CommandDocs#NONE} when the server gave none. */
    public CommandDocs docs() {
        return docs;
    }

    /** The documented group ({@code string}, {@code hash}, {@code stream}, ...), or empty. */
    public String group() {
        return docs.group();
    }

    /** What the command is; see {@link CommandKind} for the rules and their precedence. */
    public CommandKind kind() {
        return kind;
    }

    /**
     * What this invocation is: {@link #kind()}, except for XREAD and XREADGROUP without a BLOCK option,
     * which do not block and are then a {@link CommandKind#READ} and a {@link CommandKind#WRITE}.
     */
    public CommandKind kindOf(CommandMessage command) {
        return blockOption && !BlockOption.present(command) ? kindWhenNotBlocking : kind;
    }

    /**
     * True when the command may change the keyspace: the {@code write} flag; a command without the
     * {@code readonly} flag whose key specs may modify keys (EVAL, EVALSHA, FCALL); a container reached
     * without a known subcommand; or a command not in the table ("unknown commands are writes").
     */
    public boolean isWrite() {
        return write;
    }

    /** True for the {@code readonly} flag: the command reads keys and changes none (EVAL_RO included). */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * True when an invocation may block: the {@code blocking} flag (BLPOP, BLMOVE, BZMPOP, XREAD, ...) or
     * WAIT and WAITAOF. XREAD and XREADGROUP block only with BLOCK: ask {@link
     * #isBlocking(CommandMessage)} about one invocation. Inside MULTI nothing blocks; that is the
     * session's to know.
     */
    public boolean isBlocking() {
        return blocking;
    }

    /** Whether this invocation may block: as {@link #isBlocking()}, but XREAD/XREADGROUP only with BLOCK. */
    public boolean isBlocking(CommandMessage command) {
        return blockOption ? BlockOption.present(command) : blocking;
    }

    /**
     * True when two identical calls may answer differently, in value or in order: the {@code
     * nondeterministic_output} or {@code nondeterministic_output_order} tip (Redis 7), or the {@code
     * random} or {@code sort_for_script} flag (Redis 6).
     */
    public boolean isNondeterministic() {
        return outputNondeterministic || outputOrderNondeterministic;
    }

    /**
     * True when only the order of the reply may differ between calls (SMEMBERS, HGETALL, KEYS): compare
     * such replies as unordered collections. False for a command whose value itself may differ.
     */
    public boolean isOutputOrderNondeterministic() {
        return outputOrderNondeterministic && !outputNondeterministic;
    }

    /**
     * True when no invocation has keys (PING, PUBLISH, CLIENT SETNAME, INFO). False when keys are
     * possible, and for unknown commands and containers, whose keys are unknown.
     */
    public boolean noKeys() {
        return keySearch.locatesNoKeys();
    }

    /**
     * Locates the keys of {@code command} into {@code out}, which is reset first and returned. Follows the
     * key specs as Redis's {@code COMMAND GETKEYS} does (and Redis's own parsing for SORT and MIGRATE);
     * shard channels are not keys. Every index is below {@code command.argCount()}; a count argument
     * ({@code numkeys}) that is negative, not a number or larger than the arguments present gives {@link
     * KeyPositions.Status#MALFORMED} and no keys. Allocates nothing unless {@code out} has to grow.
     */
    public KeyPositions findKeys(CommandMessage command, KeyPositions out) {
        keySearch.find(command, out);
        return out;
    }

    /** The argument indexes of the keys of {@code command}; allocates, so use {@link #findKeys} when hot. */
    public int[] keyIndexes(CommandMessage command) {
        return findKeys(command, new KeyPositions()).toArray();
    }

    /**
     * This entry, a live server's, completed from {@code fallback} (the bundled entry of the same name):
     * an entry from a pre-7 server takes the key specs and tips of the fallback when both describe the
     * same legacy key range, subcommands missing here are taken from the fallback, and documentation
     * too when this entry has none. What this entry says always wins.
     */
    CommandInfo withFallback(CommandInfo fallback) {
        List<KeySpec> mergedSpecs = keySpecs;
        List<String> mergedTips = tips;
        if (legacyEntry
                && firstKey == fallback.firstKey
                && lastKey == fallback.lastKey
                && keyStep == fallback.keyStep) {
            mergedSpecs = keySpecs.isEmpty() ? fallback.keySpecs : keySpecs;
            mergedTips = tips.isEmpty() ? fallback.tips : tips;
        }
        Map<String, CommandInfo> mergedSubcommands = new LinkedHashMap<>();
        for (CommandInfo subcommand : subcommands) {
            mergedSubcommands.put(subcommand.name(), subcommand);
        }
        for (CommandInfo fallbackSubcommand : fallback.subcommands) {
            mergedSubcommands.merge(
                    fallbackSubcommand.name(), fallbackSubcommand, (live, bundled) -> live.withFallback(bundled));
        }
        return new CommandInfo(
                name,
                arity,
                List.copyOf(flagNames),
                firstKey,
                lastKey,
                keyStep,
                List.copyOf(aclCategories),
                mergedTips,
                mergedSpecs,
                List.copyOf(mergedSubcommands.values()),
                docs.equals(CommandDocs.NONE) ? fallback.docs : docs,
                legacyEntry && mergedSpecs.isEmpty());
    }

    /** Equal when the server metadata and docs are equal; what Ferry derives follows from them. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CommandInfo other
                && name.equals(other.name)
                && known == other.known
                && arity == other.arity
                && firstKey == other.firstKey
                && lastKey == other.lastKey
                && keyStep == other.keyStep
                && flagNames.equals(other.flagNames)
                && aclCategories.equals(other.aclCategories)
                && tips.equals(other.tips)
                && keySpecs.equals(other.keySpecs)
                && subcommands.equals(other.subcommands)
                && docs.equals(other.docs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, arity, flagNames, keySpecs, subcommands);
    }

    @Override
    public String toString() {
        if (!known) {
            return "CommandInfo[<unknown>]";
        }
        return "CommandInfo[" + name + ", " + kind + ", arity " + arity + ", flags " + flagNames + ", keys "
                + firstKey + "/" + lastKey + "/" + keyStep + ", " + keySpecs.size() + " key specs"
                + (subcommands.isEmpty() ? "" : ", " + subcommands.size() + " subcommands") + "]";
    }
}
