package io.ferry.control.compat;

import io.ferry.schemas.ConflictPolicy;
import io.lettuce.core.api.StatefulRedisConnection;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a compatibility check looks at: both servers' surveys, a connection to each (for the checks that try
 * something for real, such as a RESTORE of a source payload on the target), the plan of the migration, and,
 * for a clustered source, a way to reach each of its masters (a key sample must come from every one).
 * Used on one thread.
 *
 * @param sourceNodes opens connections to the nodes of a clustered source; {@link SourceNodes#NONE} when
 *     the caller cannot, and checks then see the source's keys through {@code sourceConnection} alone
 */
public record CheckContext(
        ServerSurvey source,
        ServerSurvey target,
        StatefulRedisConnection<byte[], byte[]> sourceConnection,
        StatefulRedisConnection<byte[], byte[]> targetConnection,
        Plan plan,
        SourceNodes sourceNodes) {
    public CheckContext {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sourceConnection, "sourceConnection");
        Objects.requireNonNull(targetConnection, "targetConnection");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(sourceNodes, "sourceNodes");
    }

    /** A context whose checks reach the source through {@code sourceConnection} only. */
    public CheckContext(
            ServerSurvey source,
            ServerSurvey target,
            StatefulRedisConnection<byte[], byte[]> sourceConnection,
            StatefulRedisConnection<byte[], byte[]> targetConnection,
            Plan plan) {
        this(source, target, sourceConnection, targetConnection, plan, SourceNodes.NONE);
    }

    /** Connections to the nodes of a clustered source, with the source endpoint's credentials and TLS. */
    public interface SourceNodes {
        /** For callers that can reach the source's seed node only. */
        SourceNodes NONE = new SourceNodes() {
            @Override
            public boolean available() {
                return false;
            }

            @Override
            public StatefulRedisConnection<byte[], byte[]> connect(String hostPort) {
                throw new UnsupportedOperationException("no connection to the source's other nodes");
            }
        };

        /** False when {@link #connect} cannot be called. */
        default boolean available() {
            return true;
        }

        /**
         * A new connection to node {@code host:port} of the source's cluster; the caller closes it.
         *
         * @throws io.ferry.endpoint.EndpointException when the node cannot be reached
         */
        StatefulRedisConnection<byte[], byte[]> connect(String hostPort);
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
