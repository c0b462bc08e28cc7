package io.ferry.control.config;

import java.util.List;
import java.util.Optional;

/**
 * A CONFIG parameter worth carrying from source to target, with the older name some versions know it by and why
 * it matters. Settings of the machine or the deployment (bind, port, persistence files, replication, TLS) are
 * never carried: they belong to the target's own setup.
 *
 * @param name the current name (Redis 7)
 * @param alias the name before Redis 7 (the ziplist names), if any
 * @param why one line for the operator
 */
public record CarriedParameter(String name, Optional<String> alias, String why) {
    static CarriedParameter of(String name, String why) {
        return new CarriedParameter(name, Optional.empty(), why);
    }

    static CarriedParameter of(String name, String alias, String why) {
        return new CarriedParameter(name, Optional.of(alias), why);
    }

    /** The parameters Ferry proposes to carry, in the order it shows them. */
    public static final List<CarriedParameter> ALL = List.of(
            of("maxmemory-policy", "what is evicted when full: the application expects the source's behaviour"),
            of("maxmemory", "the source's memory limit; keep the target's own if it is sized differently"),
            of("maxmemory-samples", "precision of LRU/LFU eviction"),
            of("maxmemory-eviction-tenacity", "how hard eviction works per command"),
            of("lfu-log-factor", "LFU counter growth: which keys an LFU policy keeps"),
            of("lfu-decay-time", "LFU counter decay: which keys an LFU policy keeps"),
            of("notify-keyspace-events", "applications subscribed to keyspace events hear of changes only with it"),
            of("timeout", "idle client connections closed after this many seconds"),
            of("tcp-keepalive", "dead client connections detected"),
            of("hash-max-listpack-entries", "hash-max-ziplist-entries", "memory of small hashes"),
            of("hash-max-listpack-value", "hash-max-ziplist-value", "memory of small hashes"),
            of("list-max-listpack-size", "list-max-ziplist-size", "memory of lists"),
            of("list-compress-depth", "memory of long lists"),
            of("set-max-intset-entries", "memory of small integer sets"),
            of("set-max-listpack-entries", "memory of small sets (7.2)"),
            of("set-max-listpack-value", "memory of small sets (7.2)"),
            of("zset-max-listpack-entries", "zset-max-ziplist-entries", "memory of small sorted sets"),
            of("zset-max-listpack-value", "zset-max-ziplist-value", "memory of small sorted sets"),
            of("stream-node-max-bytes", "memory of streams"),
            of("stream-node-max-entries", "memory of streams"),
            of("hll-sparse-max-bytes", "memory of HyperLogLogs"),
            of("active-expire-effort", "how quickly expired keys are reclaimed"),
            of("lazyfree-lazy-eviction", "latency of evictions"),
            of("lazyfree-lazy-expire", "latency of expiries"),
            of("lazyfree-lazy-server-del", "latency of implicit deletes"),
            of("lazyfree-lazy-user-del", "DEL behaving as UNLINK"),
            of("lazyfree-lazy-user-flush", "FLUSHALL/FLUSHDB without ASYNC behaving as ASYNC"),
            of("busy-reply-threshold", "lua-time-limit", "how long a script may run before BUSY replies"),
            of("proto-max-bulk-len", "the largest value a client may send"),
            of("client-query-buffer-limit", "the largest command a client may send"),
            of("slowlog-log-slower-than", "what the slow log records"),
            of("slowlog-max-len", "how much the slow log keeps"),
            of("latency-monitor-threshold", "what the latency monitor records"));
}
