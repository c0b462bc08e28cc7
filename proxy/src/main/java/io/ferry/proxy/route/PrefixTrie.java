package io.ferry.proxy.route;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Literal keys and key prefixes, each owned by a rank (the position of a tenant), answering with
 * the lowest rank that owns the key or a prefix of it, in time linear in the key whatever the
 * number of entries: {@link TenantRules} may hold thousands of prefixes, looked up for every
 * command.
 *
 * <p>Immutable and thread-safe once built; lookups allocate nothing. The {@link Builder} is not
 * thread-safe.
 */
final class PrefixTrie {
    /** The rank returned when nothing owns a key: greater than every real rank. */
    static final int NONE = Integer.MAX_VALUE;

    private final Node root;

    private PrefixTrie(Node root) {
        this.root = root;
    }

    /**
     * The lowest rank owning the key between {@code key}'s reader and writer index, exactly or by a
     * prefix; {@link #NONE} if none.
     */
    int lowestOwner(ByteBuf key) {
        int best = NONE;
        Node node = root;
        int end = key.writerIndex();
        for (int i = key.readerIndex(); i < end; i++) {
            node = node.child(key.getByte(i));
            if (node == null) {
                return best;
            }
            best = Math.min(best, node.prefixOwner);
        }
        return Math.min(best, node.exactOwner);
    }

    static Builder builder() {
        return new Builder();
    }

    private static final class Node {
        // Sorted, for a binary search: no boxing and no hashing on the lookup path.
        private final byte[] labels;
        private final Node[] children;
        private final int prefixOwner;
        private final int exactOwner;

        private Node(byte[] labels, Node[] children, int prefixOwner, int exactOwner) {
            this.labels = labels;
            this.children = children;
            this.prefixOwner = prefixOwner;
            this.exactOwner = exactOwner;
        }

        private Node child(byte label) {
            int i = Arrays.binarySearch(labels, label);
            return i >= 0 ? children[i] : null;
        }
    }

    /** Collects entries; an entry added again keeps its lowest rank. */
    static final class Builder {
        private final Draft root = new Draft();

        private Builder() {}

        /** Keys starting with {@code prefix}, which must not be empty, belong to {@code rank}. */
        Builder addPrefix(byte[] prefix, int rank) {
            if (prefix.length == 0) {
                throw new IllegalArgumentException("an empty prefix would own every key, even the empty one");
            }
            Draft node = walk(prefix);
            node.prefixOwner = Math.min(node.prefixOwner, rank);
            return this;
        }

        /** The key equal to {@code literal} belongs to {@code rank}. */
        Builder addLiteral(byte[] literal, int rank) {
            Draft node = walk(literal);
            node.exactOwner = Math.min(node.exactOwner, rank);
            return this;
        }

        PrefixTrie build() {
            return new PrefixTrie(root.freeze());
        }

        private Draft walk(byte[] bytes) {
            Draft node = root;
            for (byte b : bytes) {
                node = node.children.computeIfAbsent(b, unused -> new Draft());
            }
            return node;
        }
    }

    private static final class Draft {
        private final Map<Byte, Draft> children = new TreeMap<>();
        private int prefixOwner = NONE;
        private int exactOwner = NONE;

        private Node freeze() {
            byte[] labels = new byte[children.size()];
            Node[] frozen = new Node[children.size()];
            int i = 0;
            // TreeMap orders bytes as signed numbers, the order Arrays.binarySearch expects.
            for (Map.Entry<Byte, Draft> child : children.entrySet()) {
                labels[i] = child.getKey();
                frozen[i] = child.getValue().freeze();
                i++;
            }
            return new Node(labels, frozen, prefixOwner, exactOwner);
        }
    }
}
