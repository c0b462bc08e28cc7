package io.ferry.comparator.verify;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScoredValueScanCursor;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compares the values of one key on both sides by its type's commands, a chunk at a time, so memory
 * stays bounded by the chunk whatever the key's size: the way to compare a key too big to DUMP, or one
 * whose DUMP payloads differ although its value may not (a set or hash whose element order differs
 * with each server's hash seed, a listpack against a hashtable, another RDB version, a stream whose
 * consumers were last seen at another millisecond). Strings and lists are compared range by range;
 * hashes, sets and sorted sets by walking the source with HSCAN/SSCAN/ZSCAN and looking each chunk up
 * on the target (sizes being equal, every source element found with its value means equal sets, in
 * any order, and SCAN's repeated elements are harmless); streams entry by entry, then their last ID
 * and consumer groups. Not thread-safe: one per pair of connections.
 */
final class ValueComparer {
    private final RedisClusterCommands<byte[], byte[]> source;
    private final RedisClusterCommands<byte[], byte[]> target;
    private final int chunkElements;
    private final int chunkBytes;

    ValueComparer(
            RedisClusterCommands<byte[], byte[]> source,
            RedisClusterCommands<byte[], byte[]> target,
            int chunkElements,
            int chunkBytes) {
        this.source = source;
        this.target = target;
        this.chunkElements = chunkElements;
        this.chunkBytes = chunkBytes;
    }

    /** True when {@code key}, of {@code type} and {@code size} on both sides, holds the same value on both. */
    boolean equal(byte[] key, String type, long size) {
        return switch (type) {
            case "string" -> strings(key, size);
            case "list" -> lists(key, size);
            case "hash" -> hashes(key);
            case "set" -> sets(key);
            case "zset" -> sortedSets(key);
            case "stream" -> streams(key);
            // A module type: its DUMP payloads differed and there is no command to compare it by.
            default -> false;
        };
    }

    private boolean strings(byte[] key, long size) {
        for (long start = 0; start < size; start += chunkBytes) {
            long end = Math.min(size, start + chunkBytes) - 1;
            if (!Arrays.equals(source.getrange(key, start, end), target.getrange(key, start, end))) {
                return false;
            }
        }
        return true;
    }

    private boolean lists(byte[] key, long size) {
        for (long start = 0; start < size; start += chunkElements) {
            long end = start + chunkElements - 1;
            if (!sameValues(source.lrange(key, start, end), target.lrange(key, start, end))) {
                return false;
            }
        }
        return true;
    }

    private boolean hashes(byte[] key) {
        ScanArgs args = ScanArgs.Builder.limit(chunkElements);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            MapScanCursor<byte[], byte[]> page = source.hscan(key, cursor, args);
            Map<byte[], byte[]> fields = page.getMap();
            if (!fields.isEmpty()) {
                byte[][] names = fields.keySet().toArray(new byte[0][]);
                List<KeyValue<byte[], byte[]>> there = target.hmget(key, names);
                for (int i = 0; i < names.length; i++) {
                    KeyValue<byte[], byte[]> value = there.get(i);
                    if (!value.hasValue() || !Arrays.equals(fields.get(names[i]), value.getValue())) {
                        return false;
                    }
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return true;
    }

    private boolean sets(byte[] key) {
        ScanArgs args = ScanArgs.Builder.limit(chunkElements);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ValueScanCursor<byte[]> page = source.sscan(key, cursor, args);
            List<byte[]> members = page.getValues();
            if (!members.isEmpty() && !allMembers(key, members)) {
                return false;
            }
            cursor = page;
        } while (!cursor.isFinished());
        return true;
    }

    private boolean allMembers(byte[] key, List<byte[]> members) {
        try {
            for (Boolean found : target.smismember(key, members.toArray(new byte[0][]))) {
                if (!found) {
                    return false;
                }
            }
            return true;
        } catch (RedisCommandExecutionException e) {
            if (!KeyReader.refused(e.getMessage())) {
                throw e;
            }
            // Before 6.2 (no SMISMEMBER): one member at a time.
            for (byte[] member : members) {
                if (!target.sismember(key, member)) {
                    return false;
                }
            }
            return true;
        }
    }

    private boolean sortedSets(byte[] key) {
        ScanArgs args = ScanArgs.Builder.limit(chunkElements);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScoredValueScanCursor<byte[]> page = source.zscan(key, cursor, args);
            List<ScoredValue<byte[]>> members = page.getValues();
            if (!members.isEmpty() && !sameScores(key, members)) {
                return false;
            }
            cursor = page;
        } while (!cursor.isFinished());
        return true;
    }

    private boolean sameScores(byte[] key, List<ScoredValue<byte[]>> members) {
        List<Double> scores;
        try {
            byte[][] names = new byte[members.size()][];
            for (int i = 0; i < names.length; i++) {
                names[i] = members.get(i).getValue();
            }
            scores = target.zmscore(key, names);
        } catch (RedisCommandExecutionException e) {
            if (!KeyReader.refused(e.getMessage())) {
                throw e;
            }
            scores = new ArrayList<>(members.size());
            for (ScoredValue<byte[]> member : members) {
                scores.add(target.zscore(key, member.getValue()));
            }
        }
        for (int i = 0; i < members.size(); i++) {
            Double there = scores.get(i);
            if (there == null || Double.compare(there, members.get(i).getScore()) != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean streams(byte[] key) {
        String from = "-";
        while (true) {
            Range<String> range = Range.create(from, "+");
            List<StreamMessage<byte[], byte[]>> here = source.xrange(key, range, Limit.from(chunkElements));
            List<StreamMessage<byte[], byte[]>> there = target.xrange(key, range, Limit.from(chunkElements));
            if (here.size() != there.size()) {
                return false;
            }
            for (int i = 0; i < here.size(); i++) {
                if (!here.get(i).getId().equals(there.get(i).getId())
                        || !sameFields(here.get(i).getBody(), there.get(i).getBody())) {
                    return false;
                }
            }
            if (here.size() < chunkElements) {
                break;
            }
            from = "(" + here.get(here.size() - 1).getId();
        }
        return sameStreamState(key);
    }

    /** Last ID and consumer groups (name, consumers, pending, last delivered ID, entries read) alike. */
    private boolean sameStreamState(byte[] key) {
        if (!text(field(source.xinfoStream(key), "last-generated-id"))
                .equals(text(field(target.xinfoStream(key), "last-generated-id")))) {
            return false;
        }
        return text(source.xinfoGroups(key)).equals(text(target.xinfoGroups(key)));
    }

    private static Object field(List<Object> reply, String name) {
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            if (name.equals(text(reply.get(i)))) {
                return reply.get(i + 1);
            }
        }
        return null;
    }

    /** A reply's text, nested lists included, for comparing replies whose elements Lettuce leaves raw. */
    private static String text(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            StringBuilder out = new StringBuilder("[");
            for (Object element : list) {
                out.append(text(element)).append(',');
            }
            return out.append(']').toString();
        }
        return String.valueOf(reply);
    }

    private static boolean sameFields(Map<byte[], byte[]> here, Map<byte[], byte[]> there) {
        if (here.size() != there.size()) {
            return false;
        }
        Iterator<Map.Entry<byte[], byte[]>> a = here.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> b = there.entrySet().iterator();
        while (a.hasNext()) {
            Map.Entry<byte[], byte[]> x = a.next();
            Map.Entry<byte[], byte[]> y = b.next();
            if (!Arrays.equals(x.getKey(), y.getKey()) || !Arrays.equals(x.getValue(), y.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameValues(List<byte[]> here, List<byte[]> there) {
        if (here.size() != there.size()) {
            return false;
        }
        for (int i = 0; i < here.size(); i++) {
            if (!Arrays.equals(here.get(i), there.get(i))) {
                return false;
            }
        }
        return true;
    }
}
