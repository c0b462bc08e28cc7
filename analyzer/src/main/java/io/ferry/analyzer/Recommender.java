package io.ferry.analyzer;

import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Proposes target sizing, a strategy, a write policy and a read mode from the traffic profile and the
 * source's INFO, with the reasons and the warnings; the rules are listed in docs/analyzer.md. Pure
 * logic: no I/O, deterministic. Immutable and thread-safe.
 */
public final class Recommender {
    /** Memory headroom by default: 50 % over what the source uses (fragmentation, replication and fork buffers, growth). */
    public static final double DEFAULT_MEMORY_HEADROOM = 1.5;
    /** Throughput headroom by default: twice the busiest second (shorter bursts, growth). */
    public static final double DEFAULT_THROUGHPUT_HEADROOM = 2.0;

    /** Below all of these, moving everything at once is the simplest safe plan. */
    static final long SMALL_MEMORY = 1L << 30;

    static final long SMALL_KEYS = 1_000_000;
    static final double SMALL_OPS = 1000;
    /** A prefix with at least this share of operations counts as a tenant candidate. */
    static final double TENANT_SHARE = 0.01;
    /** Tenant strategy when 2 to this many prefixes carry the traffic. */
    static final int MAX_TENANTS = 50;
    /** ... and keys outside any of them carry less than this share. */
    static final double UNTENANTED_SHARE = 0.05;

    private final double memoryHeadroom;
    private final double throughputHeadroom;
    private final TargetProfile target;

    public Recommender(double memoryHeadroom, double throughputHeadroom, TargetProfile target) {
        if (!(memoryHeadroom >= 1) || !(throughputHeadroom >= 1)) {
            throw new IllegalArgumentException(
                    "headroom: memory " + memoryHeadroom + ", throughput " + throughputHeadroom + " (expected: >= 1)");
        }
        this.memoryHeadroom = memoryHeadroom;
        this.throughputHeadroom = throughputHeadroom;
        this.target = target;
    }

    /**
     * The recommendation for moving the source's traffic ({@code traffic}; {@link TrafficProfile#NONE}
     * when none was analyzed) off the source ({@code source}, or null when it could not be asked).
     */
    public Recommendation recommend(TrafficProfile traffic, SourceServer source) {
        List<String> warnings = new ArrayList<>();
        List<String> sizing = new ArrayList<>();
        long memory = memory(source, sizing, warnings);
        long ops = throughput(traffic, source, sizing);

        List<String> why = new ArrayList<>();
        Strategy strategy = strategy(traffic, source, why);
        List<String> policyWhy = new ArrayList<>();
        ReadMode readMode = readMode(strategy, traffic, policyWhy);
        policyWhy.add(
                0,
                "SOURCE_AUTHORITATIVE: the source answers every write and stays the truth until commit; "
                        + "the target is written too and repaired from the writes topic when it missed one, so a rollback "
                        + "loses nothing.");
        warn(traffic, source, warnings);
        return new Recommendation(
                memory, ops, sizing, strategy, why, WritePolicy.SOURCE_AUTHORITATIVE, readMode, policyWhy, warnings);
    }

    private long memory(SourceServer source, List<String> sizing, List<String> warnings) {
        if (source == null) {
            sizing.add("memory: unknown (the source's INFO was not read)");
            return 0;
        }
        long need = (long) Math.ceil(source.usedMemory() * memoryHeadroom);
        sizing.add(String.format(
                Locale.ROOT,
                "memory: the source uses %s; with %.0f %% headroom the target needs %s",
                bytes(source.usedMemory()),
                (memoryHeadroom - 1) * 100,
                bytes(need)));
        if (source.evicts() && source.maxMemory() > need) {
            sizing.add("memory: the source evicts (" + source.maxMemoryPolicy() + ") within maxmemory "
                    + bytes(source.maxMemory()) + "; the target gets as much, or it would evict keys the source keeps");
            need = source.maxMemory();
        }
        if (source.maxMemory() > 0 && !source.evicts() && source.usedMemory() > source.maxMemory() * 0.9) {
            warnings.add("the source uses " + bytes(source.usedMemory()) + " of its maxmemory "
                    + bytes(source.maxMemory()) + " and does not evict: writes will soon fail there; size the target "
                    + "for growth");
        }
        return need;
    }

    private long throughput(TrafficProfile traffic, SourceServer source, List<String> sizing) {
        double seen = traffic.peakOpsPerSecond();
        String from = "the busiest analyzed second";
        if (source != null && source.opsPerSecond() > seen) {
            seen = source.opsPerSecond();
            from = "the source's instantaneous_ops_per_sec";
        }
        long need = (long) Math.ceil(seen * throughputHeadroom);
        sizing.add(String.format(
                Locale.ROOT,
                "throughput: %.0f commands/s at peak (%s); with %.0fx headroom the target must sustain %d/s",
                seen,
                from,
                throughputHeadroom,
                need));
        return need;
    }

    private Strategy strategy(TrafficProfile traffic, SourceServer source, List<String> why) {
        long unsupported = traffic.riskOps(MigrationRisk.UNSUPPORTED_BY_TARGET);
        if (unsupported > 0) {
            why.add("SHADOW: the application uses "
                    + traffic.risks().get(MigrationRisk.UNSUPPORTED_BY_TARGET).keySet()
                    + " (" + unsupported + " commands), which " + target + " refuses; mirror the traffic to the "
                    + "target and serve nothing from it until the application stops depending on them.");
            return Strategy.SHADOW;
        }
        long atomic = traffic.riskOps(MigrationRisk.TRANSACTION)
                + traffic.riskOps(MigrationRisk.WATCH)
                + traffic.riskOps(MigrationRisk.SCRIPTING);
        if (atomic > 0) {
            why.add("BLUE_GREEN: " + atomic + " command(s) are MULTI/EXEC, WATCH or scripts, which act on several keys "
                    + "at once on one server; key-hash slices (canary, ratio reads) would put those keys on different "
                    + "sides, so switch all keys together once the target has proved equal.");
            return Strategy.BLUE_GREEN;
        }
        Optional<List<String>> tenants = tenants(traffic);
        if (tenants.isPresent()) {
            why.add("USER_BY_USER: " + tenants.get().size() + " key prefixes " + tenants.get()
                    + " carry the traffic; moving one prefix (tenant) at a time limits what a problem touches, "
                    + "and each tenant can be rolled back alone.");
            return Strategy.USER_BY_USER;
        }
        boolean small = source != null
                && source.usedMemory() < SMALL_MEMORY
                && source.keys() < SMALL_KEYS
                && Math.max(traffic.peakOpsPerSecond(), source.opsPerSecond()) < SMALL_OPS;
        if (small) {
            why.add("BIG_BANG: the source is small (" + bytes(source.usedMemory()) + ", " + source.keys()
                    + " keys, under " + (long) SMALL_OPS + " commands/s): copy, verify, then move everything at once.");
            return Strategy.BIG_BANG;
        }
        why.add("CANARY: no transactions or scripts tie keys together, so keys can move in growing key-hash slices "
                + "(5, 20, 40, 80, 100 %), each step watched before the next.");
        return Strategy.CANARY;
    }

    /** The prefixes of a tenant-shaped keyspace, or empty when the keyspace is not one. */
    static Optional<List<String>> tenants(TrafficProfile traffic) {
        long total =
                traffic.prefixOps().values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return Optional.empty();
        }
        List<String> tenants = new ArrayList<>();
        long untenanted = 0;
        for (Map.Entry<String, Long> prefix : traffic.prefixOps().entrySet()) {
            boolean named =
                    !prefix.getKey().equals(KeyPrefix.NONE) && !prefix.getKey().equals(CountMap.OTHER);
            if (named && prefix.getValue() >= total * TENANT_SHARE) {
                tenants.add(prefix.getKey());
            } else {
                untenanted += prefix.getValue();
            }
        }
        boolean shaped = tenants.size() >= 2
                && tenants.size() <= MAX_TENANTS
                && untenanted < total * UNTENANTED_SHARE
                && traffic.distinctPrefixes() <= MAX_TENANTS * 2;
        return shaped ? Optional.of(List.copyOf(tenants)) : Optional.empty();
    }

    private static ReadMode readMode(Strategy strategy, TrafficProfile traffic, List<String> why) {
        return switch (strategy) {
            case SHADOW -> {
                why.add("REPLICATED: reads are served by the source and also sent to the target, whose answers are "
                        + "compared and logged as divergences.");
                yield ReadMode.REPLICATED;
            }
            case BLUE_GREEN -> {
                why.add("REPLICATED until the switch, so the target proves equal on real reads; then TARGET.");
                yield ReadMode.REPLICATED;
            }
            case USER_BY_USER -> {
                why.add("SOURCE, with the tenant rules routing each moved tenant's keys to the target.");
                yield ReadMode.SOURCE;
            }
            case BIG_BANG -> {
                why.add("FALLBACK_ON_MISS after the switch: a key the copy has not reached yet is read from the "
                        + "source.");
                yield ReadMode.FALLBACK_ON_MISS;
            }
            case CANARY -> {
                why.add("RATIO: reads of the moved key-hash slice go to the target, the rest to the source.");
                yield ReadMode.RATIO;
            }
        };
    }

    private void warn(TrafficProfile traffic, SourceServer source, List<String> warnings) {
        if (traffic.ops() == 0) {
            warnings.add("no traffic was analyzed: the recommendation rests on the source's INFO alone; run the "
                    + "proxy or ferry capture with ferry analyzer for a while first");
        }
        risk(
                traffic,
                MigrationRisk.UNSUPPORTED_BY_TARGET,
                warnings,
                "the target (" + target
                        + ") refuses these commands; the application must stop using them, or choose another target");
        risk(
                traffic,
                MigrationRisk.UNKNOWN_COMMAND,
                warnings,
                "not in the command table (module commands, a newer "
                        + "Redis, or typos): the proxy treats them as writes; check the target has them");
        risk(
                traffic,
                MigrationRisk.PUBSUB,
                warnings,
                "Pub/Sub carries no data to copy: move subscribers directly to "
                        + "the target together with their publishers, or messages published on one side are lost to "
                        + "subscribers on the other");
        risk(
                traffic,
                MigrationRisk.TRANSACTION,
                warnings,
                "MULTI/EXEC must run whole on one side: never use RATIO " + "reads or key-hash slices for these keys");
        risk(
                traffic,
                MigrationRisk.WATCH,
                warnings,
                "WATCH holds only on the server that saw it: keep the " + "connection's commands on one side");
        risk(
                traffic,
                MigrationRisk.SCRIPTING,
                warnings,
                "scripts and functions must be loaded on the target "
                        + "(SCRIPT LOAD / FUNCTION RESTORE) and touch only the keys they declare");
        risk(
                traffic,
                MigrationRisk.BLOCKING,
                warnings,
                "blocking commands hold a connection until data comes: a "
                        + "push on one side does not wake a waiter on the other; move producers and consumers together");
        risk(
                traffic,
                MigrationRisk.NON_ZERO_DB,
                warnings,
                "databases other than 0 are used: a cluster target and "
                        + "some managed services have database 0 only");
        risk(
                traffic,
                MigrationRisk.DANGEROUS,
                warnings,
                "KEYS walks the whole keyspace and blocks the server; "
                        + "FLUSHALL/FLUSHDB through the proxy empty both sides");
        if (traffic.bigValues() > 0) {
            warnings.add(traffic.bigValues() + " commands carried big values (largest " + bytes(traffic.biggestValue())
                    + "): check the target's proto-max-bulk-len and client output buffer limits");
        }
        if (traffic.badRecords() > 0) {
            warnings.add(traffic.badRecords() + " traffic records could not be decoded and are not in this profile");
        }
        if (source == null) {
            return;
        }
        if (source.evicts()) {
            warnings.add("the source evicts keys (" + source.maxMemoryPolicy() + "): it is used as a cache, so keys "
                    + "may vanish between copy and verify; expect verify to report evicted keys as missing");
        }
        if (!source.aof() && !source.rdbSaves()) {
            warnings.add("the source persists nothing (no AOF, no RDB snapshots): a restart of it during the "
                    + "migration loses its data");
        }
        if (!source.version().isEmpty() && target.isOlderThan(source.version())) {
            warnings.add("the source runs Redis " + source.version() + ", newer than the target's " + target.version()
                    + ": DUMP payloads may not RESTORE there, and newer commands are refused");
        }
        if (source.cluster()) {
            warnings.add("the source is a Redis Cluster: the target must be a cluster too, or multi-key commands "
                    + "that now work within one slot keep working only by chance");
        }
        if (source.blockedClients() > 0) {
            warnings.add(source.blockedClients() + " clients are blocked on the source right now (BLPOP and the like)");
        }
    }

    private static void risk(TrafficProfile traffic, MigrationRisk risk, List<String> warnings, String what) {
        Map<String, Long> commands = traffic.risks().get(risk);
        if (commands != null && !commands.isEmpty()) {
            warnings.add(risk.description() + " " + commands + ": " + what);
        }
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
