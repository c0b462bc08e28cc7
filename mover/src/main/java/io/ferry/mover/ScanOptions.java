package io.ferry.mover;

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
 */
public record ScanOptions(
        List<Integer> dbs, Optional<String> match, Optional<String> type, int scanCount, int taskKeys) {
    public static final ScanOptions DEFAULTS =
            new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 1000, 1000);

    private static final List<String> TYPES = List.of("string", "list", "set", "zset", "hash", "stream");

    public ScanOptions {
        dbs = List.copyOf(dbs);
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
}
