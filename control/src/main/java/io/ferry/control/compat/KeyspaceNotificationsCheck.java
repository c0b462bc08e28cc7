package io.ferry.control.compat;

import java.util.List;
import java.util.Optional;

/**
 * notify-keyspace-events: applications subscribed to {@code __keyspace@*} or {@code __keyevent@*} channels stop
 * hearing of changes when the target does not publish the same events.
 */
final class KeyspaceNotificationsCheck implements CompatibilityCheck {
    static final String ID = "keyspace-notifications";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        Optional<String> source = context.source().config("notify-keyspace-events");
        Optional<String> target = context.target().config("notify-keyspace-events");
        if (source.isEmpty() || target.isEmpty()) {
            return List.of(Finding.info(
                    ID,
                    "notify-keyspace-events of the " + (source.isEmpty() ? "source" : "target")
                            + " is not readable (CONFIG refused): compare it by hand"));
        }
        if (normalise(source.get()).equals(normalise(target.get()))) {
            return List.of();
        }
        return List.of(Finding.warning(
                ID,
                "notify-keyspace-events is '" + source.get() + "' on the source, '" + target.get() + "' on the target",
                "set it on the target to '" + source.get()
                        + "' (configuration replication proposes it) if applications subscribe to keyspace events"));
    }

    /** The flags as a sorted set of letters: "Kx" and "xK" are the same setting. */
    private static String normalise(String flags) {
        return flags.chars()
                .distinct()
                .sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }
}
