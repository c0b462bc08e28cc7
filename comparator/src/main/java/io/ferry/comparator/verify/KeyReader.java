package io.ferry.comparator.verify;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the {@link KeyState} of a window of keys on one side: one Lua call that returns, per key, its
 * type, expiry, size and the SHA-1 of its DUMP payload (so the values never cross the network), or,
 * when the server refuses scripts (no EVAL, an ACL without {@code @scripting}), the same commands
 * pipelined with the digest made here. A key above the big-key size is not DUMPed: its digest is null
 * and it is compared in chunks. One call DUMPs about {@value #MAX_BYTES_PER_CALL} bytes at most, so a
 * script never holds the server long; the keys after that are read by the next call. One reader per
 * connection; not thread-safe.
 */
final class KeyReader {
    private static final Logger log = LoggerFactory.getLogger(KeyReader.class);
    static final long MAX_BYTES_PER_CALL = 1L << 20;
    /** A DUMP payload ends with the RDB version (2 bytes) and a CRC64 (8): left out of the digest. */
    static final int DUMP_TRAILER = 10;

    /**
     * KEYS: the window. ARGV: big-key bytes, 1 when the server has PEXPIRETIME, bytes per call. Returns
     * (type, expiry, digest or nil, size) per key read; stops after the key that reaches the bytes.
     */
    static final String SCRIPT = """
            local big, absolute, budget = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3])
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
                local digest = false
                local used = redis.call('MEMORY', 'USAGE', key) or 0
                if used <= big then
                  local payload = redis.call('DUMP', key)
                  if payload then
                    digest = redis.sha1hex(string.sub(payload, 1, -11))
                    total = total + #payload
                  end
                end
                out[#out + 1] = t; out[#out + 1] = expiry; out[#out + 1] = digest; out[#out + 1] = size
              end
              if total >= budget then break end
            end
            return out
            """;

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final long bigKeyBytes;
    private final boolean absolute;
    private final long timeoutMs;
    private final String side;
    private boolean scripts = true;

    KeyReader(String side, StatefulRedisConnection<byte[], byte[]> connection, long bigKeyBytes, boolean absolute) {
        this.side = side;
        this.connection = connection;
        this.bigKeyBytes = bigKeyBytes;
        this.absolute = absolute;
        this.timeoutMs = connection.getTimeout().toMillis();
    }

    /** The state of each key, in order. */
    List<KeyState> read(List<byte[]> keys) throws InterruptedException {
        List<KeyState> states = new ArrayList<>(keys.size());
        while (states.size() < keys.size()) {
            List<byte[]> rest = keys.subList(states.size(), keys.size());
            if (scripts) {
                try {
                    states.addAll(readByScript(rest));
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
        List<Object> reply = connection
                .sync()
                .eval(
                        SCRIPT,
                        ScriptOutputType.MULTI,
                        keys.toArray(new byte[0][]),
                        arg(bigKeyBytes),
                        absolute ? arg(1) : arg(0),
                        arg(MAX_BYTES_PER_CALL));
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
            throw new IllegalStateException("the " + side + "'s script read no key of " + keys.size());
        }
        return states;
    }

    /** The same reads without a script: type, expiry, size and memory pipelined, then DUMPs in bounded groups. */
    private List<KeyState> readByPipeline(List<byte[]> keys) throws InterruptedException {
        RedisAsyncCommands<byte[], byte[]> redis = connection.async();
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
        // DUMPs go out pipelined, as many as about MAX_BYTES_PER_CALL of values (by MEMORY USAGE).
        List<RedisFuture<byte[]>> dumps = new ArrayList<>(keys.size());
        int read = 0;
        long bytes = 0;
        while (read < keys.size() && bytes < MAX_BYTES_PER_CALL) {
            Long memory = "none".equals(get(types.get(read))) ? null : get(used.get(read));
            boolean dump = memory != null && memory <= bigKeyBytes;
            dumps.add(dump ? redis.dump(keys.get(read)) : null);
            bytes += dump ? memory : 0;
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
            if (dumps.get(i) != null) {
                byte[] payload = get(dumps.get(i));
                if (payload == null) {
                    states.add(KeyState.NONE);
                    continue;
                }
                digest = digest(payload);
            }
            Long size = sizes.get(i) == null ? Long.valueOf(0) : get(sizes.get(i));
            states.add(new KeyState(type, absoluteExpiry(get(expiries.get(i)), now), digest, size == null ? 0 : size));
        }
        return states;
    }

    private static RedisFuture<Long> sizeOf(RedisAsyncCommands<byte[], byte[]> redis, String type, byte[] key) {
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

    static String digest(byte[] payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-1");
            sha.update(payload, 0, Math.max(0, payload.length - DUMP_TRAILER));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
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
