package io.ferry.analyzer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the source's {@code INFO} says that sizing and strategy depend on. Parsed from the INFO text
 * (any sections; a missing field reads as 0, empty or false), so the analyzer needs no Redis client.
 * Immutable.
 *
 * @param version {@code redis_version}
 * @param usedMemory {@code used_memory}, bytes
 * @param maxMemory {@code maxmemory}, bytes; 0 for no limit
 * @param maxMemoryPolicy {@code maxmemory_policy}, e.g. {@code noeviction}, {@code allkeys-lru}
 * @param keys keys over all databases ({@code # Keyspace})
 * @param keysPerDb keys per database
 * @param connectedClients {@code connected_clients}
 * @param blockedClients {@code blocked_clients}
 * @param opsPerSecond {@code instantaneous_ops_per_sec}
 * @param pubsubChannels {@code pubsub_channels}
 * @param aof {@code aof_enabled}
 * @param rdbSaves whether RDB snapshots are taken ({@code rdb_last_save_time} after start-up, or
 *     {@code rdb_saves} above 0)
 * @param cluster {@code cluster_enabled}
 */
public record SourceServer(
        String version,
        long usedMemory,
        long maxMemory,
        String maxMemoryPolicy,
        long keys,
        Map<Integer, Long> keysPerDb,
        long connectedClients,
        long blockedClients,
        long opsPerSecond,
        long pubsubChannels,
        boolean aof,
        boolean rdbSaves,
        boolean cluster) {

    public SourceServer {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(maxMemoryPolicy, "maxMemoryPolicy");
        keysPerDb = Map.copyOf(keysPerDb);
    }

    /** The facts in an {@code INFO} reply's text. */
    public static SourceServer parse(String info) {
        Map<String, String> fields = new HashMap<>();
        Map<Integer, Long> keysPerDb = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith("#")) {
                continue;
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            fields.put(name, value);
            if (name.matches("db\\d+")) {
                // db0:keys=12,expires=0,avg_ttl=0
                for (String part : value.split(",")) {
                    if (part.startsWith("keys=")) {
                        keysPerDb.put(Integer.parseInt(name.substring(2)), number(part.substring(5)));
                    }
                }
            }
        }
        long keys = keysPerDb.values().stream().mapToLong(Long::longValue).sum();
        long uptime = number(fields.get("uptime_in_seconds"));
        long lastSave = number(fields.get("rdb_last_save_time"));
        long now = System.currentTimeMillis() / 1000;
        boolean rdb = number(fields.get("rdb_saves")) > 0 || (lastSave > 0 && lastSave > now - uptime + 1);
        return new SourceServer(
                fields.getOrDefault("redis_version", ""),
                number(fields.get("used_memory")),
                number(fields.get("maxmemory")),
                fields.getOrDefault("maxmemory_policy", ""),
                keys,
                keysPerDb,
                number(fields.get("connected_clients")),
                number(fields.get("blocked_clients")),
                number(fields.get("instantaneous_ops_per_sec")),
                number(fields.get("pubsub_channels")),
                "1".equals(fields.get("aof_enabled")),
                rdb,
                "1".equals(fields.get("cluster_enabled")));
    }

    private static long number(String text) {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True when the source evicts keys under memory pressure: it is used as a cache. */
    public boolean evicts() {
        return !maxMemoryPolicy.isEmpty() && !maxMemoryPolicy.equals("noeviction");
    }
}
