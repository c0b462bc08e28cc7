package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keys already on the target (what the copy's conflict policy does with them), and databases other than 0 in
 * use on the source (a clustered target, and several managed services, offer database 0 only).
 */
final class TargetDataCheck implements CompatibilityCheck {
    static final String EMPTY = "target-not-empty";
    static final String DATABASES = "databases";

    @Override
    public String id() {
        return EMPTY;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        long targetKeys = context.target().facts().keys();
        if (targetKeys > 0) {
            String what =
                    switch (context.plan().conflictPolicy()) {
                        case REPLACE -> "the copy replaces those the source also holds";
                        case NONE -> "the copy skips those the source also holds and reports them";
                        case MERGE -> "the copy merges those the source also holds, by type";
                    };
            findings.add(Finding.warning(
                    EMPTY,
                    "the target already holds " + targetKeys + " keys; " + what
                            + "; keys only the target holds stay (ferry verify --find-extra lists them)",
                    "empty the target first (FLUSHALL) unless those keys are meant to stay"));
        }
        Map<Integer, Long> sourceDbs = context.source().facts().keysPerDb();
        int highest =
                sourceDbs.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (highest > 0) {
            List<Integer> used =
                    sourceDbs.keySet().stream().filter(db -> db != 0).sorted().toList();
            if (context.target().facts().cluster()) {
                findings.add(Finding.blocking(
                        DATABASES,
                        "the source uses databases " + used + "; a Redis Cluster target has database 0 only",
                        "move those keys into database 0 (with a key prefix) first, or use a standalone target"));
            } else {
                int targetDatabases = context.target()
                        .config("databases")
                        .map(TargetDataCheck::parse)
                        .orElse(-1);
                if (targetDatabases >= 0 && targetDatabases <= highest) {
                    findings.add(Finding.blocking(
                            DATABASES,
                            "the source uses database " + highest + "; the target has " + targetDatabases
                                    + " databases (0 to " + (targetDatabases - 1) + ")",
                            "raise the target's 'databases' setting to at least " + (highest + 1)));
                } else {
                    findings.add(Finding.warning(
                            DATABASES,
                            "the source uses databases other than 0: " + used
                                    + (targetDatabases < 0 ? " (the target's database count is not readable)" : ""),
                            "check the target offers them (several managed services offer database 0 only)"));
                }
            }
        }
        return findings;
    }

    private static int parse(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
