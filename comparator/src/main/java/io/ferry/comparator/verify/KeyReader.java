package io.ferry.comparator.verify;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the {@link KeyState} of a window of keys on one side: one Lua call that returns, per key, its
 * type, expiry, size and a digest of its value (so values never cross the network), or, when the
 * server refuses scripts (no EVAL, an ACL without {@code @scripting}), the same commands pipelined
 * with the digest made here.
 *
 * <p>The digest is of the value's content, in an order that does not depend on the server: a string's
 * bytes; a list's items; a set's members and a hash's field/value pairs sorted; a sorted set's members
 * and scores in score order; each element length-prefixed. Collections of more than {@code
 * smallElements} elements, streams and module types are digested by their DUMP payload without its
 * trailer (RDB version and CRC) instead, which can differ for equal values (hash-seed order, another
 * encoding): a digest that differs only sends the key to the type-aware {@link ValueComparer}, so a
 * digest may be too strict, never too lenient. A key above the big-key size is not read at all: its
 * digest is null and it is compared in chunks. One call reads about {@value #MAX_BYTES_PER_CALL} bytes
 * of values (by MEMORY USAGE) at most, so a script never holds the server long; the keys after that
 * are read by the next call. On a Redis Cluster, where the keys of one script must share a slot, the
 * window is split by slot and one call per slot is pipelined, each sent to the node serving it. One
 * reader per connection; not thread-safe.
 */
final class KeyReader {
    private static final Logger log = LoggerFactory.getLogger(KeyReader.class);
    static final long MAX_BYTES_PER_CALL = 1L << 20;
    /** A DUMP payload ends with the RDB version (2 bytes) and a CRC64 (8): left out of the digest. */
    static final int DUMP_TRAILER = 10;

    /**
     * KEYS: the window. ARGV: big-key bytes, 1 when the server has PEXPIRETIME, bytes per call, the
     * most elements a collection may have to be digested by content. Returns (type, expiry, digest or
     * nil, size) per key read; stops after the key that reaches the bytes.
     */
    static final String SCRIPT = """
            local big, absolute, budget = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3])
            local small = tonumber(ARGV[4])
            local function digest(parts)
              local out = {}
              for i, part in ipairs(parts) do out[i] = #part .. ':' .. part end
              return redis.sha1hex(table.concat(out, ','))
            end
            local out, total = {}, 0
            for _, key in ipairs(KEYS) do
              local t = redis.call('TYPE', key)['ok']
              if t == 'none' then
                out[#out + 1] = t; out[#out + 1] = -2; out[#out + 1] = false; out[#out + 1] = 0
              else
                local expiry
                if absolute then expiry = redis.call('PEXPIRETIME', key) else expiry = redis.call('PTTL', key) end
                local size = 0
                if t == 'string' then size = redis.call('STRLEN', key)
                elseif t == 'list' then size = redis.call('LLEN', key)
                elseif t == 'set' then size = redis.call('SCARD', key)
                elseif t == 'zset' then size = redis.call('ZCARD', key)
                elseif t == 'hash' then size = redis.call('HLEN', key)
                elseif t == 'stream' then size = redis.call('XLEN', key) end
                local sum = false
                local used = redis.call('MEMORY', 'USAGE', key) or 0
                if used <= big then
                  total = total + used
                  if t == 'string' then
                    sum = redis.sha1hex(redis.call('GET', key))
                  elseif t == 'list' and size <= small then
                    sum = digest(redis.call('LRANGE', key, 0, -1))
                  elseif t == 'set' and size <= small then
                    local members = redis.call('SMEMBERS', key)
                    table.sort(members)
                    sum = digest(members)
                  elseif t == 'hash' and size <= small then
                    local flat, fields = redis.call('HGETALL', key), {}
                    for i = 1, #flat, 2 do fields[#fields + 1] = #flat[i] .. ':' .. flat[i] .. '=' .. flat[i + 1] end
                    table.sort(fields)
                    sum = digest(fields)
                  elseif t == 'zset' and size <= small then
                    sum = digest(redis.call('ZRANGE', key, 0, -1, 'WITHSCORES'))
                  else
                    local payload = redis.call('DUMP', key)
                    if payload then sum = 'dump:' .. redis.sha1hex(string.sub(payload, 1, -11)) end
                  end
                end
                out[#out + 1] = t; out[#out + 1] = expiry; out[#out + 1] = sum; out[#out + 1] = size
              end
              if total >= budget then break end
            end
            return out
            """;

    private final SideConnection connection;
    private final long bigKeyBytes;
    private final int smallElements;
    private final boolean absolute;
    private final long timeoutMs;
    private final String side;
    private boolean scripts = true;

    KeyReader(String side, SideConnection connection, long bigKeyBytes, int smallElements, boolean absolute) {
        this.smallElements = smallElements;
        this.side = side;
        this.connection = connection;
        this.bigKeyBytes = bigKeyBytes;
        this.absolute = absolute;
        this.timeoutMs = connection.connection().getTimeout().toMillis();
    }

    /** A reader on a single server's connection. */
    KeyReader(
            String side,
            StatefulRedisConnection<byte[], byte[]> connection,
            long bigKeyBytes,
            int smallElements,
            boolean absolute) {
        this(side, SideConnection.of(connection), bigKeyBytes, smallElements, absolute);
    }

    /** Reads with pipelined commands from now on, as when the server refuses scripts. */
    void withoutScripts() {
        scripts = false;
    }

    /** The state of each key, in order. */
    List<KeyState> read(List<byte[]> keys) throws InterruptedException {
        List<KeyState> states = new ArrayList<>(keys.size());
        while (states.size() < keys.size()) {
            List<byte[]> rest = keys.subList(states.size(), keys.size());
            if (scripts) {
                try {
                    states.addAll(connection.cluster() ? readByScriptPerSlot(rest) : readByScript(rest));
                    continue;
                } catch (RedisCommandExecutionException e) {
                    if (!refused(e.getMessage())) {
                        throw e;
                    }
                    scripts = false;
                    log.info(
                            "The {} refuses scripts ({}): keys are read with pipelined commands instead",
                            side,
                            e.getMessage());
                }
            }
            states.addAll(readByPipeline(rest));
        }
        return states;
    }

    private List<KeyState> readByScript(List<byte[]> keys) {
        long now = System.currentTimeMillis();
        return states(
                connection.sync().eval(SCRIPT, ScriptOutputType.MULTI, keys.toArray(new byte[0][]), scriptArgs()),
                keys.size(),
                now);
    }

    /**
     * The script once per slot of the window, pipelined (a cluster refuses a script whose keys span slots,
     * and sends each call to the node of its slot); a slot whose call stopped at the byte budget is read
     * on by the next calls.
     */
    private List<KeyState> readByScriptPerSlot(List<byte[]> keys) throws InterruptedException {
        Map<Integer, List<Integer>> left = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            left.computeIfAbsent(SlotHash.getSlot(keys.get(i)), slot -> new ArrayList<>())
                    .add(i);
        }
        KeyState[] states = new KeyState[keys.size()];
        RedisClusterAsyncCommands<byte[], byte[]> redis = connection.async();
        while (!left.isEmpty()) {
            long now = System.currentTimeMillis();
            Map<Integer, RedisFuture<List<Object>>> calls = new LinkedHashMap<>();
            left.forEach((slot, indices) -> {
                byte[][] slotKeys = new byte[indices.size()][];
                for (int i = 0; i < slotKeys.length; i++) {
                    slotKeys[i] = keys.get(indices.get(i));
                }
                calls.put(slot, redis.eval(SCRIPT, ScriptOutputType.MULTI, slotKeys, scriptArgs()));
            });
            Map<Integer, List<Integer>> next = new LinkedHashMap<>();
            for (Map.Entry<Integer, RedisFuture<List<Object>>> call : calls.entrySet()) {
                List<Integer> indices = left.get(call.getKey());
                List<KeyState> read = states(get(call.getValue()), indices.size(), now);
                for (int i = 0; i < read.size(); i++) {
                    states[indices.get(i)] = read.get(i);
                }
                if (read.size() < indices.size()) {
                    next.put(call.getKey(), indices.subList(read.size(), indices.size()));
                }
            }
            left = next;
        }
        return Arrays.asList(states);
    }

    private byte[][] scriptArgs() {
        return new byte[][] {arg(bigKeyBytes), absolute ? arg(1) : arg(0), arg(MAX_BYTES_PER_CALL), arg(smallElements)};
    }

    /** The key states of a script's reply (4 values per key read) for a call over {@code asked} keys. */
    private List<KeyState> states(List<Object> reply, int asked, long now) {
        List<KeyState> states = new ArrayList<>(reply.size() / 4);
        for (int i = 0; i + 3 < reply.size(); i += 4) {
            String type = new String((byte[]) reply.get(i), StandardCharsets.US_ASCII);
            long expiry = (Long) reply.get(i + 1);
            byte[] digest = (byte[]) reply.get(i + 2);
            long size = (Long) reply.get(i + 3);
            states.add(
                    "none".equals(type)
                            ? KeyState.NONE
                            : new KeyState(
                                    type,
                                    absoluteExpiry(expiry, now),
                                    digest == null ? null : new String(digest, StandardCharsets.US_ASCII),
                                    size));
        }
        if (states.isEmpty()) {
            throw new IllegalStateException("the " + side + "'s script read no key of " + asked);
        }
        return states;
    }

    /**
     * The same reads without a script: type, expiry, memory and size pipelined, then the values (or
     * DUMPs) of about {@value #MAX_BYTES_PER_CALL} bytes of keys, digested here as the script digests
     * them (sorted sets by their DUMP: the script's digest uses the server's own score text).
     */
    private List<KeyState> readByPipeline(List<byte[]> keys) throws InterruptedException {
        RedisClusterAsyncCommands<byte[], byte[]> redis = connection.async();
        long now = System.currentTimeMillis();
        List<RedisFuture<String>> types = new ArrayList<>(keys.size());
        List<RedisFuture<Long>> expiries = new ArrayList<>(keys.size());
        List<RedisFuture<Long>> used = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            types.add(redis.type(key));
            expiries.add(absolute ? redis.pexpiretime(key) : redis.pttl(key));
            used.add(redis.memoryUsage(key));
        }
        List<RedisFuture<Long>> sizes = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            sizes.add(sizeOf(redis, get(types.get(i)), keys.get(i)));
        }
        List<RedisFuture<?>> values = new ArrayList<>(keys.size());
        boolean[] dumped = new boolean[keys.size()];
        int read = 0;
        long bytes = 0;
        while (read < keys.size() && bytes < MAX_BYTES_PER_CALL) {
            String type = get(types.get(read));
            Long memory = "none".equals(type) ? null : get(used.get(read));
            long size = sizes.get(read) == null ? 0 : orZero(get(sizes.get(read)));
            boolean reading = memory != null && memory <= bigKeyBytes;
            dumped[read] = reading && !byContent(type, size);
            values.add(
                    !reading ? null : dumped[read] ? redis.dump(keys.get(read)) : content(redis, type, keys.get(read)));
            bytes += memory != null && memory <= bigKeyBytes ? memory : 0;
            read++;
        }
        List<KeyState> states = new ArrayList<>(read);
        for (int i = 0; i < read; i++) {
            String type = get(types.get(i));
            if ("none".equals(type)) {
                states.add(KeyState.NONE);
                continue;
            }
            String digest = null;
            if (values.get(i) != null) {
                Object value = get(values.get(i));
                if (value == null) {
                    // Deleted between the reads.
                    states.add(KeyState.NONE);
                    continue;
                }
                digest = digestOf(value, dumped[i]);
            }
            long size = sizes.get(i) == null ? 0 : orZero(get(sizes.get(i)));
            states.add(new KeyState(type, absoluteExpiry(get(expiries.get(i)), now), digest, size));
        }
        return states;
    }

    /** True when the script digests a key of this type and size by its content, not its DUMP. */
    private boolean byContent(String type, long size) {
        return switch (type) {
            case "string" -> true;
            case "list", "set", "hash" -> size <= smallElements;
            default -> false;
        };
    }

    private static RedisFuture<?> content(RedisClusterAsyncCommands<byte[], byte[]> redis, String type, byte[] key) {
        return switch (type) {
            case "string" -> redis.get(key);
            case "list" -> redis.lrange(key, 0, -1);
            case "set" -> redis.smembers(key);
            default -> redis.hgetall(key);
        };
    }

    /** The script's digest of a value read by {@link #content} (a DUMP payload when {@code dumped}). */
    @SuppressWarnings("unchecked")
    static String digestOf(Object value, boolean dumped) {
        if (dumped) {
            return "dump:" + sha1((byte[]) value, DUMP_TRAILER);
        }
        if (value instanceof byte[] bytes) {
            return sha1(bytes, 0);
        }
        List<byte[]> parts;
        if (value instanceof List<?> list) {
            parts = (List<byte[]>) list;
        } else if (value instanceof java.util.Set<?> set) {
            parts = new ArrayList<>((java.util.Set<byte[]>) set);
            parts.sort(Arrays::compareUnsigned);
        } else {
            parts = new ArrayList<>();
            for (Map.Entry<byte[], byte[]> field : ((Map<byte[], byte[]>) value).entrySet()) {
                parts.add(concat(
                        (field.getKey().length + ":").getBytes(StandardCharsets.US_ASCII),
                        field.getKey(),
                        new byte[] {'='},
                        field.getValue()));
            }
            parts.sort(Arrays::compareUnsigned);
        }
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                joined.write(',');
            }
            joined.writeBytes((parts.get(i).length + ":").getBytes(StandardCharsets.US_ASCII));
            joined.writeBytes(parts.get(i));
        }
        return sha1(joined.toByteArray(), 0);
    }

    private static byte[] concat(byte[]... pieces) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] piece : pieces) {
            out.writeBytes(piece);
        }
        return out.toByteArray();
    }

    private static RedisFuture<Long> sizeOf(RedisClusterAsyncCommands<byte[], byte[]> redis, String type, byte[] key) {
        return switch (type) {
            case "string" -> redis.strlen(key);
            case "list" -> redis.llen(key);
            case "set" -> redis.scard(key);
            case "zset" -> redis.zcard(key);
            case "hash" -> redis.hlen(key);
            case "stream" -> redis.xlen(key);
            default -> null;
        };
    }

    private <T> T get(RedisFuture<T> future) throws InterruptedException {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new io.lettuce.core.RedisCommandTimeoutException(
                    "the " + side + " did not answer in " + timeoutMs + " ms");
        }
    }

    /** The expiry as absolute ms: PEXPIRETIME already is; a PTTL read at {@code now} is made so. */
    private long absoluteExpiry(long expiry, long now) {
        if (expiry < 0 || absolute) {
            return expiry;
        }
        return now + expiry;
    }

    /** SHA-1 in lower-case hex, as Lua's redis.sha1hex, of {@code bytes} without its last {@code trailer}. */
    static String sha1(byte[] bytes, int trailer) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-1");
            sha.update(bytes, 0, Math.max(0, bytes.length - trailer));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    static boolean refused(String error) {
        String lower = error == null ? "" : error.toLowerCase(Locale.ROOT);
        return lower.startsWith("noperm")
                || lower.contains("unknown command")
                || lower.contains("crossslot")
                || lower.contains("not allowed from script")
                || lower.contains("no scripts")
                || lower.contains("noscript");
    }

    private static byte[] arg(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
