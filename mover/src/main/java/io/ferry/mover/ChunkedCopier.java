package io.ferry.mover;

import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.Stage;
import io.lettuce.core.RedisException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Copies one key with its type's own commands, a chunk at a time, for the keys DUMP cannot carry: keys
 * too big to hold whole (in the mover's heap, in the source's reply buffer, or in one bulk the target
 * accepts) and keys whose DUMP payload the target refuses (an RDB version newer than the target's, or a
 * target without RESTORE). HSCAN, SSCAN, ZSCAN, LRANGE, GETRANGE and XRANGE read a chunk; the matching
 * write command adds it to a temporary key on the target, named with the key's hash tag so it lives in
 * the key's cluster slot. When the whole value is there, the temporary key gets the source's absolute
 * expiry and is renamed into place: readers of the target never see a half-copied key. Streams keep
 * their entry IDs, last ID, consumer groups, consumers and pending entries.
 *
 * <p>Under {@link ConflictPolicy#MERGE}, a key the target already holds is combined instead: hash fields
 * the target lacks are added, set members unioned, sorted-set scores set from the source, list elements
 * appended after the target's; strings and streams cannot be combined and are replaced (reported as
 * such). The merged key takes the source's expiry. A list merge is not idempotent: copying the same key
 * twice appends twice.
 *
 * <p>Memory: one chunk at a time ({@link CopyOptions#chunkElements()} elements or {@link
 * CopyOptions#chunkBytes()} bytes of a string). A temporary key left by a crash expires by itself after a
 * day and is overwritten by the next attempt at the same key. Owns neither connection; uses them with
 * auto-flush on. Not thread-safe.
 */
final class ChunkedCopier {
    static final String TEMP_MARK = ":ferry-tmp:";
    private static final long NO_EXPIRY = -1;
    private static final long NO_KEY = -2;
    private static final long LEFTOVER_TTL_MS = Duration.ofDays(1).toMillis();

    private final Side sourceSide;
    private final RawCommands source;
    private final RawCommands target;
    private final boolean expireTime;
    private final boolean streamCounters;
    private final CopyOptions options;
    private long bytes;
    /** The temporary key being built, if any. */
    private byte[] building;

    ChunkedCopier(Side source, Side target, ServerFacts sourceFacts, ServerFacts targetFacts, CopyOptions options) {
        this.sourceSide = source;
        this.source = new RawCommands(source);
        this.target = new RawCommands(target);
        this.expireTime = sourceFacts.hasExpireTime();
        // ENTRIESREAD, ENTRIESADDED and MAXDELETEDID exist from 7.0 on both sides.
        this.streamCounters = sourceFacts.atLeast(7, 0) && targetFacts.atLeast(7, 0);
        this.options = options;
    }

    /** Copies {@code key} under the options' conflict policy; never throws for a Redis error. */
    KeyCopier.Result copy(byte[] key) {
        bytes = 0;
        try {
            String type = source.status("TYPE", key);
            if ("none".equals(type)) {
                return new KeyCopier.Result(key, KeyOutcome.VANISHED, 0, null, null);
            }
            ConflictPolicy policy = options.conflictPolicy();
            if (policy != ConflictPolicy.REPLACE && target.integer("EXISTS", key) == 1) {
                return policy == ConflictPolicy.NONE
                        ? new KeyCopier.Result(key, KeyOutcome.SKIPPED, 0, null, null)
                        : merge(key, type);
            }
            KeyCopier.Result copied = copyWhole(key, type, policy == ConflictPolicy.REPLACE);
            if (copied.outcome() == KeyOutcome.SKIPPED && policy == ConflictPolicy.MERGE) {
                // The key appeared on the target while it was being copied (a dual write): combine.
                return merge(key, type);
            }
            return copied;
        } catch (RedisException e) {
            return KeyCopier.Result.failed(key, Stage.CHUNK_COPY, String.valueOf(e.getMessage()));
        }
    }

    /** The temporary key a copy of {@code key} is built in: same hash slot, unique per key. */
    static byte[] tempKey(byte[] key) {
        byte[] tag = hashTag(key);
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        String suffix = TEMP_MARK + HexFormat.of().formatHex(digest, 0, 16);
        boolean braceFree = true;
        for (byte b : tag) {
            braceFree &= b != '{' && b != '}';
        }
        if (tag.length == 0 || !braceFree) {
            // No way to wrap it in a tag of its own: a cluster may then refuse the rename (CROSSSLOT).
            return concat(key, suffix.getBytes(StandardCharsets.US_ASCII));
        }
        return concat(concat(new byte[] {'{'}, tag), ("}" + suffix).getBytes(StandardCharsets.US_ASCII));
    }

    /** The part of {@code key} Redis Cluster hashes: the first non-empty {...}, else the whole key. */
    static byte[] hashTag(byte[] key) {
        for (int open = 0; open < key.length; open++) {
            if (key[open] == '{') {
                for (int close = open + 1; close < key.length; close++) {
                    if (key[close] == '}') {
                        if (close == open + 1) {
                            return key;
                        }
                        byte[] tag = new byte[close - open - 1];
                        System.arraycopy(key, open + 1, tag, 0, tag.length);
                        return tag;
                    }
                }
                return key;
            }
        }
        return key;
    }

    private KeyCopier.Result copyWhole(byte[] key, String type, boolean replace) {
        byte[] temp = tempKey(key);
        target.integer("DEL", temp);
        building = temp;
        try {
            copyElements(type, key, temp, false);
        } finally {
            building = null;
        }
        String typeNow = source.status("TYPE", key);
        if ("none".equals(typeNow)) {
            target.integer("DEL", temp);
            return new KeyCopier.Result(key, KeyOutcome.VANISHED, 0, null, null);
        }
        if (!type.equals(typeNow)) {
            target.integer("DEL", temp);
            return KeyCopier.Result.failed(
                    key, Stage.CHUNK_COPY, "the key changed from " + type + " to " + typeNow + " while copied");
        }
        long expiry = expiry(key);
        if (expiry == NO_KEY || (expiry != NO_EXPIRY && expiry <= System.currentTimeMillis())) {
            target.integer("DEL", temp);
            return new KeyCopier.Result(key, KeyOutcome.VANISHED, 0, null, null);
        }
        if (target.integer("EXISTS", temp) == 0) {
            return KeyCopier.Result.failed(key, Stage.CHUNK_COPY, "nothing was read from the source's " + type);
        }
        if (expiry == NO_EXPIRY) {
            target.integer("PERSIST", temp);
        } else {
            target.integer("PEXPIREAT", temp, expiry);
        }
        if (replace) {
            target.status("RENAME", temp, key);
        } else if (target.integer("RENAMENX", temp, key) == 0) {
            target.integer("DEL", temp);
            return new KeyCopier.Result(key, KeyOutcome.SKIPPED, 0, null, null);
        }
        return new KeyCopier.Result(key, KeyOutcome.COPIED, bytes, null, null);
    }

    private KeyCopier.Result merge(byte[] key, String type) {
        String targetType = target.status("TYPE", key);
        if ("none".equals(targetType)) {
            KeyCopier.Result copied = copyWhole(key, type, false);
            return copied.outcome() == KeyOutcome.SKIPPED
                    ? KeyCopier.Result.failed(
                            key, Stage.CHUNK_COPY, "the key keeps appearing and vanishing on the target")
                    : copied;
        }
        if (!targetType.equals(type)) {
            return KeyCopier.Result.failed(
                    key,
                    Stage.CHUNK_COPY,
                    "MERGE cannot combine the target's " + targetType + " with the source's " + type);
        }
        if (type.equals("string") || type.equals("stream")) {
            KeyCopier.Result replaced = copyWhole(key, type, true);
            return replaced.outcome() == KeyOutcome.COPIED
                    ? new KeyCopier.Result(key, KeyOutcome.REPLACED_ON_MERGE, replaced.bytes(), null, null)
                    : replaced;
        }
        copyElements(type, key, key, true);
        long expiry = expiry(key);
        if (expiry == NO_EXPIRY) {
            target.integer("PERSIST", key);
        } else if (expiry != NO_KEY) {
            target.integer("PEXPIREAT", key, expiry);
        }
        return new KeyCopier.Result(key, KeyOutcome.MERGED, bytes, null, null);
    }

    private void copyElements(String type, byte[] key, byte[] into, boolean merge) {
        switch (type) {
            case "string" -> copyString(key, into);
            case "hash" -> copyHash(key, into, merge);
            case "set" -> scanInto("SSCAN", key, into, 1, items -> target.integer("SADD", into, items));
            case "zset" -> scanInto("ZSCAN", key, into, 2, items -> target.integer("ZADD", into, swapPairs(items)));
            case "list" -> copyList(key, into);
            case "stream" -> copyStream(key, into);
            default -> throw new RedisException("cannot copy a key of type " + type + " element by element");
        }
    }

    private void copyString(byte[] key, byte[] into) {
        long length = source.integer("STRLEN", key);
        for (long offset = 0; offset < length; ) {
            byte[] chunk = sourceSide.sync().getrange(key, offset, offset + options.chunkBytes() - 1);
            if (chunk == null || chunk.length == 0) {
                break;
            }
            target.integer("APPEND", into, chunk);
            guardLeftover(into, offset == 0);
            bytes += chunk.length;
            offset += chunk.length;
        }
    }

    private void copyHash(byte[] key, byte[] into, boolean merge) {
        scanInto("HSCAN", key, into, 2, items -> {
            if (!merge) {
                target.integer("HSET", into, items);
                return;
            }
            // Add only the fields the target lacks: one read of the chunk's fields, one write.
            List<Object> fields = new ArrayList<>(items.size() / 2);
            for (int i = 0; i < items.size(); i += 2) {
                fields.add(items.get(i));
            }
            List<Object> present = target.array("HMGET", into, fields);
            List<Object> missing = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                if (present.get(i) == null) {
                    missing.add(items.get(2 * i));
                    missing.add(items.get(2 * i + 1));
                }
            }
            if (!missing.isEmpty()) {
                target.integer("HSET", into, missing);
            }
        });
    }

    private interface ChunkWriter {
        void write(List<Object> items);
    }

    /** Walks a SCAN-family cursor over {@code key}; each non-empty batch goes to {@code writer}. */
    private void scanInto(String command, byte[] key, byte[] into, int perElement, ChunkWriter writer) {
        String cursor = "0";
        boolean first = true;
        do {
            List<Object> reply = source.array(command, key, cursor, "COUNT", options.chunkElements());
            cursor = RawCommands.text(reply.get(0));
            @SuppressWarnings("unchecked")
            List<Object> items = (List<Object>) reply.get(1);
            if (!items.isEmpty() && items.size() % perElement == 0) {
                writer.write(items);
                guardLeftover(into, first);
                first = false;
                for (Object item : items) {
                    bytes += ((byte[]) item).length;
                }
            }
        } while (!cursor.equals("0"));
    }

    private static List<Object> swapPairs(List<Object> memberScores) {
        List<Object> scoreMembers = new ArrayList<>(memberScores.size());
        for (int i = 0; i < memberScores.size(); i += 2) {
            scoreMembers.add(memberScores.get(i + 1));
            scoreMembers.add(memberScores.get(i));
        }
        return scoreMembers;
    }

    private void copyList(byte[] key, byte[] into) {
        int chunk = options.chunkElements();
        for (long start = 0; ; start += chunk) {
            List<Object> items = source.array("LRANGE", key, start, start + chunk - 1);
            if (items == null || items.isEmpty()) {
                return;
            }
            target.integer("RPUSH", into, items);
            guardLeftover(into, start == 0);
            for (Object item : items) {
                bytes += ((byte[]) item).length;
            }
            if (items.size() < chunk) {
                return;
            }
        }
    }

    private void copyStream(byte[] key, byte[] into) {
        Map<String, Object> info = fields(source.array("XINFO", "STREAM", key));
        String next = "-";
        boolean first = true;
        while (true) {
            List<Object> entries = source.array("XRANGE", key, next, "+", "COUNT", options.chunkElements());
            if (entries == null || entries.isEmpty()) {
                break;
            }
            List<Object[]> adds = new ArrayList<>(entries.size());
            String last = null;
            for (Object entry : entries) {
                List<?> idAndFields = (List<?>) entry;
                last = RawCommands.text(idAndFields.get(0));
                List<?> pairs = (List<?>) idAndFields.get(1);
                adds.add(new Object[] {into, last, pairs});
                for (Object pair : pairs) {
                    bytes += ((byte[]) pair).length;
                }
            }
            target.pipeline("XADD", adds);
            guardLeftover(into, first);
            first = false;
            if (entries.size() < options.chunkElements()) {
                break;
            }
            next = nextId(last);
        }
        if (first) {
            // Every entry was deleted (or trimmed) but the stream lives on: create it empty.
            target.status("XGROUP", "CREATE", into, "ferry-empty", "$", "MKSTREAM");
            target.integer("XGROUP", "DESTROY", into, "ferry-empty");
            guardLeftover(into, true);
        }
        String lastId = RawCommands.text(info.get("last-generated-id"));
        if (!"0-0".equals(lastId)) {
            List<Object> setId = new ArrayList<>(List.of(into, lastId));
            if (streamCounters && info.get("entries-added") != null && info.get("max-deleted-entry-id") != null) {
                setId.addAll(List.of(
                        "ENTRIESADDED",
                        String.valueOf(info.get("entries-added")),
                        "MAXDELETEDID",
                        RawCommands.text(info.get("max-deleted-entry-id"))));
            }
            target.status("XSETID", setId.toArray());
        }
        for (Object group : source.array("XINFO", "GROUPS", key)) {
            copyGroup(key, into, fields((List<?>) group));
        }
    }

    private void copyGroup(byte[] key, byte[] into, Map<String, Object> group) {
        byte[] name = (byte[]) group.get("name");
        List<Object> create =
                new ArrayList<>(List.of("CREATE", into, name, RawCommands.text(group.get("last-delivered-id"))));
        if (streamCounters && group.get("entries-read") instanceof Long read) {
            create.addAll(List.of("ENTRIESREAD", read));
        }
        target.status("XGROUP", create.toArray());
        for (Object consumer : source.array("XINFO", "CONSUMERS", key, name)) {
            target.integer(
                    "XGROUP",
                    "CREATECONSUMER",
                    into,
                    name,
                    fields((List<?>) consumer).get("name"));
        }
        String next = "-";
        while (true) {
            List<Object> pending = source.array("XPENDING", key, name, next, "+", options.chunkElements());
            if (pending == null || pending.isEmpty()) {
                return;
            }
            List<Object[]> claims = new ArrayList<>(pending.size());
            String last = null;
            for (Object entry : pending) {
                List<?> p = (List<?>) entry; // id, consumer, idle ms, deliveries
                last = RawCommands.text(p.get(0));
                claims.add(new Object[] {
                    into, name, p.get(1), 0, last, "IDLE", p.get(2), "RETRYCOUNT", p.get(3), "FORCE", "JUSTID"
                });
            }
            target.pipeline("XCLAIM", claims);
            if (pending.size() < options.chunkElements()) {
                return;
            }
            next = nextId(last);
        }
    }

    /** The smallest stream ID after {@code id} (XRANGE's exclusive start, spelled for every version). */
    static String nextId(String id) {
        int dash = id.indexOf('-');
        long ms = Long.parseUnsignedLong(id.substring(0, dash));
        long seq = Long.parseUnsignedLong(id.substring(dash + 1));
        return seq == -1L
                ? Long.toUnsignedString(ms + 1) + "-0"
                : Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq + 1);
    }

    /** The reply of XINFO STREAM/GROUPS/CONSUMERS (name, value, name, value...) as a map. */
    private static Map<String, Object> fields(List<?> reply) {
        Map<String, Object> fields = new HashMap<>();
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            fields.put(RawCommands.text(reply.get(i)), reply.get(i + 1));
        }
        return fields;
    }

    /** Gives a new temporary key a day to live, so a crash mid-copy cannot leave it forever. */
    private void guardLeftover(byte[] into, boolean firstWrite) {
        if (firstWrite && into == building) {
            target.integer("PEXPIRE", into, LEFTOVER_TTL_MS);
        }
    }

    /** The absolute expiry in ms, {@link #NO_EXPIRY} or {@link #NO_KEY}. */
    private long expiry(byte[] key) {
        if (expireTime) {
            return source.integer("PEXPIRETIME", key);
        }
        long readAt = System.currentTimeMillis();
        long ttl = source.integer("PTTL", key);
        return ttl < 0 ? ttl : readAt + ttl;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
