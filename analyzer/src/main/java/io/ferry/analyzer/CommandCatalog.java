package io.ferry.analyzer;

import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandKind;
import io.ferry.resp.command.CommandTable;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command table as the analyzer reads it: {@link CommandFacts} per command name of the traffic
 * topic, classified once and cached. The cache holds at most {@value #CAPACITY} names, so names
 * made up by a client or a damaged capture cannot grow it without bound; past that, a name is
 * classified again on every record.
 *
 * <p>Not thread-safe: one per stream task.
 */
public final class CommandCatalog {
    static final int CAPACITY = 4096;
    /** Longest command name kept as a metric dimension; longer names are cut. */
    static final int MAX_NAME_LENGTH = 64;

    private static final Set<String> TRANSACTION_NAMES = Set.of("multi", "exec", "discard");
    private static final String DANGEROUS_CATEGORY = "@dangerous";

    private final CommandTable table;
    private final TargetProfile target;
    private final Map<String, CommandFacts> cache = new HashMap<>();

    public CommandCatalog(CommandTable table, TargetProfile target) {
        this.table = table;
        this.target = target;
    }

    /** The facts about {@code command}, a traffic record's command name. */
    public CommandFacts facts(String command) {
        CommandFacts facts = cache.get(command);
        if (facts == null) {
            facts = classify(command);
            if (cache.size() < CAPACITY) {
                cache.put(command, facts);
            }
        }
        return facts;
    }

    private CommandFacts classify(String command) {
        String name = command.length() > MAX_NAME_LENGTH ? command.substring(0, MAX_NAME_LENGTH) : command;
        String lower = name.toLowerCase(Locale.ROOT).trim();
        int space = lower.indexOf(' ');
        CommandInfo info = table.find(space < 0 ? lower : lower.substring(0, space) + "|" + lower.substring(space + 1))
                .or(() -> space < 0 ? java.util.Optional.empty() : table.find(lower.substring(0, space)))
                .orElse(null);
        if (info == null) {
            return new CommandFacts(
                    name,
                    CommandKind.UNKNOWN,
                    "unknown",
                    false,
                    true,
                    EnumSet.of(MigrationRisk.UNKNOWN_COMMAND, MigrationRisk.UNSUPPORTED_BY_TARGET),
                    "not a command the command table knows");
        }
        EnumSet<MigrationRisk> risks = EnumSet.noneOf(MigrationRisk.class);
        switch (info.kind()) {
            case TRANSACTION ->
                risks.add(
                        TRANSACTION_NAMES.contains(info.topLevelName())
                                ? MigrationRisk.TRANSACTION
                                : MigrationRisk.WATCH);
            case SCRIPTING -> risks.add(MigrationRisk.SCRIPTING);
            case PUBSUB -> risks.add(MigrationRisk.PUBSUB);
            case BLOCKING -> {
                // XREAD and XREADGROUP block only with BLOCK: decided per record.
                if (!info.topLevelName().startsWith("xread")) {
                    risks.add(MigrationRisk.BLOCKING);
                }
            }
            default -> {}
        }
        if (info.aclCategories().contains(DANGEROUS_CATEGORY)) {
            risks.add(MigrationRisk.DANGEROUS);
        }
        String refusal = target.refusal(info, name).orElse(null);
        if (refusal != null) {
            risks.add(MigrationRisk.UNSUPPORTED_BY_TARGET);
        }
        String group = info.group().isEmpty() ? "unknown" : info.group();
        return new CommandFacts(name, info.kind(), group, info.isReadOnly(), info.isWrite(), risks, refusal);
    }
}
