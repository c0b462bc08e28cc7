package io.ferry.control.compat;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a move into, out of or between Redis Clusters changes for the keys, for the operator to read before
 * the move (it never blocks one; {@link ClusterModeCheck} says what Ferry supports):
 *
 * <ul>
 *   <li>{@value #SLOTS}: which master serves which slots on each side, N shards against M;
 *   <li>{@value #HASH_TAGS}: from a bounded sample of the source's keys (SCAN on every master of a
 *       clustered source), how many use hash tags and the biggest tag groups. A key's slot is CRC16 of its
 *       tag (or whole name) modulo 16384 whatever the shard count, so keys sharing a tag share a slot on any
 *       layout and multi-key commands over them keep working after an N to M move. What does change: from
 *       a single server to a cluster, multi-key commands over keys of different slots start failing with
 *       CROSSSLOT (a WARNING then);
 *   <li>{@value #HOT_SLOT}: a slot holding a large share of the sample, whose whole load lands on the one
 *       target master serving it however many masters the target has.
 * </ul>
 */
final class ClusterLayoutCheck implements CompatibilityCheck {
    static final String SLOTS = "cluster-slots";
    static final String HASH_TAGS = "hash-tags";
    static final String HOT_SLOT = "hot-slot";
    /** Keys sampled from the source at most, over all its masters. */
    static final int SAMPLE_KEYS = 10_000;
    /** A slot with at least this share of the sampled keys is reported hot. */
    static final double HOT_SHARE = 0.05;
    /** Samples smaller than this say nothing about hot slots. */
    static final int HOT_MIN_SAMPLE = 100;

    private static final int TOP_TAGS = 5;
    private static final int SCAN_COUNT = 500;
    private static final int MAX_TAG_CHARS = 60;

    @Override
    public String id() {
        return SLOTS;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        boolean sourceCluster = context.source().facts().cluster();
        boolean targetCluster = context.target().facts().cluster();
        if (!sourceCluster && !targetCluster) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        Map<String, List<int[]>> sourceSlots = sourceCluster ? slotsPerMaster(context.sourceConnection()) : Map.of();
        Map<String, List<int[]>> targetSlots = targetCluster ? slotsPerMaster(context.targetConnection()) : Map.of();
        findings.add(Finding.info(
                SLOTS,
                shards(sourceCluster, sourceSlots) + " -> " + shards(targetCluster, targetSlots) + ". source: "
                        + describe(sourceCluster, sourceSlots) + "; target: " + describe(targetCluster, targetSlots)
                        + ". A key's slot (CRC16 of its hash tag or name, mod 16384) is the same on both; "
                        + "which master serves it is what changes"));
        Sample sample = sample(context, new ArrayList<>(sourceSlots.keySet()));
        findings.add(hashTags(sample, sourceCluster, targetCluster));
        hotSlot(sample, targetCluster ? targetSlots : Map.of()).ifPresent(findings::add);
        return findings;
    }

    /** What the source's key sample shows of its hash tags, and how a move to a cluster treats them. */
    private static Finding hashTags(Sample sample, boolean sourceCluster, boolean targetCluster) {
        List<Map.Entry<String, Integer>> biggest =
                new ArrayList<>(sample.keysPerTag().entrySet());
        biggest.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        StringBuilder summary = new StringBuilder(String.format(
                Locale.ROOT,
                "%,d of %,d sampled source keys (%.1f%%) use hash tags, in %,d tags",
                sample.tagged(),
                sample.keys(),
                percent(sample.tagged(), sample.keys()),
                sample.keysPerTag().size()));
        if (!biggest.isEmpty()) {
            summary.append("; biggest: ");
            for (int i = 0; i < Math.min(TOP_TAGS, biggest.size()); i++) {
                summary.append(i == 0 ? "" : ", ")
                        .append('{')
                        .append(biggest.get(i).getKey())
                        .append("} ")
                        .append(biggest.get(i).getValue())
                        .append(" keys");
            }
        }
        summary.append(sample.note());
        summary.append(". Keys sharing a tag share a slot on any cluster layout, whatever the shard count");
        if (!sourceCluster && targetCluster) {
            return Finding.warning(
                    HASH_TAGS,
                    summary + "; the source is a single server, where multi-key commands work over any keys",
                    "on the cluster, a command over several keys (MGET, MSET, DEL of several keys, SUNION, RENAME, "
                            + "MULTI/EXEC, a script) fails with CROSSSLOT unless all its keys are in one slot: "
                            + "check the application's multi-key commands and give keys used together one hash tag");
        }
        return Finding.info(HASH_TAGS, summary.toString());
    }

    /** The most loaded slot of the sample, when it holds at least {@link #HOT_SHARE} of it. */
    private static java.util.Optional<Finding> hotSlot(Sample sample, Map<String, List<int[]>> targetSlots) {
        if (sample.keys() < HOT_MIN_SAMPLE || sample.keysPerSlot().isEmpty()) {
            return java.util.Optional.empty();
        }
        Map.Entry<Integer, Integer> top = sample.keysPerSlot().entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow();
        double share = (double) top.getValue() / sample.keys();
        if (share < HOT_SHARE) {
            return java.util.Optional.empty();
        }
        String owner = owner(targetSlots, top.getKey());
        String tag = sample.tagOfSlot().get(top.getKey());
        return java.util.Optional.of(Finding.warning(
                HOT_SLOT,
                String.format(
                        Locale.ROOT,
                        "slot %d holds %.1f%% of the sampled source keys%s; on the target it is served by %s alone%s",
                        top.getKey(),
                        share * 100,
                        tag == null ? "" : " (tag {" + tag + "})",
                        owner == null ? "one master" : owner,
                        targetSlots.isEmpty()
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        ", where an even share over %d masters is %.1f%%",
                                        targetSlots.size(),
                                        100.0 / targetSlots.size())),
                "more or fewer target shards do not spread one slot: if that master cannot carry this load, split "
                        + "the tag's keys over several tags, or give its master more room"));
    }

    private static String owner(Map<String, List<int[]>> slots, int slot) {
        for (Map.Entry<String, List<int[]>> master : slots.entrySet()) {
            for (int[] range : master.getValue()) {
                if (slot >= range[0] && slot <= range[1]) {
                    return master.getKey();
                }
            }
        }
        return null;
    }

    /**
     * Up to {@link #SAMPLE_KEYS} keys of the source by SCAN: an even part from each master of a clustered
     * source when its nodes can be reached, else from the source connection alone.
     */
    private static Sample sample(CheckContext context, List<String> masters) {
        Sample sample = new Sample();
        if (masters.isEmpty() || !context.sourceNodes().available()) {
            int db = context.source().facts().keysPerDb().keySet().stream()
                    .min(Integer::compare)
                    .orElse(0);
            scan(context.sourceConnection(), db, SAMPLE_KEYS, sample);
            if (!masters.isEmpty()) {
                sample.note = ", from the seed node alone (1 of " + masters.size() + " masters)";
            } else if (context.source().facts().keysPerDb().size() > 1) {
                sample.note = ", from database " + db;
            }
            return sample;
        }
        int each = Math.max(1, SAMPLE_KEYS / masters.size());
        for (String master : masters) {
            try (StatefulRedisConnection<byte[], byte[]> node =
                    context.sourceNodes().connect(master)) {
                scan(node, 0, each, sample);
            }
        }
        sample.note = ", from " + masters.size() + " masters";
        return sample;
    }

    private static void scan(StatefulRedisConnection<byte[], byte[]> connection, int db, int limit, Sample sample) {
        if (db != 0) {
            connection.sync().select(db);
        }
        try {
            ScanArgs args = ScanArgs.Builder.limit(SCAN_COUNT);
            ScanCursor cursor = ScanCursor.INITIAL;
            int taken = 0;
            do {
                KeyScanCursor<byte[]> page = connection.sync().scan(cursor, args);
                for (byte[] key : page.getKeys()) {
                    if (taken++ >= limit) {
                        return;
                    }
                    sample.add(key);
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            if (db != 0) {
                connection.sync().select(0);
            }
        }
    }

    /** The hash tag of a key: the bytes between its first '{' and the next '}', when there are some; else null. */
    static byte[] tag(byte[] key) {
        for (int open = 0; open < key.length; open++) {
            if (key[open] == '{') {
                for (int close = open + 1; close < key.length; close++) {
                    if (key[close] == '}') {
                        return close == open + 1 ? null : java.util.Arrays.copyOfRange(key, open + 1, close);
                    }
                }
                return null;
            }
        }
        return null;
    }

    /** Keys sampled, per tag and per slot. Tag texts are cut to {@link #MAX_TAG_CHARS}; never a value. */
    private static final class Sample {
        private int keys;
        private int tagged;
        private final Map<String, Integer> keysPerTag = new HashMap<>();
        private final Map<Integer, Integer> keysPerSlot = new HashMap<>();
        private final Map<Integer, String> tagOfSlot = new HashMap<>();
        private String note = "";

        void add(byte[] key) {
            keys++;
            int slot = SlotHash.getSlot(key);
            keysPerSlot.merge(slot, 1, Integer::sum);
            byte[] tag = tag(key);
            if (tag != null) {
                tagged++;
                String text = new String(tag, StandardCharsets.UTF_8);
                if (text.length() > MAX_TAG_CHARS) {
                    text = text.substring(0, MAX_TAG_CHARS) + "...";
                }
                keysPerTag.merge(text, 1, Integer::sum);
                tagOfSlot.putIfAbsent(slot, text);
            }
        }

        int keys() {
            return keys;
        }

        int tagged() {
            return tagged;
        }

        Map<String, Integer> keysPerTag() {
            return keysPerTag;
        }

        Map<Integer, Integer> keysPerSlot() {
            return keysPerSlot;
        }

        Map<Integer, String> tagOfSlot() {
            return tagOfSlot;
        }

        String note() {
            return note;
        }
    }

    /** Slot ranges per serving master ({@code host:port}), from CLUSTER NODES, in the order of their first slot. */
    static Map<String, List<int[]>> slotsPerMaster(StatefulRedisConnection<byte[], byte[]> connection) {
        TreeMap<Integer, String> byFirstSlot = new TreeMap<>();
        Map<String, List<int[]>> ranges = new HashMap<>();
        for (String line : connection.sync().clusterNodes().split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9) {
                continue;
            }
            List<String> flags = List.of(fields[2].split(","));
            if (!flags.contains("master") || flags.contains("fail") || flags.contains("noaddr")) {
                continue;
            }
            int at = fields[1].indexOf('@');
            String address = at < 0 ? fields[1] : fields[1].substring(0, at);
            List<int[]> owned = new ArrayList<>();
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("[")) {
                    continue; // a slot being migrated: still served by its owner
                }
                int dash = fields[i].indexOf('-');
                int first = Integer.parseInt(dash < 0 ? fields[i] : fields[i].substring(0, dash));
                int last = dash < 0 ? first : Integer.parseInt(fields[i].substring(dash + 1));
                owned.add(new int[] {first, last});
            }
            if (!owned.isEmpty()) {
                ranges.put(address, owned);
                byFirstSlot.put(owned.get(0)[0], address);
            }
        }
        Map<String, List<int[]>> ordered = new LinkedHashMap<>();
        byFirstSlot.values().forEach(address -> ordered.put(address, ranges.get(address)));
        return ordered;
    }

    private static String shards(boolean cluster, Map<String, List<int[]>> slots) {
        return cluster ? slots.size() + " shards" : "a single server";
    }

    private static String describe(boolean cluster, Map<String, List<int[]>> slots) {
        if (!cluster) {
            return "a single server";
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<int[]>> master : slots.entrySet()) {
            int count = 0;
            StringBuilder ranges = new StringBuilder();
            for (int[] range : master.getValue()) {
                count += range[1] - range[0] + 1;
                ranges.append(ranges.length() == 0 ? "" : ",")
                        .append(range[0] == range[1] ? String.valueOf(range[0]) : range[0] + "-" + range[1]);
            }
            out.append(out.length() == 0 ? "" : ", ")
                    .append(master.getKey())
                    .append(" slots ")
                    .append(ranges)
                    .append(" (")
                    .append(count)
                    .append(')');
        }
        return out.toString();
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
