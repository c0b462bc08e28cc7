package io.ferry.mover;

import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.TopicRegistry;
import io.lettuce.core.api.StatefulRedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Scans a Redis Cluster source so that every slot is covered although its topology may change meanwhile: every master
 * at once, a {@link Scanner} thread each with its own checkpoint ({@code scan:<run>:<host:port>:0}), then again, on
 * their masters of the moment, the slots that no scan covered, until every slot is covered.
 *
 * <p>A scan covers a slot when its node, asked itself before and after the scan, served the slot as a master both
 * times and was neither migrating nor importing it: SCAN then saw every key of the slot present for the whole scan. A
 * slot moved in or out mid-scan (a reshard), a node failed over (the scan stops within a second of its node becoming a
 * replica: a demoted master may have reloaded its data from the new one by a full resync, which a SCAN cursor does not
 * survive) or a node that stopped answering leaves its slots uncovered, and they are scanned again on the master
 * serving them now, publishing only their keys ({@code scan:<run>:<host:port>+r<round>.<start>+<slots>:0}, never resumed). Keys scanned twice are
 * copied twice, which is harmless. What a node served when its whole-node scan first started is checkpointed ({@code
 * slots:<run>:<host:port>}), so a scan resumed by a later process (after a crash or a stop) still judges coverage from
 * then: a slot that moved while no copy ran is scanned again too. Gives up after {@value #MAX_ROUNDS} rounds (about a minute and a half of a topology
 * that keeps changing, or of slots no master serves). Runs on the caller's thread and one thread per master.
 */
final class ClusterScan {
    private static final Logger log = LoggerFactory.getLogger(ClusterScan.class);
    static final int SLOTS = 16384;
    static final String SLOTS_KIND = "slots";
    static final int MAX_ROUNDS = 20;
    private static final long MAX_PAUSE_MS = 5_000;
    /** How often a scanning node is asked whether it is still a master. */
    private static final long ROLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String runId;
    private final RedisEndpoint.Client source;
    private final ScanOptions options;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final Checkpoints checkpoints;
    private final MoveProgress progress;
    private final long notBeforeMs;
    /** Masters last seen, asked for the topology when the endpoint's own node does not answer. */
    private final List<String> known = new ArrayList<>();

    ClusterScan(
            String runId,
            RedisEndpoint.Client source,
            ScanOptions options,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Checkpoints checkpoints,
            MoveProgress progress,
            long notBeforeMs) {
        this.runId = runId;
        this.source = source;
        this.options = options;
        this.kafka = kafka;
        this.topics = topics;
        this.checkpoints = checkpoints;
        this.progress = progress;
        this.notBeforeMs = notBeforeMs;
    }

    /**
     * Scans until every slot is covered, or until {@code stop} says so.
     *
     * @return true when every slot was covered, false when stopped
     * @throws IllegalStateException when slots are still not covered after {@value #MAX_ROUNDS} rounds, or Kafka
     *     refused the tasks
     * @throws EndpointException when no node of the cluster answers CLUSTER NODES
     */
    boolean scan(BooleanSupplier stop) throws InterruptedException {
        long startedMs = System.currentTimeMillis();
        BitSet covered = new BitSet(SLOTS);
        long pause = 500;
        String lastFailure = null;
        for (int round = 0; ; round++) {
            if (round > 0) {
                TimeUnit.MILLISECONDS.sleep(pause);
                pause = Math.min(pause * 2, MAX_PAUSE_MS);
            }
            if (stop.getAsBoolean()) {
                return false;
            }
            Map<String, BitSet> plan = plan(covered);
            BitSet left = new BitSet(SLOTS);
            left.set(0, SLOTS);
            left.andNot(covered);
            if (left.isEmpty()) {
                return true;
            }
            if (round == MAX_ROUNDS) {
                throw new IllegalStateException("the cluster of the " + source.endpoint() + " kept changing: slots "
                        + ranges(left) + " were not scanned to the end after " + MAX_ROUNDS + " rounds"
                        + (lastFailure == null ? "" : " (last: " + lastFailure + ")")
                        + "; run the copy again once its topology is stable");
            }
            if (round > 0) {
                log.warn(
                        "slots {} of the {} moved, failed over or were not scanned to the end: scanning them again on {}",
                        ranges(left),
                        source.endpoint(),
                        plan.keySet());
            }
            List<NodeScan> scans = new ArrayList<>();
            for (Map.Entry<String, BitSet> node : plan.entrySet()) {
                // The first round scans each master whole, under the checkpoint of its address.
                scans.add(new NodeScan(
                        node.getKey(), round == 0 ? null : node.getValue(), "r" + round + "." + startedMs, stop));
            }
            for (NodeScan scan : scans) {
                scan.thread.start();
            }
            for (NodeScan scan : scans) {
                scan.thread.join();
            }
            for (NodeScan scan : scans) {
                if (scan.failure != null && !Outage.sign(scan.failure)) {
                    throw new IllegalStateException(
                            "scanning " + scan.address + " failed: " + scan.failure.getMessage(), scan.failure);
                }
                if (scan.failure != null) {
                    lastFailure = scan.address + ": " + scan.failure.getMessage();
                    log.warn("scanning {} stopped: {}; its slots are scanned again", scan.address, lastFailure);
                }
                covered.or(scan.covered);
            }
        }
    }

    /** The uncovered slots by the master serving them now, from the cluster's view of itself. */
    private Map<String, BitSet> plan(BitSet covered) {
        Map<String, BitSet> plan = new LinkedHashMap<>();
        Map<String, BitSet> masters = view().masters();
        known.clear();
        known.addAll(masters.keySet());
        for (Map.Entry<String, BitSet> master : masters.entrySet()) {
            BitSet slots = (BitSet) master.getValue().clone();
            slots.andNot(covered);
            if (!slots.isEmpty()) {
                plan.put(master.getKey(), slots);
            }
        }
        return plan;
    }

    private View view() {
        RuntimeException last;
        try (StatefulRedisConnection<byte[], byte[]> connection = source.connect()) {
            return View.parse(connection.sync().clusterNodes());
        } catch (RuntimeException e) {
            last = e;
        }
        for (String address : known) {
            try (RedisEndpoint.Client node = source.node(address);
                    StatefulRedisConnection<byte[], byte[]> connection = node.connect()) {
                return View.parse(connection.sync().clusterNodes());
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new EndpointException(
                "no node of the cluster of the " + source.endpoint() + " answers CLUSTER NODES: " + last.getMessage(),
                last);
    }

    /** One master's scan, on a thread of its own: the slots it covered, or why it stopped. */
    private final class NodeScan implements Runnable {
        final String address;
        /** The slots to publish keys of; null: every key the node holds. */
        final BitSet slots;

        final BooleanSupplier stop;
        final Thread thread;
        volatile BitSet covered = new BitSet();
        volatile Throwable failure;

        final String label;

        NodeScan(String address, BitSet slots, String label, BooleanSupplier stop) {
            this.label = label;
            this.address = address;
            this.slots = slots;
            this.stop = stop;
            this.thread = new Thread(this, "ferry-scanner-" + address);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            try (RedisEndpoint.Client node = source.node(address);
                    StatefulRedisConnection<byte[], byte[]> admin = node.connect()) {
                View.Self now = View.parse(admin.sync().clusterNodes()).self();
                if (!now.master()) {
                    return;
                }
                // A whole-node scan may resume one of an earlier process: what the node served counts from then.
                View.Self before = slots == null ? firstStart(address, now) : now;
                Scanner scanner =
                        new Scanner(runId, node, options, kafka, topics, checkpoints, progress, true, notBeforeMs);
                if (slots != null) {
                    // Never a checkpoint of another round or run: a rescan resumed would skip what it must see.
                    scanner.onlySlots(
                            slots,
                            address + "+" + label + "+"
                                    + Integer.toHexString(ranges(slots).hashCode()));
                }
                long[] lastCheck = {System.nanoTime()};
                boolean[] demoted = {false};
                boolean complete = scanner.scan(0, () -> {
                    if (stop.getAsBoolean()) {
                        return true;
                    }
                    long at = System.nanoTime();
                    if (at - lastCheck[0] >= ROLE_CHECK_NANOS) {
                        lastCheck[0] = at;
                        demoted[0] =
                                !View.parse(admin.sync().clusterNodes()).self().master();
                    }
                    return demoted[0];
                });
                if (demoted[0]) {
                    log.warn("{} is no longer a master: its slots are scanned again on their master", address);
                }
                if (!complete) {
                    return;
                }
                View.Self after = View.parse(admin.sync().clusterNodes()).self();
                if (!after.master()) {
                    return;
                }
                BitSet done = (BitSet) before.slots().clone();
                done.and(after.slots());
                done.andNot(before.moving());
                done.andNot(after.moving());
                if (slots != null) {
                    done.and(slots);
                }
                covered = done;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    /**
     * What {@code address} served when its whole-node scan of this run first started, saved then under {@code
     * slots:<run>:<host:port>} (so a copy resumed after a crash still sees a slot that moved in between); {@code now}
     * when there is no such checkpoint, which it then becomes.
     */
    private View.Self firstStart(String address, View.Self now) throws InterruptedException {
        String id = SLOTS_KIND + ":" + runId + ":" + address;
        Optional<Checkpoint> saved = checkpoints.load(id);
        if (saved.isPresent()
                && saved.get().getPosition() != null
                && saved.get().getUpdatedMicros().toEpochMilli() >= notBeforeMs) {
            return View.Self.decode(saved.get().getPosition());
        }
        checkpoints.save(id, runId, SLOTS_KIND, now.encode(), false, Map.of());
        return now;
    }

    /** Ranges as {@link #ranges} writes them, back into slots. */
    static BitSet parseRanges(String text) {
        BitSet slots = new BitSet(SLOTS);
        if (text.isEmpty()) {
            return slots;
        }
        for (String range : text.split(",")) {
            int dash = range.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
            if (first < 0 || last >= SLOTS || last < first) {
                throw new IllegalArgumentException("slots: '" + range + "' (expected: within 0-" + (SLOTS - 1) + ")");
            }
            slots.set(first, last + 1);
        }
        return slots;
    }

    /** Slots as ranges, e.g. {@code 0-5460,5462}. */
    static String ranges(BitSet slots) {
        StringBuilder out = new StringBuilder();
        for (int first = slots.nextSetBit(0); first >= 0; ) {
            int end = slots.nextClearBit(first);
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(first);
            if (end - 1 > first) {
                out.append('-').append(end - 1);
            }
            first = slots.nextSetBit(end);
        }
        return out.toString();
    }

    /**
     * A node's CLUSTER NODES reply: {@code <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch>
     * <link> <slot> ...}, where a slot is {@code N}, {@code N-M}, or {@code [N->-id]} / {@code [N-<-id]} for one
     * being migrated or imported.
     */
    record View(Map<String, BitSet> masters, Self self) {
        /** The answering node itself: a master or not, the slots it serves, those it is migrating or importing. */
        record Self(boolean master, BitSet slots, BitSet moving) {
            /** As a checkpoint keeps it: {@code master|0-5460|100} (role, slots served, slots moving). */
            String encode() {
                return (master ? "master" : "replica") + "|" + ranges(slots) + "|" + ranges(moving);
            }

            static Self decode(String text) {
                String[] parts = text.split("\\|", -1);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("not a node's slots: '" + text + "'");
                }
                return new Self("master".equals(parts[0]), parseRanges(parts[1]), parseRanges(parts[2]));
            }
        }

        static View parse(String clusterNodes) {
            Map<String, BitSet> masters = new LinkedHashMap<>();
            Self self = new Self(false, new BitSet(), new BitSet());
            for (String line : clusterNodes.split("\r?\n")) {
                String[] fields = line.trim().split(" ");
                if (fields.length < 8) {
                    continue;
                }
                List<String> flags = List.of(fields[2].split(","));
                BitSet slots = new BitSet(SLOTS);
                BitSet moving = new BitSet(SLOTS);
                for (int i = 8; i < fields.length; i++) {
                    String range = fields[i];
                    if (range.startsWith("[")) {
                        int end = range.indexOf('-');
                        moving.set(Integer.parseInt(range.substring(1, end)));
                        continue;
                    }
                    int dash = range.indexOf('-');
                    int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                    int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
                    slots.set(first, last + 1);
                }
                boolean master = flags.contains("master") && !flags.contains("fail") && !flags.contains("noaddr");
                if (flags.contains("myself")) {
                    self = new Self(master, slots, moving);
                }
                if (master && !slots.isEmpty()) {
                    String address = fields[1];
                    int at = address.indexOf('@');
                    masters.put(at < 0 ? address : address.substring(0, at), slots);
                }
            }
            return new View(masters, self);
        }
    }
}
