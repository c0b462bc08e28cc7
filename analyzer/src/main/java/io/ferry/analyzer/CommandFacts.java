package io.ferry.analyzer;

import io.ferry.resp.command.CommandKind;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the analyzer needs to know about one command name, read from the command table once and
 * cached by {@link CommandCatalog}. Immutable.
 *
 * @param name the name as the traffic record gives it ({@code "GET"}, {@code "CLIENT SETNAME"}),
 *     bounded in length
 * @param kind the command table's kind; {@link CommandKind#UNKNOWN} for a name it does not know
 * @param group the documented data-type group ({@code string}, {@code hash}, ...), {@code unknown}
 *     when none
 * @param reads true for a read-only command
 * @param writes true for a command that may write (unknown commands included)
 * @param risks what the command is a migration risk for, whatever its arguments (SELECT's db and
 *     XREAD's BLOCK are decided per record)
 * @param refusal why the target refuses it, or null when it accepts it
 */
public record CommandFacts(
        String name,
        CommandKind kind,
        String group,
        boolean reads,
        boolean writes,
        Set<MigrationRisk> risks,
        String refusal) {
    public CommandFacts {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(group, "group");
        risks = risks.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(risks));
    }
}
