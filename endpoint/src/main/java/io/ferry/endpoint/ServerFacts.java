package io.ferry.endpoint;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ByteArrayOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Redis server says about itself, as the copy needs it: its version (whether it has
 * PEXPIRETIME and RESTORE ... ABSTTL), the largest bulk it accepts, and which databases hold keys.
 * Managed services often refuse CONFIG: the bulk limit then falls back to Redis's default.
 *
 * @param version {@code redis_version} from INFO, e.g. {@code "7.0.15"}
 * @param protoMaxBulkLen the largest bulk string the server accepts, in bytes
 * @param keysPerDb keys per database from INFO keyspace, only databases holding keys (of this node only,
 *     in a cluster)
 * @param clusterMasters for a node of a Redis Cluster, the {@code host:port} of every master serving
 *     slots (from CLUSTER NODES); empty for a server outside a cluster
 */
public record ServerFacts(
        String version, long protoMaxBulkLen, Map<Integer, Long> keysPerDb, List<String> clusterMasters) {
    /** Redis's default proto-max-bulk-len, 512 MB. */
    public static final long DEFAULT_PROTO_MAX_BULK_LEN = 512L * 1024 * 1024;

    public ServerFacts {
        keysPerDb = Map.copyOf(keysPerDb);
        clusterMasters = List.copyOf(clusterMasters);
    }

    /** Asks the server behind {@code connection}. */
    public static ServerFacts of(StatefulRedisConnection<byte[], byte[]> connection) {
        RedisCommands<byte[], byte[]> redis = connection.sync();
        Map<String, String> server = parse(redis.info("server"));
        String version = server.getOrDefault("redis_version", "0.0.0");
        long bulk = DEFAULT_PROTO_MAX_BULK_LEN;
        try {
            Map<String, String> config = redis.configGet("proto-max-bulk-len");
            for (String value : config.values()) {
                bulk = Long.parseLong(value);
            }
        } catch (RedisCommandExecutionException | NumberFormatException e) {
            // CONFIG is disabled or renamed on most managed services: assume the default.
        }
        Map<Integer, Long> keys = new TreeMap<>();
        for (Map.Entry<String, String> db : parse(redis.info("keyspace")).entrySet()) {
            // db0:keys=12,expires=0,avg_ttl=0
            if (db.getKey().startsWith("db")) {
                String value = db.getValue();
                int start = value.indexOf("keys=");
                int end = value.indexOf(',', start);
                if (start >= 0) {
                    keys.put(
                            Integer.parseInt(db.getKey().substring(2)),
                            Long.parseLong(value.substring(start + 5, end < 0 ? value.length() : end)));
                }
            }
        }
        List<String> masters = List.of();
        if ("1".equals(parse(redis.info("cluster")).get("cluster_enabled"))) {
            masters = masters(new String(
                    redis.dispatch(
                            CommandType.CLUSTER,
                            new ByteArrayOutput<>(ByteArrayCodec.INSTANCE),
                            new CommandArgs<>(ByteArrayCodec.INSTANCE).add("NODES")),
                    StandardCharsets.UTF_8));
        }
        return new ServerFacts(version, bulk, keys, masters);
    }

    /** True for a node of a Redis Cluster. */
    public boolean cluster() {
        return !clusterMasters.isEmpty();
    }

    /**
     * The masters that serve slots, from a CLUSTER NODES reply: {@code <id> <ip:port@cport[,hostname]>
     * <flags> <master> <ping> <pong> <epoch> <link> <slot> ...}; nodes flagged fail or noaddr are left out.
     */
    static List<String> masters(String clusterNodes) {
        List<String> masters = new ArrayList<>();
        for (String line : clusterNodes.split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9) {
                continue;
            }
            List<String> flags = List.of(fields[2].split(","));
            if (!flags.contains("master") || flags.contains("fail") || flags.contains("noaddr")) {
                continue;
            }
            String address = fields[1];
            int at = address.indexOf('@');
            masters.add(at < 0 ? address : address.substring(0, at));
        }
        return masters;
    }

    /** True from Redis 7.0, which has PEXPIRETIME (an absolute expiry, unaffected by copy delay). */
    public boolean hasExpireTime() {
        return atLeast(7, 0);
    }

    /** True from Redis 5.0, whose RESTORE takes ABSTTL and whose DUMP carries streams. */
    public boolean hasAbsoluteRestore() {
        return atLeast(5, 0);
    }

    /** Total keys over all databases. */
    public long keys() {
        return keysPerDb.values().stream().mapToLong(Long::longValue).sum();
    }

    /** True when the version is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        int[] parts = versionParts();
        return parts[0] > major || (parts[0] == major && parts[1] >= minor);
    }

    private int[] versionParts() {
        String[] split = version.split("\\.");
        int[] parts = new int[2];
        for (int i = 0; i < 2 && i < split.length; i++) {
            try {
                parts[i] = Integer.parseInt(split[i]);
            } catch (NumberFormatException e) {
                parts[i] = 0;
            }
        }
        return parts;
    }

    private static Map<String, String> parse(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : List.of(info.split("\r?\n"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }
}
