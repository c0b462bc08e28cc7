package io.ferry.proxy;

import io.ferry.proxy.route.KeySlice;
import io.ferry.proxy.route.TenantRules;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.Phase;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Side;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;

import java.util.List;
import java.util.Objects;

/**
 * Where a proxy sends writes and serves reads, at one epoch of a migration: the write policy, the
 * read mode, the strategy with its ratio or tenant rules. Proxies act on the newest route they know
 * (from their flags, then from the control topic), one command at a time; the route a command was
 * routed by is the one its write record names (its epoch).
 *
 * <p>Which side serves a read ({@link #readSide}): under {@link Strategy#SHADOW} always the source;
 * under {@link Strategy#CANARY} the key's {@link KeySlice} decides (the ratio is the share of keys
 * read from the target); under {@link Strategy#USER_BY_USER} the first tenant rule matching the key
 * decides; otherwise the read mode. A read of several keys that fall on different sides, and a read
 * without keys, is served by the authoritative side.
 *
 * <p>Immutable and thread-safe.
 */
public final class MigrationRoute {
    /** A proxy with no target: everything goes to the source, as in passthrough. */
    static final MigrationRoute PASSTHROUGH = new MigrationRoute(
            Phase.ANALYZE,
            Strategy.BIG_BANG,
            WritePolicy.SOURCE_ONLY,
            ReadMode.SOURCE,
            0,
            TenantRules.of(List.of()),
            0);

    private final Phase phase;
    private final Strategy strategy;
    private final WritePolicy writePolicy;
    private final ReadMode readMode;
    private final int ratioPercent;
    private final TenantRules tenants;
    private final long epoch;

    MigrationRoute(
            Phase phase,
            Strategy strategy,
            WritePolicy writePolicy,
            ReadMode readMode,
            int ratioPercent,
            TenantRules tenants,
            long epoch) {
        this.phase = Objects.requireNonNull(phase, "phase");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.writePolicy = Objects.requireNonNull(writePolicy, "writePolicy");
        this.readMode = Objects.requireNonNull(readMode, "readMode");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        if (ratioPercent < 0 || ratioPercent > 100) {
            throw new IllegalArgumentException("ratio: " + ratioPercent + " (expected: 0 to 100)");
        }
        this.ratioPercent = ratioPercent;
        this.epoch = epoch;
        String problem = problem(writePolicy, readMode, strategy);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * A route from flags: the write policy and read mode as given, the strategy the read mode implies
     * ({@link Strategy#CANARY} for {@link ReadMode#RATIO}, else big bang), epoch 0 so that any state
     * from the control topic overrides it.
     */
    static MigrationRoute of(WritePolicy writePolicy, ReadMode readMode, int ratioPercent) {
        Strategy strategy = readMode == ReadMode.RATIO ? Strategy.CANARY : Strategy.BIG_BANG;
        return new MigrationRoute(
                Phase.MIGRATE, strategy, writePolicy, readMode, ratioPercent, TenantRules.of(List.of()), 0);
    }

    /** The route a migration state from the control topic describes. */
    static MigrationRoute from(MigrationState state) {
        return new MigrationRoute(
                state.getPhase(),
                state.getStrategy(),
                state.getWritePolicy(),
                state.getReadMode(),
                state.getRatioPercent(),
                TenantRules.of(state.getTenants()),
                state.getEpoch());
    }

    /**
     * Why this combination cannot be served without losing data, or null. Reads served by the target
     * need every write to reach it; reads served by the source likewise when the target is
     * authoritative.
     */
    static String problem(WritePolicy writePolicy, ReadMode readMode, Strategy strategy) {
        boolean targetReads = strategy == Strategy.CANARY
                || strategy == Strategy.USER_BY_USER
                || readMode == ReadMode.TARGET
                || readMode == ReadMode.RATIO
                || readMode == ReadMode.FALLBACK_ON_MISS;
        if (strategy == Strategy.SHADOW) {
            targetReads = false;
        }
        if (targetReads && writePolicy == WritePolicy.SOURCE_ONLY) {
            return "read mode " + readMode + " with strategy " + strategy
                    + " serves reads from the target, but write policy SOURCE_ONLY never writes to it "
                    + "(expected: a write policy that writes to the target, e.g. SOURCE_AUTHORITATIVE)";
        }
        boolean sourceReads = readMode != ReadMode.TARGET || strategy == Strategy.SHADOW;
        if (sourceReads && writePolicy == WritePolicy.TARGET_ONLY) {
            return "read mode " + readMode + " with strategy " + strategy
                    + " may serve reads from the source, but write policy TARGET_ONLY never writes to it "
                    + "(expected: read mode TARGET, or write policy TARGET_AUTHORITATIVE)";
        }
        return null;
    }

    Phase phase() {
        return phase;
    }

    Strategy strategy() {
        return strategy;
    }

    WritePolicy writePolicy() {
        return writePolicy;
    }

    ReadMode readMode() {
        return readMode;
    }

    int ratioPercent() {
        return ratioPercent;
    }

    long epoch() {
        return epoch;
    }

    /** The side whose reply a write's client gets, and where connection-bound commands run. */
    Side authoritative() {
        return writePolicy == WritePolicy.TARGET_AUTHORITATIVE || writePolicy == WritePolicy.TARGET_ONLY
                ? Side.TARGET
                : Side.SOURCE;
    }

    /** True when writes go to both sides. */
    boolean dualWrites() {
        return writePolicy != WritePolicy.SOURCE_ONLY && writePolicy != WritePolicy.TARGET_ONLY;
    }

    /** True when anything at all may go to the target. */
    boolean usesTarget() {
        return writePolicy != WritePolicy.SOURCE_ONLY;
    }

    /**
     * The side that serves the read {@code command}, whose keys are at {@code keys}: see the class
     * comment. Allocation-free.
     */
    Side readSide(CommandMessage command, KeyPositions keys) {
        if (strategy == Strategy.SHADOW) {
            return Side.SOURCE;
        }
        if (strategy == Strategy.CANARY || (readMode == ReadMode.RATIO && strategy != Strategy.USER_BY_USER)) {
            return byKeys(command, keys, true);
        }
        if (strategy == Strategy.USER_BY_USER) {
            return byKeys(command, keys, false);
        }
        return switch (readMode) {
            case SOURCE -> Side.SOURCE;
            case TARGET, FALLBACK_ON_MISS -> Side.TARGET;
            // Both are read; the authoritative side's reply is the client's.
            case VERSION_COMPARE, REPLICATED -> authoritative();
            case RATIO -> byKeys(command, keys, true);
        };
    }

    /** True when the read mode reads both sides and compares (VERSION_COMPARE, REPLICATED). */
    boolean comparesReads() {
        return strategy != Strategy.CANARY
                && strategy != Strategy.USER_BY_USER
                && (readMode == ReadMode.VERSION_COMPARE || readMode == ReadMode.REPLICATED);
    }

    /** True when a target read that finds nothing is read again from the source. */
    boolean fallsBackOnMiss() {
        return readMode == ReadMode.FALLBACK_ON_MISS
                && strategy != Strategy.SHADOW
                && strategy != Strategy.CANARY
                && strategy != Strategy.USER_BY_USER;
    }

    private Side byKeys(CommandMessage command, KeyPositions keys, boolean ratio) {
        if (keys.isEmpty()) {
            return authoritative();
        }
        Side first = null;
        for (int i = 0; i < keys.count(); i++) {
            var key = command.arg(keys.index(i));
            Side side = ratio
                    ? (KeySlice.inRatio(key, ratioPercent) ? Side.TARGET : Side.SOURCE)
                    : tenants.sideOf(key, authoritative());
            if (first == null) {
                first = side;
            } else if (side != first) {
                return authoritative();
            }
        }
        return first;
    }

    @Override
    public String toString() {
        return "epoch " + epoch + ": phase " + phase + ", strategy " + strategy + ", writes " + writePolicy
                + ", reads " + readMode
                + (strategy == Strategy.CANARY || readMode == ReadMode.RATIO
                        ? " (" + ratioPercent + "% of keys from the target)"
                        : "");
    }
}
