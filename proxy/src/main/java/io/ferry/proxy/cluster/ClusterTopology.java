package io.ferry.proxy.cluster;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SimpleStringMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which node of a Redis Cluster serves each of the 16,384 slots, and the shards (a primary, its
 * replicas, its slot ranges) behind that, as read from {@code CLUSTER SHARDS} (Redis 7) or {@code
 * CLUSTER SLOTS} (every version with cluster support). Slots no shard serves have no owner.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClusterTopology {
    /**
     * One shard.
     *
     * @param master the node serving its slots
     * @param replicas its replicas
     * @param ranges its slot ranges, as inclusive pairs: start, end, start, end, ...
     */
    public record Shard(ClusterNode master, List<ClusterNode> replicas, int[] ranges) {
        public Shard {
            Objects.requireNonNull(master, "master");
            replicas = List.copyOf(replicas);
            ranges = ranges.clone();
        }

        @Override
        public int[] ranges() {
            return ranges.clone();
        }

        /** Slots this shard serves. */
        public int slotCount() {
            int count = 0;
            for (int i = 0; i < ranges.length; i += 2) {
                count += ranges[i + 1] - ranges[i] + 1;
            }
            return count;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Shard other
                    && master.equals(other.master)
                    && replicas.equals(other.replicas)
                    && Arrays.equals(ranges, other.ranges);
        }

        @Override
        public int hashCode() {
            return Objects.hash(master, replicas, Arrays.hashCode(ranges));
        }
    }

    private final List<Shard> shards;
    /** For each slot, the index in {@link #shards} of its shard; -1 when no shard serves it. */
    private final short[] owners;

    private ClusterTopology(List<Shard> shards) {
        this.shards = List.copyOf(shards);
        this.owners = new short[KeySlot.SLOTS];
        Arrays.fill(owners, (short) -1);
        for (int s = 0; s < this.shards.size(); s++) {
            int[] ranges = this.shards.get(s).ranges;
            for (int i = 0; i < ranges.length; i += 2) {
                for (int slot = ranges[i]; slot <= ranges[i + 1]; slot++) {
                    owners[slot] = (short) s;
                }
            }
        }
    }

    /**
     * A topology of the given shards; their slot ranges must lie within 0..16383. The shards are put
     * in the order of their first slot (those without slots last, by address), replicas by address:
     * nodes list the cluster in orders of their own, and two reads of one cluster must be equal.
     */
    public static ClusterTopology of(List<Shard> shards) {
        List<Shard> sorted = new ArrayList<>(shards.size());
        for (Shard shard : shards) {
            List<ClusterNode> replicas = new ArrayList<>(shard.replicas());
            replicas.sort(Comparator.comparing(ClusterNode::host).thenComparingInt(ClusterNode::port));
            sorted.add(new Shard(shard.master(), replicas, shard.ranges));
        }
        sorted.sort(Comparator.comparingInt((Shard shard) -> shard.ranges.length == 0 ? KeySlot.SLOTS : shard.ranges[0])
                .thenComparing(shard -> shard.master().host())
                .thenComparingInt(shard -> shard.master().port()));
        shards = sorted;
        for (Shard shard : shards) {
            int[] ranges = shard.ranges;
            if (ranges.length % 2 != 0) {
                throw new IllegalArgumentException(
                        "slot ranges of " + shard.master().address() + ": odd count");
            }
            for (int i = 0; i < ranges.length; i += 2) {
                if (ranges[i] < 0 || ranges[i + 1] >= KeySlot.SLOTS || ranges[i] > ranges[i + 1]) {
                    throw new IllegalArgumentException("slot range " + ranges[i] + "-" + ranges[i + 1] + " of "
                            + shard.master().address() + " (expected: within 0-" + (KeySlot.SLOTS - 1) + ")");
                }
            }
        }
        return new ClusterTopology(shards);
    }

    /** The shards, each with its primary, replicas and slot ranges. */
    public List<Shard> shards() {
        return shards;
    }

    /** The primaries that serve slots, in shard order. */
    public List<ClusterNode> masters() {
        List<ClusterNode> masters = new ArrayList<>(shards.size());
        for (Shard shard : shards) {
            masters.add(shard.master());
        }
        return masters;
    }

    /** The primary serving {@code slot}, or null when no shard serves it. */
    public ClusterNode ownerOf(int slot) {
        int shard = owners[slot];
        return shard < 0 ? null : shards.get(shard).master();
    }

    /** The index in {@link #shards()} of the shard serving {@code slot}; -1 when none. */
    public int shardOf(int slot) {
        return owners[slot];
    }

    /** Slots no shard serves. */
    public int unservedSlots() {
        int count = 0;
        for (short owner : owners) {
            if (owner < 0) {
                count++;
            }
        }
        return count;
    }

    /**
     * Reads a {@code CLUSTER SHARDS} reply (RESP2 arrays or RESP3 maps): a shard's primary is its
     * node with role {@code master} that is online (any node with that role when none is).
     *
     * @throws IllegalArgumentException when the reply is not a CLUSTER SHARDS reply, saying what is wrong
     */
    public static ClusterTopology fromShards(RespMessage reply) {
        List<Shard> shards = new ArrayList<>();
        for (RespMessage entry : elements(reply, "CLUSTER SHARDS reply")) {
            Map<String, RespMessage> fields = fields(entry, "CLUSTER SHARDS entry");
            List<RespMessage> slots = elements(required(fields, "slots"), "CLUSTER SHARDS slots");
            int[] ranges = new int[slots.size()];
            for (int i = 0; i < ranges.length; i++) {
                ranges[i] = (int) integer(slots.get(i), "CLUSTER SHARDS slot");
            }
            ClusterNode master = null;
            List<ClusterNode> replicas = new ArrayList<>();
            List<ClusterNode> failedMasters = new ArrayList<>();
            for (RespMessage nodeEntry : elements(required(fields, "nodes"), "CLUSTER SHARDS nodes")) {
                Map<String, RespMessage> node = fields(nodeEntry, "CLUSTER SHARDS node");
                String endpoint = node.containsKey("endpoint") ? text(node.get("endpoint")) : "";
                String ip = text(required(node, "ip"));
                String host = endpoint.isEmpty() || endpoint.equals("?") ? ip : endpoint;
                boolean isMaster = "master".equals(text(required(node, "role")));
                boolean online = !node.containsKey("health") || "online".equals(text(node.get("health")));
                ClusterNode parsed = new ClusterNode(
                        text(required(node, "id")),
                        host,
                        (int) integer(required(node, "port"), "CLUSTER SHARDS port"),
                        isMaster,
                        online);
                if (isMaster && online && master == null) {
                    master = parsed;
                } else if (isMaster) {
                    failedMasters.add(parsed);
                } else {
                    replicas.add(parsed);
                }
            }
            if (master == null && !failedMasters.isEmpty()) {
                master = failedMasters.remove(0);
            }
            replicas.addAll(failedMasters);
            if (master == null) {
                // A shard of replicas only (its primary forgotten): no slots are served by it.
                continue;
            }
            shards.add(new Shard(master, replicas, ranges));
        }
        return of(shards);
    }

    /**
     * Reads a {@code CLUSTER SLOTS} reply: each entry is a slot range, its primary, then its
     * replicas; entries of one primary make one shard.
     *
     * @throws IllegalArgumentException when the reply is not a CLUSTER SLOTS reply, saying what is wrong
     */
    public static ClusterTopology fromSlots(RespMessage reply) {
        Map<String, ClusterNode> masters = new LinkedHashMap<>();
        Map<String, List<Integer>> ranges = new LinkedHashMap<>();
        Map<String, List<ClusterNode>> replicas = new LinkedHashMap<>();
        for (RespMessage entry : elements(reply, "CLUSTER SLOTS reply")) {
            List<RespMessage> parts = elements(entry, "CLUSTER SLOTS entry");
            if (parts.size() < 3) {
                throw new IllegalArgumentException(
                        "CLUSTER SLOTS entry of " + parts.size() + " elements (expected: >= 3)");
            }
            ClusterNode master = slotsNode(parts.get(2), true);
            String key = master.address();
            masters.putIfAbsent(key, master);
            List<Integer> list = ranges.computeIfAbsent(key, k -> new ArrayList<>());
            list.add((int) integer(parts.get(0), "CLUSTER SLOTS start"));
            list.add((int) integer(parts.get(1), "CLUSTER SLOTS end"));
            List<ClusterNode> shardReplicas = replicas.computeIfAbsent(key, k -> new ArrayList<>());
            for (int i = 3; i < parts.size(); i++) {
                ClusterNode replica = slotsNode(parts.get(i), false);
                if (!shardReplicas.contains(replica)) {
                    shardReplicas.add(replica);
                }
            }
        }
        List<Shard> shards = new ArrayList<>();
        for (Map.Entry<String, ClusterNode> master : masters.entrySet()) {
            List<Integer> list = ranges.get(master.getKey());
            int[] flat = new int[list.size()];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = list.get(i);
            }
            shards.add(new Shard(master.getValue(), replicas.get(master.getKey()), flat));
        }
        return of(shards);
    }

    private static ClusterNode slotsNode(RespMessage node, boolean master) {
        List<RespMessage> fields = elements(node, "CLUSTER SLOTS node");
        if (fields.size() < 2) {
            throw new IllegalArgumentException("CLUSTER SLOTS node of " + fields.size() + " elements (expected: >= 2)");
        }
        String host = text(fields.get(0));
        String id = fields.size() > 2 ? text(fields.get(2)) : "";
        return new ClusterNode(id, host, (int) integer(fields.get(1), "CLUSTER SLOTS port"), master, true);
    }

    private static List<RespMessage> elements(RespMessage message, String what) {
        if (message instanceof AggregateMessage aggregate) {
            return aggregate.elements();
        }
        throw new IllegalArgumentException(what + ": " + describe(message) + " (expected: an array)");
    }

    private static Map<String, RespMessage> fields(RespMessage message, String what) {
        List<RespMessage> elements = elements(message, what);
        if (elements.size() % 2 != 0) {
            throw new IllegalArgumentException(
                    what + ": " + elements.size() + " elements (expected: name, value pairs)");
        }
        Map<String, RespMessage> fields = new LinkedHashMap<>();
        for (int i = 0; i < elements.size(); i += 2) {
            fields.put(text(elements.get(i)), elements.get(i + 1));
        }
        return fields;
    }

    private static RespMessage required(Map<String, RespMessage> fields, String name) {
        RespMessage value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("cluster topology: no '" + name + "' in " + fields.keySet());
        }
        return value;
    }

    private static String text(RespMessage message) {
        if (message instanceof BulkStringMessage bulk) {
            return bulk.text();
        }
        if (message instanceof SimpleStringMessage simple) {
            return simple.text();
        }
        if (message instanceof IntegerMessage integer) {
            return Long.toString(integer.value());
        }
        throw new IllegalArgumentException("cluster topology: " + describe(message) + " (expected: a string)");
    }

    private static long integer(RespMessage message, String what) {
        if (message instanceof IntegerMessage integer) {
            return integer.value();
        }
        try {
            return Long.parseLong(text(message));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": " + describe(message) + " (expected: an integer)");
        }
    }

    private static String describe(RespMessage message) {
        return message == null ? "nothing" : message.type().toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterTopology other && shards.equals(other.shards);
    }

    @Override
    public int hashCode() {
        return shards.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Shard shard : shards) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(shard.master().address())
                    .append(" (")
                    .append(shard.slotCount())
                    .append(" slots");
            if (!shard.replicas().isEmpty()) {
                text.append(", ").append(shard.replicas().size()).append(" replicas");
            }
            text.append(')');
        }
        return text.toString();
    }
}
