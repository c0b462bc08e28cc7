package io.ferry.control.compat;

import io.ferry.schemas.ConflictPolicy;
import io.lettuce.core.api.StatefulRedisConnection;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a compatibility check looks at: both servers' surveys, a connection to each (for the checks that try
 * something for real, such as a RESTORE of a source payload on the target), and the plan of the migration.
 * Used on one thread.
 */
public record CheckContext(
        ServerSurvey source,
        ServerSurvey target,
        StatefulRedisConnection<byte[], byte[]> sourceConnection,
        StatefulRedisConnection<byte[], byte[]> targetConnection,
        Plan plan) {
    public CheckContext {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sourceConnection, "sourceConnection");
        Objects.requireNonNull(targetConnection, "targetConnection");
        Objects.requireNonNull(plan, "plan");
    }

    /**
     * The parts of a migration's setup the checks depend on.
     *
     * @param interlays proxy listeners standing in for the source, when known (the control plane knows them)
     * @param conflictPolicy what the copy does with keys the target already holds
     * @param memoryHeadroom the target must hold the source's data times this (1.25: 25% to spare)
     */
    public record Plan(OptionalInt interlays, ConflictPolicy conflictPolicy, double memoryHeadroom) {
        public static final Plan DEFAULTS = new Plan(OptionalInt.empty(), ConflictPolicy.REPLACE, 1.25);

        public Plan {
            Objects.requireNonNull(interlays, "interlays");
            Objects.requireNonNull(conflictPolicy, "conflictPolicy");
            if (!(memoryHeadroom >= 1.0 && memoryHeadroom <= 10.0)) {
                throw new IllegalArgumentException("memory headroom: " + memoryHeadroom + " (expected: 1.0 to 10.0)");
            }
        }
    }
}
