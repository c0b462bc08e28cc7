package io.ferry.workload;

import io.ferry.settings.RedisUri;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes and reads every data type through several connections at a steady rate, and records every write with its
 * outcome in the history file. Each connection is a thread that owns its keys ({@code prefix:connection:type:n}) and
 * sends one command at a time, so the history decides what each key must finally hold ({@link ExpectedState}).
 *
 * <p>Writes: SET (a third with EX), APPEND, INCR, EXPIRE, HSET, HINCRBY, RPUSH, LPOP, SADD, SREM, ZADD, ZINCRBY, XADD
 * (MAXLEN = 50) and DEL; reads: GET (compared with what the connection wrote: a different answer is a <em>stale
 * read</em>), HGETALL, LRANGE, SMEMBERS, ZRANGE and XLEN. A key whose write got no acknowledgement is deleted first
 * the next time it is chosen, so the history can decide it again. A lost connection is counted and the client
 * reconnects by itself; while it is down the writes fail at once (and are recorded so). Runs until the duration is
 * over or {@link #stop} is called. TTLs are 10 to 30 minutes: nothing expires during a run of a few minutes, which
 * keeps the expected state exact.
 */
public final class Workload {
    private static final Logger log = LoggerFactory.getLogger(Workload.class);
    private static final int STREAM_MAX_LENGTH = 50;
    private static final int LIST_SOFT_MAX = 40;

    private final WorkloadOptions options;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong readFailures = new AtomicLong();
    private final AtomicLong staleReads = new AtomicLong();
    /** Commands without a reply in a row after which a connection moves to the next target. */
    private static final int FAILOVER_AFTER = 3;

    private final AtomicLong connectionFailures = new AtomicLong();

    public Workload(WorkloadOptions options) {
        this.options = options;
    }

    /** What a run did. */
    public record Summary(
            long acknowledged,
            long failed,
            long reads,
            long readFailures,
            long staleReads,
            long connectionFailures,
            double seconds) {
        public double opsPerSecond() {
            return seconds <= 0 ? 0 : (acknowledged + failed + reads + readFailures) / seconds;
        }

        /** A few lines for a person. */
        public String describe() {
            return String.format(
                    "writes acknowledged %,d, failed or unanswered %,d; reads %,d (failed %,d, stale %,d); "
                            + "connection failures %,d; %.1f s, %,.0f ops/s%n",
                    acknowledged, failed, reads, readFailures, staleReads, connectionFailures, seconds, opsPerSecond());
        }
    }

    /** Asks the run to end; it finishes the commands in flight, then writes and closes the history. */
    public void stop() {
        stopped.set(true);
    }

    /** Figures so far. */
    public Summary progress(double seconds) {
        return new Summary(
                acknowledged.get(),
                failed.get(),
                reads.get(),
                readFailures.get(),
                staleReads.get(),
                connectionFailures.get(),
                seconds);
    }

    /** Runs until the duration is over or {@link #stop} is called, then returns the figures. */
    public Summary run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        long deadline = started + options.duration().toNanos();
        RedisClient client = RedisConnections.client(options.timeout());
        // A Redis Cluster (or a Ferry listener in front of one) is used as a cluster-mode application does: one
        // cluster client, which finds every node from the one given and sends each key to its node.
        RedisClusterClient cluster =
                clusterMode(client) ? RedisConnections.clusterClient(options.targets(), options.timeout()) : null;
        try (HistoryWriter history = new HistoryWriter(
                options.history(),
                8192,
                "prefix=" + options.prefix() + " connections=" + options.connections() + " keys=" + options.keys())) {
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < options.connections(); c++) {
                Connection connection = new Connection(c, client, cluster, history, deadline);
                Thread thread = new Thread(connection, "ferry-workload-" + c);
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
        } finally {
            if (cluster != null) {
                cluster.shutdown();
            }
            client.shutdown();
        }
        return progress((System.nanoTime() - started) / 1e9);
    }

    /** True when the first target says it is a Redis Cluster node ({@code INFO cluster}); false if unreachable. */
    private boolean clusterMode(RedisClient client) {
        RedisUri uri = options.targets().get(0);
        try (StatefulRedisConnection<String, String> probe =
                client.connect(RedisConnections.CODEC, RedisConnections.lettuce(uri, options.timeout()))) {
            boolean cluster = probe.sync().info("cluster").contains("cluster_enabled:1");
            if (cluster) {
                log.info("{} is a Redis Cluster: the workload runs in cluster mode", uri);
            }
            return cluster;
        } catch (RedisException e) {
            return false;
        }
    }

    /** One connection: its keys, its model of them, its pace. */
    private final class Connection implements Runnable {
        private final int id;
        private final RedisClient client;
        /** In cluster mode, else null. */
        private final RedisClusterClient cluster;

        private final HistoryWriter history;
        private final long deadline;
        private final Random random;
        private final ExpectedState model = new ExpectedState(0);
        private final int keys;
        private StatefulConnection<String, String> connection;
        private RedisClusterCommands<String, String> commands;
        /** Which of the targets this connection uses, and commands that failed in a row there. */
        private int target;

        private int failuresInARow;
        private long seq;

        Connection(int id, RedisClient client, RedisClusterClient cluster, HistoryWriter history, long deadline) {
            this.id = id;
            this.client = client;
            this.cluster = cluster;
            this.history = history;
            this.deadline = deadline;
            this.random = new Random(31L * id + System.nanoTime());
            this.keys = options.keys() / options.connections();
            this.target = id % options.targets().size();
        }

        @Override
        public void run() {
            long interval = (long) (1e9 * options.connections() / options.rate());
            long next = System.nanoTime();
            try {
                while (!stopped.get() && System.nanoTime() < deadline) {
                    long now = System.nanoTime();
                    if (next > now) {
                        LockSupport.parkNanos(next - now);
                        continue;
                    }
                    // After a stall (a lost connection) go on at the set pace, not in a burst.
                    next = Math.max(next + interval, now - 1_000_000_000L);
                    RedisClusterCommands<String, String> redis = connect();
                    if (redis != null) {
                        step(redis);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (connection != null) {
                    connection.close();
                }
            }
        }

        /** A command got no reply: after a few in a row, the node seems gone; go to the next, as clients do. */
        private void noReply() {
            if (++failuresInARow >= FAILOVER_AFTER && options.targets().size() > 1 && connection != null) {
                connection.close();
                connection = null;
                nextTarget();
            }
        }

        private void nextTarget() {
            failuresInARow = 0;
            if (options.targets().size() > 1) {
                target = (target + 1) % options.targets().size();
                log.info("connection {} moves to {}", id, options.targets().get(target));
            }
        }

        private RedisClusterCommands<String, String> connect() {
            if (connection != null) {
                return commands;
            }
            RedisUri uri = options.targets().get(target);
            try {
                if (cluster != null) {
                    StatefulRedisClusterConnection<String, String> nodes = cluster.connect(RedisConnections.CODEC);
                    connection = nodes;
                    commands = nodes.sync();
                } else {
                    StatefulRedisConnection<String, String> single =
                            client.connect(RedisConnections.CODEC, RedisConnections.lettuce(uri, options.timeout()));
                    connection = single;
                    commands = single.sync();
                }
                return commands;
            } catch (RedisException e) {
                long failures = connectionFailures.incrementAndGet();
                if (failures <= 5 || failures % 100 == 0) {
                    log.warn("connection {} to {}: {} ({} failures)", id, uri, e.getMessage(), failures);
                }
                nextTarget();
                LockSupport.parkNanos(200_000_000L); // not faster than five attempts a second
                return null;
            }
        }

        private void step(RedisClusterCommands<String, String> redis) throws InterruptedException {
            int n = random.nextInt(keys);
            KeyFamily family = KeyFamily.of(n);
            String key = options.prefix() + ":" + id + ":" + family.tag + ":" + n;
            ExpectedState.KeyModel known = model.key(key);
            if (known != null && !known.determined()) {
                write(redis, List.of("DEL", key));
            } else if (random.nextDouble() < options.readShare()) {
                read(redis, family, key);
            } else {
                write(redis, command(family, key, known));
            }
        }

        private List<String> command(KeyFamily family, String key, ExpectedState.KeyModel known) {
            int dice = random.nextInt(100);
            if (dice < 3) {
                return List.of("DEL", key);
            }
            if (dice < 6 && family != KeyFamily.STREAM) {
                return List.of("EXPIRE", key, Integer.toString(ttl()));
            }
            return switch (family) {
                case TEXT ->
                    dice < 70
                            ? dice < 30
                                    ? List.of("SET", key, text(), "EX", Integer.toString(ttl()))
                                    : List.of("SET", key, text())
                            : List.of("APPEND", key, "+" + random.nextInt(1000));
                case COUNTER ->
                    dice < 10 ? List.of("SET", key, Integer.toString(random.nextInt(100))) : List.of("INCR", key);
                case HASH ->
                    dice < 55
                            ? List.of("HSET", key, "f" + random.nextInt(10), text())
                            : List.of("HINCRBY", key, "c" + random.nextInt(3), Integer.toString(1 + random.nextInt(9)));
                case LIST ->
                    dice < 55 && size(known) < LIST_SOFT_MAX ? List.of("RPUSH", key, text()) : List.of("LPOP", key);
                case SET ->
                    dice < 60
                            ? List.of("SADD", key, "m" + random.nextInt(30))
                            : List.of("SREM", key, "m" + random.nextInt(30));
                case ZSET ->
                    dice < 40
                            ? List.of("ZADD", key, Integer.toString(random.nextInt(1000)), "p" + random.nextInt(20))
                            : List.of(
                                    "ZINCRBY", key, Integer.toString(1 + random.nextInt(5)), "p" + random.nextInt(20));
                case STREAM ->
                    List.of("XADD", key, "MAXLEN", "=", Integer.toString(STREAM_MAX_LENGTH), "*", "n", text());
            };
        }

        private int size(ExpectedState.KeyModel known) {
            return known == null || !(known.value() instanceof List<?> list) ? 0 : list.size();
        }

        private int ttl() {
            return 600 + random.nextInt(1200);
        }

        private String text() {
            return "v" + id + "-" + seq + "-" + Integer.toHexString(random.nextInt());
        }

        /** Sends one write, records it with its outcome, and applies it to this connection's model. */
        private void write(RedisClusterCommands<String, String> redis, List<String> command)
                throws InterruptedException {
            long sent = System.currentTimeMillis();
            HistoryRecord.Outcome outcome;
            String reply;
            try {
                reply = send(redis, command);
                outcome = HistoryRecord.Outcome.ACK;
            } catch (RedisCommandExecutionException e) {
                reply = "-" + e.getMessage();
                outcome = HistoryRecord.Outcome.ERROR;
            } catch (RedisException e) {
                reply = "-" + e.getClass().getSimpleName() + ": " + e.getMessage();
                outcome = HistoryRecord.Outcome.NO_REPLY;
            }
            if (outcome == HistoryRecord.Outcome.NO_REPLY) {
                noReply();
            } else {
                failuresInARow = 0;
            }
            HistoryRecord record =
                    new HistoryRecord(id, seq++, sent, System.currentTimeMillis(), outcome, reply, command);
            if (outcome == HistoryRecord.Outcome.ACK) {
                acknowledged.incrementAndGet();
            } else if (failed.incrementAndGet() <= 5) {
                log.warn("connection {}: {} {} got no acknowledgement: {}", id, command.get(0), command.get(1), reply);
            }
            model.apply(record);
            history.append(record);
        }

        /** The command sent, its reply as the history writes it. */
        private String send(RedisClusterCommands<String, String> redis, List<String> c) {
            String key = c.get(1);
            return switch (c.get(0)) {
                case "SET" ->
                    "+"
                            + (c.size() == 5
                                    ? redis.set(key, c.get(2), SetArgs.Builder.ex(Long.parseLong(c.get(4))))
                                    : redis.set(key, c.get(2)));
                case "APPEND" -> ":" + redis.append(key, c.get(2));
                case "INCR" -> ":" + redis.incr(key);
                case "EXPIRE" -> ":" + (redis.expire(key, Long.parseLong(c.get(2))) ? 1 : 0);
                case "DEL" -> ":" + redis.del(key);
                case "HSET" -> ":" + (redis.hset(key, c.get(2), c.get(3)) ? 1 : 0);
                case "HINCRBY" -> ":" + redis.hincrby(key, c.get(2), Long.parseLong(c.get(3)));
                case "RPUSH" -> ":" + redis.rpush(key, c.get(2));
                case "LPOP" -> bulk(redis.lpop(key));
                case "SADD" -> ":" + redis.sadd(key, c.get(2));
                case "SREM" -> ":" + redis.srem(key, c.get(2));
                case "ZADD" -> ":" + redis.zadd(key, Double.parseDouble(c.get(2)), c.get(3));
                case "ZINCRBY" -> "$" + score(redis.zincrby(key, Double.parseDouble(c.get(2)), c.get(3)));
                case "XADD" ->
                    "$"
                            + redis.xadd(
                                    key,
                                    XAddArgs.Builder.maxlen(Long.parseLong(c.get(4)))
                                            .exactTrimming(),
                                    Map.of(c.get(6), c.get(7)));
                default -> throw new IllegalArgumentException("the workload does not send " + c.get(0));
            };
        }

        private void read(RedisClusterCommands<String, String> redis, KeyFamily family, String key) {
            try {
                switch (family) {
                    case TEXT, COUNTER -> {
                        String value = redis.get(key);
                        ExpectedState.KeyModel known = model.key(key);
                        if (known != null
                                && known.determined()
                                && known.expireMax() < 0
                                && !java.util.Objects.equals(value, known.value())) {
                            long stale = staleReads.incrementAndGet();
                            if (stale <= 5) {
                                log.warn("stale read on connection {}: GET {} did not return the last write", id, key);
                            }
                        }
                    }
                    case HASH -> redis.hgetall(key);
                    case LIST -> redis.lrange(key, 0, -1);
                    case SET -> redis.smembers(key);
                    case ZSET -> redis.zrangeWithScores(key, 0, -1);
                    case STREAM -> redis.xlen(key);
                }
                reads.incrementAndGet();
                failuresInARow = 0;
            } catch (RedisCommandExecutionException e) {
                readFailures.incrementAndGet();
            } catch (RedisException e) {
                readFailures.incrementAndGet();
                noReply();
            }
        }
    }

    private static String bulk(String value) {
        return value == null ? "_" : "$" + value;
    }

    /** A score as the model computes it: integral scores without a fraction. */
    private static String score(Double score) {
        return score == Math.rint(score) ? Long.toString(score.longValue()) : Double.toString(score);
    }
}
