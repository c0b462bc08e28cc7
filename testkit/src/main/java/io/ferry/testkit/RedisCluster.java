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
 * RedisCluster.SlotMove move = cluster.beginMove(from, to, RedisCluster.slot("{cart}")); // IMPORTING, MIGRATING
 * move.migrate("{cart}:1"); // from answers ASK for {cart}:1 now, and still serves the slot's other keys
 * move.finish();            // the rest migrated; every master names to as the slot's owner
 * }</pre>
 *
 * <p>Topology changes are real: {@link #failover} is a {@code CLUSTER FAILOVER} on a replica, {@link
 * #moveSlots} a live slot migration (IMPORTING/MIGRATING, MIGRATE in batches, SETSLOT NODE) that clients
 * may write through, following ASK and MOVED, {@link #addNode} a new node MEETing the others. Each returns
 * once every node sees the change. {@link #beginMove} leaves one slot half-moved, for a test to act in
 * between; its {@link SlotMove#finish} returns once every master serves the slot from its new owner
 * ({@link #awaitSettled} waits for the replicas too). The bus port of each node is picked free and given
 * with {@code --cluster-port}: the default, port + 10000, is out of range for a high ephemeral port. One
 * test thread drives a cluster; not thread-safe.
 */
public final class RedisCluster {
    /** The slots of every Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int MIGRATE_BATCH = 100;
    private static final int MIGRATE_TIMEOUT_MS = 10_000;

    private final RedisServers servers;
    private final String name;
    private final List<String> extraArgs;
    private final List<RedisServer> nodes = new ArrayList<>();
    private final Map<RedisServer, Integer> busPorts = new HashMap<>();
    private final Map<RedisServer, String> ids = new LinkedHashMap<>();

    private RedisCluster(RedisServers servers, String name, List<String> extraArgs) {
        this.servers = servers;
        this.name = name;
        this.extraArgs = List.copyOf(extraArgs);
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
        RedisCluster cluster = new RedisCluster(servers, name, List.of(extraArgs));
        for (int m = 0; m < masters; m++) {
            cluster.startNode(name + "-" + m);
        }
        for (int m = 0; m < masters; m++) {
            for (int r = 0; r < replicas; r++) {
                cluster.startNode(name + "-" + m + "-r" + r);
            }
        }
        cluster.join(masters, replicas);
        return cluster;
    }

    private RedisServer startNode(String nodeName) {
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
        args.addAll(extraArgs);
        RedisServer node = servers.start(nodeName, args.toArray(String[]::new));
        nodes.add(node);
        busPorts.put(node, busPort);
        return node;
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
        return List.copyOf(nodes);
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

    /** Every running master now, those serving no slot included. */
    private List<RedisServer> allMasters() {
        List<RedisServer> masters = new ArrayList<>();
        for (NodeLine line : view(anyRunning())) {
            if (line.master()) {
                RedisServer master = server(line.id());
                if (master.isRunning()) {
                    masters.add(master);
                }
            }
        }
        return masters;
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
     * reshard} does, one slot at a time, each as {@link #beginMove} then {@link SlotMove#finish}: IMPORTING on
     * {@code to}, MIGRATING on {@code from}, the slot's keys MIGRATEd in batches until none is left (clients
     * keep writing: a key already moved, or new, is served by {@code to} after an ASK), then SETSLOT NODE on
     * {@code to}, {@code from} and every other master. Returns once every node agrees on the new owner.
     *
     * @throws IllegalArgumentException when {@code from} does not serve one of the slots, or {@code to} is not
     *     another master
     */
    public void moveSlots(RedisServer from, RedisServer to, int... slots) {
        TreeSet<Integer> served = slotsOf(from);
        for (int slot : slots) {
            if (!served.contains(slot)) {
                throw new IllegalArgumentException(from + " does not serve slot " + slot + " of cluster " + name);
            }
        }
        for (int slot : slots) {
            beginMove(from, to, slot).finish();
        }
        String toId = nodeId(to);
        awaitViews(to + " to serve the moved slots", views -> views.values().stream()
                .allMatch(view -> view.stream()
                        .filter(line -> line.id().equals(toId))
                        .allMatch(line -> Arrays.stream(slots).allMatch(line.slots()::contains))));
        awaitSettled();
    }

    /**
     * Starts moving {@code slot} from master {@code from} to master {@code to} and leaves it half-moved: {@code
     * to} IMPORTING it, {@code from} MIGRATING it, no key moved yet. {@code from} still serves the slot's keys
     * it holds and answers {@code ASK} for any other (one {@link SlotMove#migrate}d, or new); {@code to} serves
     * those after {@code ASKING}. Every node still names {@code from} as the slot's owner until {@link
     * SlotMove#finish}.
     *
     * @throws IllegalArgumentException when {@code from} does not serve {@code slot}, or {@code to} is not
     *     another master
     */
    public SlotMove beginMove(RedisServer from, RedisServer to, int slot) {
        if (!slotsOf(from).contains(slot)) {
            throw new IllegalArgumentException(from + " does not serve slot " + slot + " of cluster " + name);
        }
        if (from.equals(to) || !allMasters().contains(to)) {
            throw new IllegalArgumentException(to + " is not another master of cluster " + name);
        }
        try (RespConnection destination = connect(to);
                RespConnection source = connect(from)) {
            destination.call("CLUSTER", "SETSLOT", slot, "IMPORTING", nodeId(from));
            source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", nodeId(to));
        }
        return new SlotMove(from, to, slot);
    }

    /**
     * One slot half-moved by {@link #beginMove}: keys are moved by {@link #migrate}, the rest and the slot
     * itself by {@link #finish}. Driven by the test thread, like its cluster.
     */
    public final class SlotMove {
        private final RedisServer from;
        private final RedisServer to;
        private final int slot;
        private boolean finished;

        private SlotMove(RedisServer from, RedisServer to, int slot) {
            this.from = from;
            this.to = to;
            this.slot = slot;
        }

        /**
         * MIGRATEs {@code keys} (those {@code from} holds; any other is skipped) to {@code to}: from now on
         * {@code from} answers {@code ASK} for them.
         *
         * @throws IllegalArgumentException when a key is not of the moving slot
         * @throws IllegalStateException when the move is finished
         */
        public void migrate(String... keys) {
            requireUnfinished();
            List<Object> batch = new ArrayList<>();
            for (String key : keys) {
                int keySlot = RedisCluster.slot(key);
                if (keySlot != slot) {
                    throw new IllegalArgumentException(
                            "key " + key + " is of slot " + keySlot + " (expected: " + slot + ")");
                }
                batch.add(key);
            }
            if (batch.isEmpty()) {
                return;
            }
            try (RespConnection source = connect(from)) {
                migrateBatch(source, batch);
            }
        }

        /**
         * MIGRATEs every key of the slot still on {@code from}, in batches, then gives the slot to {@code to}
         * (SETSLOT NODE on it first, then on {@code from}, then on every other master). Returns once every
         * master has been told, so each serves or redirects the slot's keys as its new owner says; the
         * replicas learn it from their masters soon after ({@link #awaitSettled} waits for them).
         *
         * @throws IllegalStateException when the move is already finished
         */
        public void finish() {
            requireUnfinished();
            String toId = nodeId(to);
            try (RespConnection source = connect(from);
                    RespConnection destination = connect(to)) {
                while (true) {
                    List<?> keys = (List<?>) source.call("CLUSTER", "GETKEYSINSLOT", slot, MIGRATE_BATCH);
                    if (keys.isEmpty()) {
                        break;
                    }
                    migrateBatch(source, keys);
                }
                // The new owner first, so it serves the slot before the old one redirects there.
                destination.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                source.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
            }
            for (RedisServer master : allMasters()) {
                if (!master.equals(from) && !master.equals(to)) {
                    try (RespConnection other = connect(master)) {
                        other.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
                    }
                }
            }
            finished = true;
        }

        private void migrateBatch(RespConnection source, List<?> keys) {
            List<Object> migrate = new ArrayList<>(
                    List.of("MIGRATE", to.host(), to.port(), "", 0, MIGRATE_TIMEOUT_MS, "REPLACE", "KEYS"));
            migrate.addAll(keys);
            Object reply = source.call(migrate.toArray());
            if (!"OK".equals(reply) && !"NOKEY".equals(reply)) {
                throw new IllegalStateException("MIGRATE of slot " + slot + " answered " + reply);
            }
        }

        private void requireUnfinished() {
            if (finished) {
                throw new IllegalStateException("the move of slot " + slot + " to " + to + " is finished");
            }
        }

        @Override
        public String toString() {
            return "slot " + slot + " moving from " + from + " to " + to;
        }
    }

    /**
     * Starts one more node with the cluster's settings and has it MEET the others, as {@code redis-cli
     * --cluster add-node} adds one: a master serving no slot, until {@link #moveSlots} gives it some (only then
     * is it among {@link #masters}). It is named {@code name-N}, N the number of nodes before it. Returns once
     * the cluster has settled with it.
     */
    public RedisServer addNode() {
        RedisServer node = startNode(name + "-" + nodes.size());
        try (RespConnection redis = connect(node)) {
            ids.put(node, redis.text("CLUSTER", "MYID"));
        }
        try (RespConnection redis = connect(anyRunning())) {
            redis.call("CLUSTER", "MEET", node.host(), node.port(), busPorts.get(node));
        }
        awaitSettled();
        return node;
    }

    /** Deletes every key of the cluster: FLUSHALL on every master (their replicas follow). */
    public void flushAll() {
        for (RedisServer master : masters()) {
            try (RespConnection redis = connect(master)) {
                redis.call("FLUSHALL");
            }
        }
    }

    /** The keys of the cluster: the DBSIZE of every master, added up. */
    public long dbSize() {
        long keys = 0;
        for (RedisServer master : masters()) {
            try (RespConnection redis = connect(master)) {
                keys += (Long) redis.call("DBSIZE");
            }
        }
        return keys;
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
