package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the target can hold the source's data with headroom (its maxmemory, else its machine's memory, less
 * what it already holds), and how the two sides evict: a target that evicts while the source does not may drop
 * migrated keys silently when full.
 */
final class MemoryCheck implements CompatibilityCheck {
    static final String ID = "memory";
    static final String EVICTION = "eviction-policy";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        ServerSurvey source = context.source();
        ServerSurvey target = context.target();
        long data = source.infoLong("used_memory", -1);
        long targetLimit = target.maxmemory();
        String limitName = "maxmemory";
        if (targetLimit <= 0) {
            targetLimit = target.infoLong("total_system_memory", -1);
            limitName = "system memory";
        }
        if (data >= 0 && targetLimit > 0) {
            long needed = (long) Math.ceil(data * context.plan().memoryHeadroom());
            long available = targetLimit - Math.max(0, target.infoLong("used_memory", 0));
            if (available < needed) {
                findings.add(Finding.blocking(
                        ID,
                        "the target has " + mib(available) + " free (" + limitName + " " + mib(targetLimit)
                                + "); the source's " + mib(data) + " with " + percent(context)
                                + " headroom needs " + mib(needed),
                        "give the target more memory (or raise its maxmemory) to at least " + mib(needed)));
            }
        } else {
            findings.add(Finding.info(ID, "the memory of the " + (data < 0 ? "source" : "target") + " is not known"));
        }
        if (source.maxmemory() > 0 && target.maxmemory() > 0 && target.maxmemory() < source.maxmemory()) {
            findings.add(Finding.warning(
                    ID,
                    "the target's maxmemory (" + mib(target.maxmemory()) + ") is below the source's ("
                            + mib(source.maxmemory()) + ")",
                    "the source may grow past what the target can hold: raise the target's maxmemory"));
        }
        Optional<String> sourcePolicy = source.maxmemoryPolicy();
        Optional<String> targetPolicy = target.maxmemoryPolicy();
        if (sourcePolicy.isPresent() && targetPolicy.isPresent()) {
            if (!sourcePolicy.get().equals(targetPolicy.get())) {
                boolean silentLoss = sourcePolicy.get().equals("noeviction")
                        && !targetPolicy.get().equals("noeviction");
                findings.add(Finding.warning(
                        EVICTION,
                        "maxmemory-policy is " + sourcePolicy.get() + " on the source, " + targetPolicy.get()
                                + " on the target"
                                + (silentLoss ? ": when full, the target drops keys the source keeps" : ""),
                        "set the target's maxmemory-policy to " + sourcePolicy.get()
                                + " (configuration replication proposes it)"));
            }
        } else {
            findings.add(Finding.info(EVICTION, "the eviction policy of one side is not readable"));
        }
        return findings;
    }

    private static String percent(CheckContext context) {
        return Math.round((context.plan().memoryHeadroom() - 1) * 100) + "%";
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
