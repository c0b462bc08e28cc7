package io.ferry.analyzer;

import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;

import java.util.List;
import java.util.Objects;

/**
 * What the {@link Recommender} proposes, each choice with its reasons. Immutable.
 *
 * @param targetMemoryBytes memory the target should have, headroom included
 * @param targetOpsPerSecond commands per second the target should sustain, headroom included
 * @param sizingReasons how the two figures were reached
 * @param strategy how traffic should move to the target
 * @param strategyReasons why
 * @param writePolicy the write consistency while both sides are live
 * @param readMode where reads should be served while both sides are live
 * @param policyReasons why that write policy and read mode
 * @param warnings what the operator must look at before going on, most serious first
 */
public record Recommendation(
        long targetMemoryBytes,
        long targetOpsPerSecond,
        List<String> sizingReasons,
        Strategy strategy,
        List<String> strategyReasons,
        WritePolicy writePolicy,
        ReadMode readMode,
        List<String> policyReasons,
        List<String> warnings) {

    public Recommendation {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(writePolicy, "writePolicy");
        Objects.requireNonNull(readMode, "readMode");
        sizingReasons = List.copyOf(sizingReasons);
        strategyReasons = List.copyOf(strategyReasons);
        policyReasons = List.copyOf(policyReasons);
        warnings = List.copyOf(warnings);
    }
}
