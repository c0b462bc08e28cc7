package io.ferry.resp.command;

import java.util.Objects;
import java.util.Set;

/**
 * What {@code COMMAND DOCS} says about one command or subcommand (Redis 7 and later): its data-type
 * group, for per-type statistics, and its human description. Argument trees and history are not
 * kept. Immutable; absent fields are empty strings.
 *
 * @param summary one line describing the command
 * @param since the Redis version that introduced it
 * @param group the data type or area: {@code string}, {@code hash}, {@code list}, {@code set}, {@code
 *     sorted-set}, {@code stream}, {@code geo}, {@code hyperloglog}, {@code bitmap}, {@code pubsub},
 *     {@code scripting}, {@code transactions}, {@code connection}, {@code server}, {@code cluster},
 *     {@code generic}, {@code module}, ...
 * @param complexity the time complexity, as documented
 * @param docFlags {@code deprecated}, {@code syscmd}; unmodifiable
 * @param deprecatedSince the version that deprecated it
 * @param replacedBy what replaces it when deprecated
 */
public record CommandDocs(
        String summary,
        String since,
        String group,
        String complexity,
        Set<String> docFlags,
        String deprecatedSince,
        String replacedBy) {

    /** No documentation: what a server older than Redis 7 offers. */
    public static final CommandDocs NONE = new CommandDocs("", "", "", "", Set.of(), "", "");

    public CommandDocs {
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(complexity, "complexity");
        docFlags = Set.copyOf(docFlags);
        Objects.requireNonNull(deprecatedSince, "deprecatedSince");
        Objects.requireNonNull(replacedBy, "replacedBy");
    }

    public boolean isDeprecated() {
        return docFlags.contains("deprecated") || !deprecatedSince.isEmpty();
    }
}
