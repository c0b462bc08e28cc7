package io.ferry.mover;

import io.ferry.resp.KeyPattern;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the scanner walks and how it cuts the work: the databases (empty: every database INFO
 * keyspace lists), SCAN's MATCH and TYPE filters, the COUNT hint, and keys per move task. Immutable.
 *
 * @param dbs databases to scan; empty: every one holding keys
 * @param match SCAN MATCH glob, if any
 * @param type SCAN TYPE filter (string, list, set, zset, hash, stream), if any
 * @param scanCount SCAN COUNT hint: keys the server looks at per call
 * @param taskKeys keys per move task at most
 * @param include key patterns of which a key must match one to be copied; empty: every key
 * @param exclude key patterns a copied key must match none of (user-by-user moves leave these behind)
 */
public record ScanOptions(
        List<Integer> dbs,
        Optional<String> match,
        Optional<String> type,
        int scanCount,
        int taskKeys,
        List<KeyPattern> include,
        List<KeyPattern> exclude) {
    public static final ScanOptions DEFAULTS =
            new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 1000, 1000);

    /** Every key the SCAN filters let through. */
    public ScanOptions(List<Integer> dbs, Optional<String> match, Optional<String> type, int scanCount, int taskKeys) {
        this(dbs, match, type, scanCount, taskKeys, List.of(), List.of());
    }

    private static final List<String> TYPES = List.of("string", "list", "set", "zset", "hash", "stream");

    public ScanOptions {
        dbs = List.copyOf(dbs);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(type, "type");
        for (int db : dbs) {
            if (db < 0) {
                throw new IllegalArgumentException("db: " + db + " (expected: >= 0)");
            }
        }
        if (type.isPresent() && !TYPES.contains(type.get())) {
            throw new IllegalArgumentException("type: " + type.get() + " (expected: one of " + TYPES + ")");
        }
        if (scanCount < 1 || scanCount > 1_000_000) {
            throw new IllegalArgumentException("scanCount: " + scanCount + " (expected: 1 to 1000000)");
        }
        if (taskKeys < 1 || taskKeys > 100_000) {
            throw new IllegalArgumentException("taskKeys: " + taskKeys + " (expected: 1 to 100000)");
        }
    }

    /** True when {@code key} is to be copied by the include and exclude patterns. */
    public boolean selects(byte[] key) {
        boolean included = include.isEmpty();
        for (int i = 0; !included && i < include.size(); i++) {
            included = include.get(i).matches(key);
        }
        if (!included) {
            return false;
        }
        for (KeyPattern pattern : exclude) {
            if (pattern.matches(key)) {
                return false;
            }
        }
        return true;
    }

    /** True when no filter leaves a key out: every key of the scanned databases is to be copied. */
    public boolean selectsEverything() {
        return match.isEmpty() && type.isEmpty() && include.isEmpty() && exclude.isEmpty();
    }

    /** The same options with these include and exclude patterns. */
    public ScanOptions withPatterns(List<KeyPattern> includes, List<KeyPattern> excludes) {
        return new ScanOptions(dbs, match, type, scanCount, taskKeys, includes, excludes);
    }
}
