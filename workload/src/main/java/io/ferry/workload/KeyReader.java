package io.ferry.workload;

import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads keys whole, with their type's plain commands (TYPE, then GET, HGETALL, LRANGE, SMEMBERS, ZRANGE WITHSCORES or
 * XRANGE, and PTTL), pipelined a batch at a time, into {@link KeyValue}s. Strings are read as ISO-8859-1, one char per
 * byte, so binary values compare exactly. A key that vanishes between TYPE and its read is absent. One reader per
 * connection (a single server's, or a cluster connection that sends each key to its slot's master); not thread-safe.
 */
final class KeyReader {
    private final RedisClusterAsyncCommands<String, String> redis;
    private final long timeoutMillis;

    KeyReader(RedisClusterAsyncCommands<String, String> redis, long timeoutMillis) {
        this.redis = redis;
        this.timeoutMillis = timeoutMillis;
    }

    /** The keys' states, in the order given. */
    Map<String, KeyValue> read(List<String> keys) throws InterruptedException {
        List<RedisFuture<String>> types = new ArrayList<>(keys.size());
        for (String key : keys) {
            types.add(redis.type(key));
        }
        List<RedisFuture<?>> values = new ArrayList<>(keys.size());
        List<RedisFuture<Long>> ttls = new ArrayList<>(keys.size());
        List<String> typeNames = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            String type = get(types.get(i));
            typeNames.add(type);
            values.add(
                    switch (type) {
                        case "string" -> redis.get(key);
                        case "hash" -> redis.hgetall(key);
                        case "list" -> redis.lrange(key, 0, -1);
                        case "set" -> redis.smembers(key);
                        case "zset" -> redis.zrangeWithScores(key, 0, -1);
                        case "stream" -> redis.xrange(key, Range.create("-", "+"));
                        default -> null;
                    });
            ttls.add(type.equals("none") ? null : redis.pttl(key));
        }
        long now = System.currentTimeMillis();
        Map<String, KeyValue> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            String type = typeNames.get(i);
            if (values.get(i) == null) {
                out.put(keys.get(i), type.equals("none") ? KeyValue.NONE : new KeyValue(type, null, -1));
                continue;
            }
            Object value = normalise(type, get(values.get(i)));
            long ttl = get(ttls.get(i));
            if (value == null || ttl == -2) {
                out.put(keys.get(i), KeyValue.NONE);
            } else {
                out.put(keys.get(i), new KeyValue(type, value, ttl < 0 ? -1 : now + ttl));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object normalise(String type, Object raw) {
        switch (type) {
            case "string":
                return raw;
            case "hash": {
                Map<String, String> hash = (Map<String, String>) raw;
                return hash.isEmpty() ? null : new TreeMap<>(hash);
            }
            case "list": {
                List<String> list = (List<String>) raw;
                return list.isEmpty() ? null : list;
            }
            case "set": {
                java.util.Set<String> set = (java.util.Set<String>) raw;
                return set.isEmpty() ? null : new TreeSet<>(set);
            }
            case "zset": {
                List<ScoredValue<String>> scored = (List<ScoredValue<String>>) raw;
                Map<String, Double> zset = new TreeMap<>();
                scored.forEach(s -> zset.put(s.getValue(), s.getScore()));
                return zset.isEmpty() ? null : zset;
            }
            case "stream": {
                List<StreamMessage<String, String>> messages = (List<StreamMessage<String, String>>) raw;
                List<List<String>> stream = new ArrayList<>(messages.size());
                for (StreamMessage<String, String> message : messages) {
                    List<String> entry = new ArrayList<>();
                    entry.add(message.getId());
                    Map<String, String> body = message.getBody() == null ? new HashMap<>() : message.getBody();
                    body.forEach((field, value) -> {
                        entry.add(field);
                        entry.add(value);
                    });
                    stream.add(entry);
                }
                // An empty stream is a key (XADD with MAXLEN 0, XDEL of all): keep it.
                return stream;
            }
            default:
                return raw;
        }
    }

    private <T> T get(RedisFuture<T> future) throws InterruptedException {
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new CheckException("reading a key failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new CheckException("the server did not answer within " + timeoutMillis + " ms", e);
        }
    }
}
