package io.ferry.analyzer;

import io.ferry.resp.command.CommandInfo;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the migration target accepts, as far as the analyzer checks it: a Redis version (commands
 * added after it are unsupported, by the {@code since} of the command table's docs) and commands a
 * managed service disables. A command the command table does not know is unsupported too: nothing
 * says the target has it.
 *
 * <p>The named profiles are starting points an operator can adjust with {@link #withVersion} and
 * {@link #withDisabled}. Their disabled lists are the restricted commands each provider documents for
 * its managed Redis. Immutable and thread-safe.
 *
 * @param name the profile's name, for reports
 * @param version the target's Redis-compatible version, {@code major.minor[.patch]}
 * @param disabled upper-case command names ({@code "CONFIG"}, or {@code "CONFIG SET"} for one
 *     subcommand) the target refuses
 */
public record TargetProfile(String name, String version, Set<String> disabled) {
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+(\\.\\d+)?");

    /** Redis OSS or Valkey run by the operator: every command of its version. */
    public static final TargetProfile REDIS = new TargetProfile("redis", "7.0", Set.of());

    /** Amazon ElastiCache for Redis OSS / Valkey: its documented restricted commands. */
    public static final TargetProfile ELASTICACHE = new TargetProfile(
            "elasticache",
            "7.0",
            Set.of(
                    "BGREWRITEAOF",
                    "BGSAVE",
                    "CONFIG",
                    "DEBUG",
                    "MIGRATE",
                    "MODULE",
                    "PSYNC",
                    "REPLICAOF",
                    "SAVE",
                    "SHUTDOWN",
                    "SLAVEOF",
                    "SYNC",
                    "ACL SETUSER",
                    "ACL DELUSER",
                    "ACL LOAD",
                    "ACL SAVE"));

    /** Google Memorystore for Redis: its documented blocked commands. */
    public static final TargetProfile MEMORYSTORE = new TargetProfile(
            "memorystore",
            "7.0",
            Set.of(
                    "BGREWRITEAOF",
                    "BGSAVE",
                    "CONFIG GET",
                    "CONFIG SET",
                    "CONFIG REWRITE",
                    "CONFIG RESETSTAT",
                    "DEBUG",
                    "LASTSAVE",
                    "MIGRATE",
                    "MODULE",
                    "MONITOR",
                    "REPLICAOF",
                    "SAVE",
                    "SHUTDOWN",
                    "SLAVEOF",
                    "SYNC",
                    "PSYNC",
                    "ACL"));

    /** Azure Cache for Redis: its documented unavailable commands. */
    public static final TargetProfile AZURE = new TargetProfile(
            "azure",
            "6.0",
            Set.of(
                    "BGREWRITEAOF",
                    "BGSAVE",
                    "CONFIG",
                    "DEBUG",
                    "MIGRATE",
                    "MODULE",
                    "PSYNC",
                    "REPLICAOF",
                    "SAVE",
                    "SHUTDOWN",
                    "SLAVEOF",
                    "SYNC",
                    "ACL"));

    private static final Map<String, TargetProfile> NAMED =
            Map.of("redis", REDIS, "elasticache", ELASTICACHE, "memorystore", MEMORYSTORE, "azure", AZURE);

    public TargetProfile {
        Objects.requireNonNull(name, "name");
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("target version: " + version + " (expected: major.minor[.patch])");
        }
        TreeSet<String> names = new TreeSet<>();
        for (String command : disabled) {
            String normal = command.trim().replace('|', ' ').toUpperCase(Locale.ROOT);
            if (!normal.isEmpty()) {
                names.add(normal);
            }
        }
        disabled = Set.copyOf(names);
    }

    /** The names {@link #named} knows. */
    public static List<String> names() {
        return NAMED.keySet().stream().sorted().toList();
    }

    /**
     * The profile called {@code name}.
     *
     * @throws IllegalArgumentException for a name {@link #names()} does not list
     */
    public static TargetProfile named(String name) {
        TargetProfile profile = NAMED.get(name.toLowerCase(Locale.ROOT));
        if (profile == null) {
            throw new IllegalArgumentException("target profile: " + name + " (expected one of " + names() + ")");
        }
        return profile;
    }

    public TargetProfile withVersion(String newVersion) {
        return new TargetProfile(name, newVersion, disabled);
    }

    /** This profile with {@code more} disabled commands as well. */
    public TargetProfile withDisabled(Collection<String> more) {
        TreeSet<String> all = new TreeSet<>(disabled);
        all.addAll(more);
        return new TargetProfile(name, version, all);
    }

    /**
     * Why the target would refuse {@code command} (a command table entry; {@code displayName} as the
     * traffic record names it), or empty when it accepts it.
     */
    public Optional<String> refusal(CommandInfo command, String displayName) {
        if (!command.isKnown()) {
            return Optional.of("not a command Redis " + version + " knows");
        }
        String upper = displayName.toUpperCase(Locale.ROOT);
        int space = upper.indexOf(' ');
        if (disabled.contains(upper) || (space > 0 && disabled.contains(upper.substring(0, space)))) {
            return Optional.of("disabled on " + name);
        }
        String since = command.docs().since();
        if (!since.isEmpty() && isOlderThan(since)) {
            return Optional.of("added in Redis " + since + ", the target runs " + version);
        }
        return Optional.empty();
    }

    /**
     * True when the target's version is before {@code other}, compared on as many parts as the target's
     * version gives: a target of {@code 7.0} is any 7.0.x, so it is not older than {@code 7.0.15}.
     */
    public boolean isOlderThan(String other) {
        int given = version.split("\\.").length;
        int[] mine = parts(version);
        int[] theirs = parts(other);
        for (int i = 0; i < given; i++) {
            if (mine[i] != theirs[i]) {
                return mine[i] < theirs[i];
            }
        }
        return false;
    }

    private static int[] parts(String version) {
        int[] parts = new int[3];
        String[] split = version.split("\\.");
        for (int i = 0; i < 3 && i < split.length; i++) {
            parts[i] = Integer.parseInt(
                    split[i].replaceAll("\\D.*$", "").isEmpty() ? "0" : split[i].replaceAll("\\D.*$", ""));
        }
        return parts;
    }

    @Override
    public String toString() {
        return name + " " + version + (disabled.isEmpty() ? "" : " without " + Arrays.toString(disabled.toArray()));
    }
}
