package io.ferry.control.compat;

import io.ferry.endpoint.ServerFacts;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the compatibility checks and the configuration replication need to know of one server, read once: the
 * {@link ServerFacts} (version, keys per database, cluster masters), every field of the default INFO sections,
 * the whole CONFIG (empty when CONFIG is refused, as on most managed services), the loaded modules (empty when
 * MODULE LIST is refused or unknown) and the user the connection is authenticated as.
 *
 * @param configReadable false when CONFIG GET was refused or renamed: {@code config} is then empty
 * @param modules module name to version; empty when none or when {@code modulesReadable} is false
 * @param user the ACL user of the connection ({@code default} before Redis 6 or when ACL WHOAMI is refused)
 */
public record ServerSurvey(
        ServerFacts facts,
        Map<String, String> info,
        boolean configReadable,
        Map<String, String> config,
        boolean modulesReadable,
        Map<String, String> modules,
        String user) {
    public ServerSurvey {
        info = Map.copyOf(info);
        config = Map.copyOf(config);
        modules = Map.copyOf(modules);
    }

    /** Asks the server behind {@code connection}; only INFO is required, the rest may be refused. */
    public static ServerSurvey of(StatefulRedisConnection<byte[], byte[]> connection) {
        RedisCommands<byte[], byte[]> redis = connection.sync();
        ServerFacts facts = ServerFacts.of(connection);
        Map<String, String> info = parseInfo(redis.info());
        Map<String, String> config = new TreeMap<>();
        boolean configReadable;
        try {
            config.putAll(redis.configGet("*"));
            configReadable = true;
        } catch (RedisCommandExecutionException e) {
            configReadable = false;
        }
        Map<String, String> modules = new TreeMap<>();
        boolean modulesReadable;
        try {
            for (Object module : ServerCalls.array(connection, "MODULE", "LIST")) {
                // [name, <name>, ver, <version>, ...] (a map in RESP3, a flat list in RESP2)
                List<?> fields = (List<?>) module;
                Map<String, String> byName = new HashMap<>();
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    byName.put(ServerCalls.text(fields.get(i)), ServerCalls.text(fields.get(i + 1)));
                }
                modules.put(byName.getOrDefault("name", "?"), byName.getOrDefault("ver", "?"));
            }
            modulesReadable = true;
        } catch (RedisCommandExecutionException e) {
            modulesReadable = false;
        }
        String user = "default";
        if (facts.atLeast(6, 0)) {
            try {
                user = ServerCalls.status(connection, "ACL", "WHOAMI");
            } catch (RedisCommandExecutionException e) {
                // NOPERM: the user may not even ask who it is; the checks say they could not tell
            }
        }
        return new ServerSurvey(facts, info, configReadable, config, modulesReadable, modules, user);
    }

    public String version() {
        return facts.version();
    }

    /** A field of INFO, e.g. {@code used_memory}. */
    public Optional<String> info(String field) {
        return Optional.ofNullable(info.get(field));
    }

    /** A number of INFO, or {@code fallback} when absent or not a number. */
    public long infoLong(String field, long fallback) {
        try {
            return info(field).map(Long::parseLong).orElse(fallback);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** A CONFIG parameter, when CONFIG could be read and the server knows it. */
    public Optional<String> config(String name) {
        return Optional.ofNullable(config.get(name));
    }

    /** The memory limit: CONFIG maxmemory, else INFO's maxmemory; 0 means none. */
    public long maxmemory() {
        try {
            return config("maxmemory").map(Long::parseLong).orElseGet(() -> infoLong("maxmemory", 0));
        } catch (NumberFormatException e) {
            return infoLong("maxmemory", 0);
        }
    }

    /** The eviction policy: CONFIG maxmemory-policy, else INFO's; empty when neither says. */
    public Optional<String> maxmemoryPolicy() {
        return config("maxmemory-policy").or(() -> info("maxmemory_policy"));
    }

    static Map<String, String> parseInfo(String reply) {
        Map<String, String> fields = new TreeMap<>();
        for (String line : reply.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }
}
