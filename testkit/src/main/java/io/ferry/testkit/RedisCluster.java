package io.ferry.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A real Redis Cluster for tests: {@code masters} masters with {@code replicas} replicas each, every
 * one a {@code redis-server} of a {@link RedisServers} extension (so they go when the test class
 * ends), joined the way {@code redis-cli --cluster create} joins them (config epochs, slots split
 * evenly, MEET, REPLICATE) and waited for until every node says {@code cluster_state:ok} and every
 * node agrees on who serves which slot.
 *
 * <pre>{@code
 * @RegisterExtension static final RedisServers redis = new RedisServers();
 * RedisCluster cluster = RedisCluster.start(redis, "source", 3, 1);
 * ... RedisClusterClient.create(cluster.seedUri()) ...
 * RedisServer promoted = cluster.failover(cluster.masters().get(0));
 * cluster.moveSlots(cluster.masters().get(0), cluster.masters().get(1), RedisCluster.slot("{user}"));
 * }</pre>
 *
 * <p>Topology changes are real: {@link #failover} is a {@code CLUSTER FAILOVER} on a replica, {@link
 * #moveSlots} a live slot migration (IMPORTING/MIGRATING, MIGRATE in batches, SETSLOT NODE) that clients
 * may write through, following ASK and MOVED. Each returns once every node sees the change. The bus
 * port of each node is picked free and given with {@code --cluster-port}: the default, port + 10000, is
 * out of range for a high ephemeral port. One test thread drives a cluster; not thread-safe.
 */
public final class RedisCluster {
    /** The slots of every Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int MIGRATE_BATCH = 100;
    private static final int MIGRATE_TIMEOUT_MS = 10_000;

    private final String name;
    private final List<RedisServer> nodes;
    private final Map<RedisServer, Integer> busPorts;
    private final Map<RedisServer, String> ids = new LinkedHashMap<>();

    private RedisCluster(String name, List<RedisServer> nodes, Map<RedisServer, Integer> busPorts) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.busPorts = Map.copyOf(busPorts);
    }

    /**
     * Starts and joins a cluster of {@code masters} masters with {@code replicas} replicas each; nodes are
     * named {@code name-0}, {@code name-1}, ... (masters first, then replicas as {@code name-0-r0}, ...).
     *
     * @param extraArgs more {@code redis-server} arguments for every node
     * @throws IllegalArgumentException when masters is not 1 to 16 or replicas not 0 to 4
     * @throws IllegalStateException when the cluster does not settle within a minute
     */
    public static RedisCluster start(
            RedisServers servers, String name, int masters, int replicas, String... extraArgs) {
        if (masters < 1 || masters > 16) {
            throw new IllegalArgumentException("masters: " + masters + " (expected: between 1 and 16)");
        }
        if (replicas < 0 || replicas > 4) {
            throw new IllegalArgumentException("replicas: " + replicas + " (expected: between 0 and 4)");
        }
        List<RedisServer> nodes = new ArrayList<>();
        Map<RedisServer, Integer> busPorts = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (int m = 0; m < masters; m++) {
            names.add(name + "-" + m);
        }
        for (int m = 0; m < masters; m++) {
            for (int r = 0; r < replicas; r++) {
                names.add(name + "-" + m + "-r" + r);
            }
        }
        for (String nodeName : names) {
            int busPort = FreePorts.next();
            List<String> args = new ArrayList<>(List.of(
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-port",
                    String.valueOf(busPort),
                    "--cluster-node-timeout",
                    "5000"));
            args.addAll(List.of(extraArgs));
            RedisServer node = servers.start(nodeName, args.toArray(String[]::new));
            nodes.add(node);
            busPorts.put(node, busPort);
        }
        RedisCluster cluster = new RedisCluster(name, nodes, busPorts);
        cluster.join(masters, replicas);
        return cluster;
    }

    private void join(int masters, int replicas) {
        for (int i = 0; i < nodes.size(); i++) {
            RedisServer node = nodes.get(i);
            try (RespConnection redis = connect(node)) {
                ids.put(node, redis.text("CLUSTER", "MYID"));
                // Distinct epochs from the start, as redis-cli gives them: no collision to resolve.
                redis.call("CLUSTER", "SET-CONFIG-EPOCH", i + 1);
                if (i < masters) {
                    int first = i * SLOTS / masters;
                    int last = (i + 1) * SLOTS / masters - 1;
                    redis.call("CLUSTER", "ADDSLOTSRANGE", first, last);
                }
            }
        }
        RedisServer first = nodes.get(0);
        try (RespConnection redis = connect(first)) {
            for (RedisServer node : nodes.subList(1, nodes.size())) {
                redis.call("CLUSTER", "MEET", node.host(), node.port(), busPorts.get(node));
            }
        }
        awaitViews("every node to know every other", views -> views.values().stream()
                .allMatch(view -> view.size() == nodes.size()
                        && view.stream().noneMatch(line -> line.flags().contains("handshake"))));
        for (int m = 0; m < masters; m++) {
            for (int r = 0; r < replicas; r++) {
                RedisServer replica = nodes.get(masters + m * replicas + r);
                try (RespConnection redis = connect(replica)) {
                    redis.call("CLUSTER", "REPLICATE", ids.get(nodes.get(m)));
                }
            }
        }
        awaitSettled();
    }

    /** The name the test gave the cluster. */
    public String name() {
        return name;
    }

    /** Every node, masters and replicas, in start order. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The masters serving slots now, in the order of their first slot. */
    public List<RedisServer> masters() {
        TreeMap<Integer, RedisServer> byFirstSlot = new TreeMap<>();
        for (NodeLine line : view(anyRunning())) {
            if (line.master() && !line.slots().isEmpty()) {
                byFirstSlot.put(line.slots().first(), server(line.id()));
            }
        }
        return List.copyOf(byFirstSlot.values());
    }

    /** The replicas of {@code master} now. */
    public List<RedisServer> replicasOf(RedisServer master) {
        String id = nodeId(master);
        List<RedisServer> replicas = new ArrayList<>();
        for (NodeLine line : view(anyRunning())) {
            if (!line.master() && id.equals(line.masterId())) {
                replicas.add(server(line.id()));
            }
        }
        return replicas;
    }

    /** The slots {@code master} serves now. */
    public TreeSet<Integer> slotsOf(RedisServer master) {
        String id = nodeId(master);
        for (NodeLine line : view(anyRunning())) {
            if (line.id().equals(id)) {
                return new TreeSet<>(line.slots());
            }
        }
        return new TreeSet<>();
    }

    /** The master serving {@code slot} now. */
    public RedisServer ownerOf(int slot) {
        for (NodeLine line : view(anyRunning())) {
            if (line.master() && line.slots().contains(slot)) {
                return server(line.id());
            }
        }
        throw new IllegalStateException("no master of " + name + " serves slot " + slot);
    }

    /** A URI a cluster client starts from: the first master's. */
    public String seedUri() {
        return masters().get(0).uri();
    }

    /** The {@code host:port} of every node, for a client's seed list. */
    public List<String> addresses() {
        return nodes.stream().map(node -> node.host() + ":" + node.port()).toList();
    }

    /** The cluster's id of {@code node} (CLUSTER MYID). */
    public String nodeId(RedisServer node) {
        String id = ids.get(node);
        if (id == null) {
            throw new IllegalArgumentException(node + " is not a node of cluster " + name);
        }
        return id;
    }

    /**
     * A manual failover: {@code CLUSTER FAILOVER} on a replica of {@code master}, which takes over its slots
     * once it has caught up; returns that replica once every node sees it as the master of those slots and
     * {@code master} as its replica.
     *
     * @throws IllegalArgumentException when {@code master} is not a master or has no replica
     */
    public RedisServer failover(RedisServer master) {
        TreeSet<Integer> slots = slotsOf(master);
        if (slots.isEmpty()) {
            throw new IllegalArgumentException(master + " serves no slot of cluster " + name + ": not a master");
        }
        List<RedisServer> replicas = replicasOf(master);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException(master + " has no replica to fail over to");
        }
        RedisServer promoted = replicas.get(0);
        String promotedId = nodeId(promoted);
        String oldId = nodeId(master);
        try (RespConnection redis = connect(promoted)) {
            redis.call("CLUSTER", "FAILOVER");
        }
        awaitViews(promoted + " to serve the slots of " + master, views -> views.values().stream()
                .allMatch(view -> view.stream()
                        .anyMatch(line -> line.id().equals(promotedId)
                                && line.master()
                                && line.slots().equals(slots)
                                && view.stream()
                                        .anyMatch(
                                                old -> old.id().equals(oldId) && promotedId.equals(old.masterId())))));
        awaitSettled();
        return promoted;
    }

    /**
     * Moves {@code slots} from master {@code from} to master {@code to} the way {@code redis-cli --cluster
     * reshard} does, one slot at a time: IMPORTING on {@code to}, MIGRATING on {@code from}, the slot's keys
     * MIGRATEd in batches until none is left (clients keep writing: a key already moved, or new, is served
     * by {@code to} after an ASK), then SETSLOT NODE on {@code to}, {@code from} and every other master.
     * Returns once every node agrees on the new owner.
     *
     * @throws IllegalArgumentException when {@code from} does not serve one of the slots
     */
    public void moveSlots(RedisServer from, RedisServer to, int... slots) {
        String fromId = nodeId(from);
        String toId = nodeId(to);
        TreeSet<Integer> served = slotsOf(from);
        for (int slot : slots) {
            if (!served.contains(slot)) {
                throw new IllegalArgumentException(from + " does not serve slot " + slot + " of cluster " + name);
            }
        }
        try (RespConnection source = connect(from);
                RespConnection destination = connect(to)) {
            for (int slot : slots) {
                destination.call("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
                source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
                while (true) {
                    List<?> keys = (List<?>) source.call("CLUSTER", "GETKEYSINSLOT", slot, MIGRATE_BATCH);
                    if (keys.isEmpty()) {
                        break;
                    }
                    List<Object> migrate = new ArrayList<>(
                            List.of("MIGRATE", to.host(), to.port(), "", 0, MIGRATE_TIMEOUT_MS, "REPLACE", "KEYS"));
                    migrate.addAll(keys);
                    Object reply = source.call(migrate.toArray());
                    if (!"OK".equals(reply) && !"NOKEY".equals(reply)) {
                        throw new IllegalStateException("MIGRATE of slot " + slot + " answered " + reply);
                    }
                }
                // The new owner first, so it serves the slot before the old one redirects there.
                destination.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                source.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                for (RedisServer master : masters()) {
                    if (!master.equals(from) && !master.equals(to)) {
                        try (RespConnection other = connect(master)) {
                            other.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                        }
                    }
                }
            }
        }
        awaitViews(to + " to serve the moved slots", views -> views.values().stream()
                .allMatch(view -> view.stream()
                        .filter(line -> line.id().equals(toId))
                        .allMatch(line -> Arrays.stream(slots).allMatch(line.slots()::contains))));
        awaitSettled();
    }

    /**
     * Waits until every running node says {@code cluster_state:ok}, sees every node with no failure flag,
     * agrees with the others on each node's role and slots, and each replica's link to its master is up.
     *
     * @throws IllegalStateException naming what was seen last when that takes over a minute
     */
    public void awaitSettled() {
        awaitViews("the cluster to settle", this::settled);
    }

    private boolean settled(Map<RedisServer, List<NodeLine>> views) {
        String agreed = null;
        for (Map.Entry<RedisServer, List<NodeLine>> view : views.entrySet()) {
            if (view.getValue().size() != nodes.size()) {
                return false;
            }
            TreeSet<String> signature = new TreeSet<>();
            for (NodeLine line : view.getValue()) {
                if (line.flags().contains("fail")
                        || line.flags().contains("fail?")
                        || line.flags().contains("handshake")
                        || line.flags().contains("noaddr")) {
                    return false;
                }
                signature.add(line.signature());
            }
            if (agreed == null) {
                agreed = signature.toString();
            } else if (!agreed.equals(signature.toString())) {
                return false;
            }
            try (RespConnection redis = connect(view.getKey())) {
                if (!redis.text("CLUSTER", "INFO").contains("cluster_state:ok")) {
                    return false;
                }
                if ("slave".equals(roleOf(redis)) && !linkUp(redis)) {
                    return false;
                }
            }
        }
        return agreed != null;
    }

    private static String roleOf(RespConnection redis) {
        List<?> role = (List<?>) redis.call("ROLE");
        return new String((byte[]) role.get(0), StandardCharsets.UTF_8);
    }

    private static boolean linkUp(RespConnection redis) {
        return redis.text("INFO", "replication").contains("master_link_status:up");
    }

    private void awaitViews(String what, Predicate<Map<RedisServer, List<NodeLine>>> condition) {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        Map<RedisServer, List<NodeLine>> views = Map.of();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                views = views();
                if (condition.test(views)) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                // A node busy with a failover may refuse or drop a connection for a moment.
                last = e;
            }
            sleep(100);
        }
        throw new IllegalStateException(
                "waited " + SETTLE_TIMEOUT + " for " + what + " in cluster " + name + "; last seen: " + describe(views),
                last);
    }

    private Map<RedisServer, List<NodeLine>> views() {
        Map<RedisServer, List<NodeLine>> views = new LinkedHashMap<>();
        for (RedisServer node : nodes) {
            if (node.isRunning()) {
                views.put(node, view(node));
            }
        }
        return views;
    }

    private List<NodeLine> view(RedisServer node) {
        try (RespConnection redis = connect(node)) {
            List<NodeLine> lines = new ArrayList<>();
            for (String line : redis.text("CLUSTER", "NODES").split("\n")) {
                if (!line.isBlank()) {
                    lines.add(NodeLine.parse(line.trim()));
                }
            }
            return lines;
        }
    }

    private String describe(Map<RedisServer, List<NodeLine>> views) {
        StringBuilder out = new StringBuilder();
        views.forEach((node, view) -> {
            out.append("\n  ").append(node).append(" sees:");
            view.forEach(line ->
                    out.append("\n    ").append(line.signature()).append(' ').append(line.flags()));
        });
        return out.toString();
    }

    private RedisServer anyRunning() {
        return nodes.stream()
                .filter(RedisServer::isRunning)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of cluster " + name + " is running"));
    }

    private RedisServer server(String id) {
        for (Map.Entry<RedisServer, String> entry : ids.entrySet()) {
            if (entry.getValue().equals(id)) {
                return entry.getKey();
            }
        }
        throw new IllegalStateException("node " + id + " is not one this harness started in " + name);
    }

    private static RespConnection connect(RedisServer node) {
        return new RespConnection(node.host(), node.port());
    }

    /**
     * The slot of {@code key}: CRC16 (XMODEM) of the key, or of its hash tag (the text between the first
     * {@code {} and the next {@code }}, when not empty), modulo {@value #SLOTS}.
     */
    public static int slot(byte[] key) {
        int start = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                start = i;
                break;
            }
        }
        int from = 0;
        int to = key.length;
        if (start >= 0) {
            for (int i = start + 1; i < key.length; i++) {
                if (key[i] == '}') {
                    if (i > start + 1) {
                        from = start + 1;
                        to = i;
                    }
                    break;
                }
            }
        }
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (key[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % SLOTS;
    }

    /** The slot of a text key. */
    public static int slot(String key) {
        return slot(key.getBytes(StandardCharsets.UTF_8));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    @Override
    public String toString() {
        return "Redis Cluster " + name + " of " + nodes.size() + " nodes";
    }

    /** One line of CLUSTER NODES: {@code <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...}. */
    private record NodeLine(String id, List<String> flags, String masterId, TreeSet<Integer> slots) {
        static NodeLine parse(String line) {
            String[] fields = line.split(" ");
            if (fields.length < 8) {
                throw new IllegalStateException("not a CLUSTER NODES line: " + line);
            }
            TreeSet<Integer> slots = new TreeSet<>();
            for (int i = 8; i < fields.length; i++) {
                String range = fields[i];
                if (range.startsWith("[")) {
                    // A slot being imported or migrated: still served by its owner until SETSLOT NODE.
                    continue;
                }
                int dash = range.indexOf('-');
                int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
                for (int slot = first; slot <= last; slot++) {
                    slots.add(slot);
                }
            }
            List<String> flags = new ArrayList<>(List.of(fields[2].split(",")));
            flags.remove("myself");
            return new NodeLine(fields[0], List.copyOf(flags), "-".equals(fields[3]) ? null : fields[3], slots);
        }

        boolean master() {
            return flags.contains("master");
        }

        /** What every node must agree on: role, master and slots (not epochs, pings or the myself flag). */
        String signature() {
            return id + " " + (master() ? "master" : "replica-of-" + masterId) + " " + ranges();
        }

        private String ranges() {
            StringBuilder out = new StringBuilder();
            Integer first = null;
            Integer previous = null;
            for (int slot : slots) {
                if (previous != null && slot == previous + 1) {
                    previous = slot;
                    continue;
                }
                if (first != null) {
                    out.append(first).append('-').append(previous).append(',');
                }
                first = slot;
                previous = slot;
            }
            if (first != null) {
                out.append(first).append('-').append(previous);
            }
            return out.toString();
        }
    }
}
