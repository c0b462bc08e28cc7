package io.ferry.app;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Compares two servers' keyspaces the way a user checking a migration would. */
final class Keyspaces {
    private Keyspaces() {}

    /**
     * Every key whose type, value or expiry (within 1 s) differs, and every key only one side has. DUMP
     * payloads are compared first, pipelined; keys whose payloads differ are compared by value (the
     * same value can be encoded differently after different commands).
     */
    static List<String> differences(
            StatefulRedisConnection<String, String> source, StatefulRedisConnection<String, String> target)
            throws Exception {
        RedisCommands<String, String> src = source.sync();
        RedisCommands<String, String> dst = target.sync();
        List<String> differences = new ArrayList<>();
        ScanIterator<String> keys = ScanIterator.scan(src, ScanArgs.Builder.limit(1000));
        long sourceKeys = 0;
        while (keys.hasNext() && differences.size() < 20) {
            List<String> batch = new ArrayList<>();
            while (keys.hasNext() && batch.size() < 1000) {
                batch.add(keys.next());
            }
            sourceKeys += batch.size();
            List<RedisFuture<byte[]>> sourceDumps = new ArrayList<>();
            List<RedisFuture<byte[]>> targetDumps = new ArrayList<>();
            List<RedisFuture<Long>> sourceExpiry = new ArrayList<>();
            List<RedisFuture<Long>> targetExpiry = new ArrayList<>();
            for (String key : batch) {
                sourceDumps.add(source.async().dump(key));
                targetDumps.add(target.async().dump(key));
                sourceExpiry.add(source.async().pexpiretime(key));
                targetExpiry.add(target.async().pexpiretime(key));
            }
            for (int i = 0; i < batch.size(); i++) {
                String key = batch.get(i);
                if (!Arrays.equals(sourceDumps.get(i).get(), targetDumps.get(i).get())) {
                    String type = src.type(key);
                    Object expected = value(src, key, type);
                    Object actual = type.equals(dst.type(key)) ? value(dst, key, type) : "type " + dst.type(key);
                    if (!expected.equals(actual)) {
                        differences.add(key + ": source " + expected + ", target " + actual);
                    }
                }
                long expiry = sourceExpiry.get(i).get();
                long copied = targetExpiry.get(i).get();
                if ((expiry < 0 || copied < 0) ? expiry != copied : Math.abs(expiry - copied) > 1000) {
                    differences.add(key + ": expiry " + expiry + " on the source, " + copied + " on the target");
                }
            }
        }
        if (differences.isEmpty() && dst.dbsize() != sourceKeys) {
            differences.add("the target holds " + dst.dbsize() + " keys, the source " + sourceKeys);
        }
        return differences;
    }

    private static Object value(RedisCommands<String, String> redis, String key, String type) {
        return switch (type) {
            case "string" -> redis.get(key);
            case "hash" -> redis.hgetall(key);
            case "list" -> redis.lrange(key, 0, -1);
            case "set" -> redis.smembers(key);
            case "zset" -> redis.zrangeWithScores(key, 0, -1).toString();
            case "none" -> "missing";
            default -> throw new AssertionError("unexpected type " + type + " of " + key);
        };
    }
}
