package io.ferry.workload;

import io.ferry.settings.RedisUri;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Workload} does. Validated when built.
 *
 * @param targets where it connects (a Redis server or a Ferry listener); with several (proxy nodes), a connection
 *     that keeps failing moves to the next, as a client with a list of nodes does
 * @param connections connections, each a thread owning its own keys
 * @param rate operations per second over all connections (writes and reads)
 * @param duration how long it runs
 * @param history the history file written
 * @param keys keys over all connections (each connection owns {@code keys / connections})
 * @param prefix the first part of every key name ({@code prefix:connection:type:n})
 * @param timeout how long a command may wait for its reply
 * @param readShare the share of operations that are reads, 0 to 1
 */
public record WorkloadOptions(
        List<RedisUri> targets,
        int connections,
        int rate,
        Duration duration,
        Path history,
        int keys,
        String prefix,
        Duration timeout,
        double readShare) {
    public WorkloadOptions {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets: none (expected: at least one)");
        }
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(timeout, "timeout");
        if (connections < 1 || connections > 1024) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: 1..1024)");
        }
        if (rate < 1) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: >= 1)");
        }
        if (keys < connections * KeyFamily.values().length) {
            throw new IllegalArgumentException("keys: " + keys + " (expected: at least "
                    + connections * KeyFamily.values().length + ", every connection a key of each type)");
        }
        if (prefix == null || !prefix.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException(
                    "prefix: '" + prefix + "' (expected: 1 to 64 letters, digits, '_', '.' or '-')");
        }
        if (readShare < 0 || readShare > 1) {
            throw new IllegalArgumentException("read share: " + readShare + " (expected: 0..1)");
        }
    }

    /** The first target (the only one, usually). */
    public RedisUri target() {
        return targets.get(0);
    }
}
