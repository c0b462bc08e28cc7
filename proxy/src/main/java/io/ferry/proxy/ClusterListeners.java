package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.ClusterTopology;
import io.ferry.proxy.cluster.KeySlot;
import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.KeyPositions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Redis Cluster source as the proxy shows it to cluster clients: one proxy listener per source
 * node, and the cluster's own view of itself ({@code CLUSTER SLOTS}, {@code CLUSTER SHARDS}, {@code
 * CLUSTER NODES}, {@code CLUSTER MYID}) answered with the proxy's addresses in place of the nodes'.
 * The host in those answers is the one the client reached the proxy at; the port is the listener of
 * each node. {@code MOVED} and {@code ASK} replies are rewritten the same way.
 *
 * <p>Thread-safe: listeners are added as the topology grows, from any thread; the replies are built
 * on the client's event loop from the topology in force.
 */
final class ClusterListeners {
    static final byte[] CLUSTER = ascii("CLUSTER");
    private static final byte[] SLOTS = ascii("SLOTS");
    private static final byte[] SHARDS = ascii("SHARDS");
    private static final byte[] NODES = ascii("NODES");
    private static final byte[] MYID = ascii("MYID");

    private final ClusterView view;
    /** The proxy's listener port for each source node, by the node's {@code host:port}. */
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();

    ClusterListeners(ClusterView view) {
        this.view = view;
    }

    ClusterView view() {
        return view;
    }

    /** Notes that source node {@code address} ({@code host:port}) is served by the proxy's {@code port}. */
    void listening(String address, int port) {
        ports.put(address, port);
    }

    /** Whether source node {@code address} has a listener of its own. */
    boolean hasListener(String address) {
        return ports.containsKey(address);
    }

    /** The proxy port standing for source node {@code node}; the node's own port when it has no listener yet. */
    int portOf(ClusterNode node) {
        Integer port = ports.get(node.address());
        return port != null ? port : node.port();
    }

    /** The ports listening, by source node. */
    Map<String, Integer> ports() {
        return Map.copyOf(ports);
    }

    /**
     * The proxy's answer to {@code command} when it is a CLUSTER subcommand describing the cluster,
     * for a client that reached the proxy at {@code host} on the listener of {@code home}; null for
     * any other command (it goes to the source).
     */
    RespMessage answer(CommandMessage command, String host, ClusterNode home) {
        if (!command.nameEquals(CLUSTER) || command.argCount() != 2) {
            return null;
        }
        ClusterTopology topology = view.topology();
        if (command.argEqualsIgnoreCase(1, SLOTS)) {
            return slots(topology, host);
        }
        if (command.argEqualsIgnoreCase(1, SHARDS)) {
            return shards(topology, host);
        }
        if (command.argEqualsIgnoreCase(1, NODES)) {
            return BulkStringMessage.of(nodes(topology, host, home));
        }
        if (command.argEqualsIgnoreCase(1, MYID)) {
            return BulkStringMessage.of(home.id());
        }
        return null;
    }

    /**
     * The slot of {@code command}'s first key when the shard of {@code home} does not serve it (the
     * client should be sent elsewhere: {@link #moved}); -1 when it does, or the command has no key.
     * {@code keys} is scratch space.
     */
    int foreignSlot(CommandMessage command, CommandInfo info, KeyPositions keys, ClusterNode home) {
        info.findKeys(command, keys);
        if (keys.isEmpty()) {
            return -1;
        }
        int slot = KeySlot.of(command.arg(keys.index(0)));
        ClusterTopology topology = view.topology();
        int shard = topology.shardOf(slot);
        if (shard < 0) {
            return -1;
        }
        ClusterTopology.Shard owner = topology.shards().get(shard);
        if (same(owner.master(), home)) {
            return -1;
        }
        for (ClusterNode replica : owner.replicas()) {
            if (same(replica, home)) {
                // A replica answers reads after READONLY, and MOVED otherwise: let it say.
                return -1;
            }
        }
        return slot;
    }

    /** {@code -MOVED <slot> <host>:<port>} naming the proxy listener of the node serving {@code slot}. */
    ErrorMessage moved(int slot, String host) {
        ClusterNode owner = view.topology().ownerOf(slot);
        return ErrorMessage.of("MOVED " + slot + " " + host + ":" + portOf(owner));
    }

    /**
     * {@code error} with a source node's address replaced by the proxy's, when it is a {@code MOVED}
     * or {@code ASK}; {@code error} itself otherwise. Releases {@code error} when it returns another.
     */
    RespMessage rewrite(ErrorMessage error, String host) {
        String text = error.text();
        if (!text.startsWith("MOVED ") && !text.startsWith("ASK ")) {
            return error;
        }
        int space = text.lastIndexOf(' ');
        String address = text.substring(space + 1);
        Integer port = ports.get(address);
        if (port == null) {
            if (!address.startsWith(host + ":") || !ports.containsValue(portOf(address))) {
                // A node the proxy has no listener for yet: the topology is read again.
                view.refresh();
            }
            return error;
        }
        view.refresh();
        error.release();
        return ErrorMessage.of(text.substring(0, space + 1) + host + ":" + port);
    }

    private static int portOf(String address) {
        try {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean same(ClusterNode node, ClusterNode home) {
        return node.port() == home.port() && node.host().equals(home.host());
    }

    private RespMessage slots(ClusterTopology topology, String host) {
        List<RespMessage> entries = new ArrayList<>();
        for (ClusterTopology.Shard shard : topology.shards()) {
            int[] ranges = shard.ranges();
            for (int i = 0; i < ranges.length; i += 2) {
                List<RespMessage> entry = new ArrayList<>();
                entry.add(IntegerMessage.of(ranges[i]));
                entry.add(IntegerMessage.of(ranges[i + 1]));
                entry.add(slotsNode(shard.master(), host));
                for (ClusterNode replica : shard.replicas()) {
                    entry.add(slotsNode(replica, host));
                }
                entries.add(ArrayMessage.of(entry));
            }
        }
        return ArrayMessage.of(entries);
    }

    private RespMessage slotsNode(ClusterNode node, String host) {
        return ArrayMessage.of(
                BulkStringMessage.of(host), IntegerMessage.of(portOf(node)), BulkStringMessage.of(node.id()));
    }

    private RespMessage shards(ClusterTopology topology, String host) {
        List<RespMessage> shards = new ArrayList<>();
        for (ClusterTopology.Shard shard : topology.shards()) {
            List<RespMessage> ranges = new ArrayList<>();
            for (int bound : shard.ranges()) {
                ranges.add(IntegerMessage.of(bound));
            }
            List<RespMessage> nodes = new ArrayList<>();
            nodes.add(shardNode(shard.master(), host));
            for (ClusterNode replica : shard.replicas()) {
                nodes.add(shardNode(replica, host));
            }
            shards.add(ArrayMessage.of(
                    BulkStringMessage.of("slots"), ArrayMessage.of(ranges),
                    BulkStringMessage.of("nodes"), ArrayMessage.of(nodes)));
        }
        return ArrayMessage.of(shards);
    }

    private RespMessage shardNode(ClusterNode node, String host) {
        return ArrayMessage.of(
                BulkStringMessage.of("id"), BulkStringMessage.of(node.id()),
                BulkStringMessage.of("port"), IntegerMessage.of(portOf(node)),
                BulkStringMessage.of("ip"), BulkStringMessage.of(host),
                BulkStringMessage.of("endpoint"), BulkStringMessage.of(host),
                BulkStringMessage.of("role"), BulkStringMessage.of(node.master() ? "master" : "replica"),
                BulkStringMessage.of("replication-offset"), IntegerMessage.ZERO,
                BulkStringMessage.of("health"), BulkStringMessage.of(node.online() ? "online" : "failed"));
    }

    /** CLUSTER NODES: one line per node, as Redis writes it, with the proxy's addresses. */
    private String nodes(ClusterTopology topology, String host, ClusterNode home) {
        StringBuilder text = new StringBuilder();
        for (ClusterTopology.Shard shard : topology.shards()) {
            nodeLine(text, shard.master(), null, shard.ranges(), host, home);
            for (ClusterNode replica : shard.replicas()) {
                nodeLine(text, replica, shard.master(), null, host, home);
            }
        }
        return text.toString();
    }

    private void nodeLine(
            StringBuilder text, ClusterNode node, ClusterNode master, int[] ranges, String host, ClusterNode home) {
        int port = portOf(node);
        text.append(node.id())
                .append(' ')
                .append(host)
                .append(':')
                .append(port)
                .append('@')
                .append(0)
                .append(' ');
        if (same(node, home)) {
            text.append("myself,");
        }
        text.append(master == null ? "master" : "slave");
        if (!node.online()) {
            text.append(",fail");
        }
        text.append(' ').append(master == null ? "-" : master.id()).append(" 0 0 0 connected");
        if (ranges != null) {
            for (int i = 0; i < ranges.length; i += 2) {
                text.append(' ').append(ranges[i]);
                if (ranges[i + 1] != ranges[i]) {
                    text.append('-').append(ranges[i + 1]);
                }
            }
        }
        text.append('\n');
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
