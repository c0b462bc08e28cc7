package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.ClusterTopology;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.RespMessage;
import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One side's Redis Cluster as this proxy node knows it: the topology in force, a {@link Backend} per
 * node (the side's credentials and TLS, the node's address), and the refreshes that keep the
 * topology current. A refresh reads {@code CLUSTER SHARDS} (Redis 7), or {@code CLUSTER SLOTS} from
 * a node that does not know it, from the first node that answers: the primaries first, then the
 * replicas, then the configured URI. It runs every {@link #REFRESH_INTERVAL}, and at once (at most
 * every {@link #MIN_REFRESH_GAP}) when a node redirects a command or cannot be reached.
 *
 * <p>Thread-safe: the event loops read the topology and ask for refreshes; refreshes run on an event
 * loop without blocking it.
 */
final class ClusterView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterView.class);

    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);
    static final Duration MIN_REFRESH_GAP = Duration.ofMillis(100);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final Backend seed;
    private final TlsOptions tls;
    private final Transport transport;
    private final long maxReplySize;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final List<java.util.function.Consumer<ClusterTopology>> changeListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile ClusterTopology topology;

    /** Commands sent again to the node a MOVED or ASK named. */
    final java.util.concurrent.atomic.LongAdder redirects = new java.util.concurrent.atomic.LongAdder();
    /** Commands sent again after TRYAGAIN, CLUSTERDOWN or LOADING. */
    final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();
    /** Commands split by slot (MSET, DEL, MGET, ... across slots). */
    final java.util.concurrent.atomic.LongAdder splits = new java.util.concurrent.atomic.LongAdder();
    /** Topologies read that differed from the one in force. */
    final java.util.concurrent.atomic.LongAdder changes = new java.util.concurrent.atomic.LongAdder();

    private volatile long lastRefreshNanos = System.nanoTime();
    private EventLoopGroup group;
    private ScheduledFuture<?> periodic;

    private ClusterView(
            String name,
            Backend seed,
            TlsOptions tls,
            Transport transport,
            long maxReplySize,
            ClusterTopology topology) {
        this.name = name;
        this.seed = seed;
        this.tls = tls;
        this.transport = transport;
        this.maxReplySize = maxReplySize;
        this.topology = topology;
    }

    /**
     * Reads the topology of {@code seed}'s cluster, waiting up to 5 s; null when {@code seed} is not
     * a cluster node (cluster support disabled).
     *
     * @throws IllegalStateException when the endpoint cannot be reached or its topology not read
     */
    static ClusterView discover(
            String name, Backend seed, TlsOptions tls, Transport transport, long maxReplySize, EventLoop loop) {
        try {
            ClusterTopology topology =
                    readTopology(seed, loop).get(QUERY_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (topology == null) {
                return null;
            }
            return new ClusterView(name, seed, tls, transport, maxReplySize, topology);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the " + name + " topology", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(
                    "cannot tell whether the " + name + " " + seed.uri() + " is a Redis Cluster: "
                            + ClientCommands.reason(cause),
                    cause);
        }
    }

    /** Registers this cluster's counters in {@code meters}, tagged with its side. */
    void register(io.micrometer.core.instrument.MeterRegistry meters) {
        counter(meters, "ferry.proxy.cluster.redirects", redirects, "Commands sent again where a MOVED or ASK said");
        counter(
                meters,
                "ferry.proxy.cluster.retries",
                retries,
                "Commands sent again after TRYAGAIN, CLUSTERDOWN or LOADING");
        counter(meters, "ferry.proxy.cluster.splits", splits, "Commands across slots split into one per slot");
        counter(
                meters,
                "ferry.proxy.cluster.topology.changes",
                changes,
                "Cluster topologies read that differed from the one in force");
    }

    private void counter(
            io.micrometer.core.instrument.MeterRegistry meters,
            String meter,
            java.util.concurrent.atomic.LongAdder value,
            String description) {
        io.micrometer.core.instrument.FunctionCounter.builder(
                        meter, value, java.util.concurrent.atomic.LongAdder::doubleValue)
                .tag("side", name)
                .description(description)
                .register(meters);
    }

    /** Starts the periodic refresh on {@code group}. */
    void start(EventLoopGroup group) {
        this.group = group;
        long period = REFRESH_INTERVAL.toMillis();
        periodic = group.next().scheduleAtFixedRate(() -> refresh(true), period, period, TimeUnit.MILLISECONDS);
    }

    String name() {
        return name;
    }

    /** The topology in force. */
    ClusterTopology topology() {
        return topology;
    }

    /** The connection settings of the node at {@code host:port}: the side's credentials, no database. */
    Backend backend(String host, int port) {
        return backends.computeIfAbsent(host + ":" + port, address -> {
            RedisUri uri = seed.uri();
            return new Backend(
                    new RedisUri(uri.tls(), host, port, 0, uri.username(), uri.password()),
                    tls,
                    transport,
                    maxReplySize);
        });
    }

    /** Calls {@code listener} with each new topology, on an event loop, after it is in force. */
    void onChange(java.util.function.Consumer<ClusterTopology> listener) {
        changeListeners.add(listener);
    }

    /** Reads the topology again soon, unless a refresh is running or ran less than 100 ms ago. */
    void refresh() {
        refresh(false);
    }

    private void refresh(boolean periodicRun) {
        long now = System.nanoTime();
        if (group == null || (!periodicRun && now - lastRefreshNanos < MIN_REFRESH_GAP.toNanos())) {
            return;
        }
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        lastRefreshNanos = now;
        List<Backend> candidates = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        ClusterTopology current = topology;
        for (ClusterTopology.Shard shard : current.shards()) {
            if (seen.put(shard.master().address(), true) == null) {
                candidates.add(backend(shard.master().host(), shard.master().port()));
            }
        }
        for (ClusterTopology.Shard shard : current.shards()) {
            for (ClusterNode replica : shard.replicas()) {
                if (seen.put(replica.address(), true) == null) {
                    candidates.add(backend(replica.host(), replica.port()));
                }
            }
        }
        candidates.add(seed);
        tryRefresh(candidates, 0, group.next());
    }

    private void tryRefresh(List<Backend> candidates, int index, EventLoop loop) {
        if (index >= candidates.size()) {
            refreshing.set(false);
            log.warn("cannot refresh the {} cluster topology: no node answered; keeping {}", name, topology);
            return;
        }
        Backend node = candidates.get(index);
        readTopology(node, loop).whenComplete((read, failure) -> {
            if (failure != null || read == null) {
                log.debug(
                        "{} topology refresh from {} failed: {}",
                        name,
                        node.uri(),
                        failure == null ? "not a cluster node" : ClientCommands.reason(failure));
                tryRefresh(candidates, index + 1, loop);
                return;
            }
            if (read.unservedSlots() > 0 && topology.unservedSlots() == 0 && index + 1 < candidates.size()) {
                // A node that has not heard of every shard yet (just restarted, or failing): ask another.
                tryRefresh(candidates, index + 1, loop);
                return;
            }
            ClusterTopology before = topology;
            refreshing.set(false);
            if (!read.equals(before)) {
                topology = read;
                changes.increment();
                log.info("{} cluster topology changed: {}", name, read);
                for (java.util.function.Consumer<ClusterTopology> listener : changeListeners) {
                    listener.accept(read);
                }
            }
        });
    }

    /**
     * Reads a cluster topology from {@code node}, completing on its event loop: null when the node
     * has cluster support disabled or does not know CLUSTER at all; failed when it cannot be reached or says something unexpected.
     */
    static CompletableFuture<ClusterTopology> readTopology(Backend node, EventLoop loop) {
        CompletableFuture<ClusterTopology> result = new CompletableFuture<>();
        query(node, loop, CommandMessage.of("CLUSTER", "SHARDS")).whenComplete((shards, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            try {
                if (shards instanceof ErrorMessage error) {
                    if (error.text().contains("cluster support disabled")) {
                        result.complete(null);
                        return;
                    }
                    // Before Redis 7: CLUSTER SLOTS.
                    query(node, loop, CommandMessage.of("CLUSTER", "SLOTS")).whenComplete((slots, failed) -> {
                        if (failed != null) {
                            result.completeExceptionally(failed);
                            return;
                        }
                        try {
                            if (slots instanceof ErrorMessage refused) {
                                String text = refused.text();
                                if (text.contains("cluster support disabled")
                                        || text.startsWith("ERR unknown command")) {
                                    // A server without cluster support, or one that hides CLUSTER.
                                    result.complete(null);
                                } else {
                                    result.completeExceptionally(new IllegalStateException(
                                            "CLUSTER SHARDS: " + error.text() + "; CLUSTER SLOTS: " + text));
                                }
                            } else {
                                result.complete(ClusterTopology.fromSlots(slots));
                            }
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        } finally {
                            ReferenceCountUtil.release(slots);
                        }
                    });
                    return;
                }
                result.complete(ClusterTopology.fromShards(shards));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                ReferenceCountUtil.release(shards);
            }
        });
        return result;
    }

    /**
     * Sends {@code command} to {@code node} over a connection of its own (after Ferry's handshake) and
     * completes with the reply, which the caller releases; the connection is closed afterwards.
     */
    static CompletableFuture<RespMessage> query(Backend node, EventLoop loop, CommandMessage command) {
        OneReply listener = new OneReply(node.handshake().size());
        ChannelFuture connect = node.connect(loop, listener);
        Channel channel = connect.channel();
        listener.channel = channel;
        ScheduledFuture<?> timeout = loop.schedule(
                () -> listener.fail(new TimeoutException("no reply within " + QUERY_TIMEOUT.toMillis() + " ms")),
                QUERY_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        listener.reply.whenComplete((reply, failure) -> {
            timeout.cancel(false);
            channel.close();
        });
        connect.addListener(connected -> {
            if (!connected.isSuccess()) {
                command.release();
                listener.fail(connected.cause());
                return;
            }
            for (CommandMessage step : node.handshake()) {
                channel.write(step, channel.voidPromise());
            }
            channel.writeAndFlush(command, channel.voidPromise());
        });
        return listener.reply;
    }

    @Override
    public void close() {
        if (periodic != null) {
            periodic.cancel(false);
        }
    }

    /** Skips the handshake's replies and takes the next one. On the event loop. */
    private static final class OneReply implements Backend.Listener {
        final CompletableFuture<RespMessage> reply = new CompletableFuture<>();
        Channel channel;
        private int skip;

        OneReply(int skip) {
            this.skip = skip;
        }

        @Override
        public void onReply(RespMessage message) {
            if (skip > 0) {
                skip--;
                if (message instanceof ErrorMessage error) {
                    fail(new IllegalStateException("the handshake was refused: " + error.text()));
                }
                ReferenceCountUtil.release(message);
                return;
            }
            if (!reply.complete(message)) {
                ReferenceCountUtil.release(message);
            }
        }

        void fail(Throwable cause) {
            reply.completeExceptionally(cause);
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onInactive() {
            fail(new IllegalStateException("the connection was closed"));
        }

        @Override
        public void onFailure(Throwable cause) {
            fail(cause);
        }
    }
}
