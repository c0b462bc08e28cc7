package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.ClusterTopology;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.RespMessage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Keeps reads off a target that may not hold what it was sent. While the source is authoritative (before commit) a
 * read of the target is only a stand-in for a read of the source, so when the target may have lost data, or does not
 * answer, the source serves the read instead ({@link #readsHeld}).
 *
 * <p>Reads are held as soon as any connection to the target drops (a client's, or this sentinel's own: the target
 * restarting or failing over), or when the sentinel's {@code INFO server}, sent every {@code interval}, gets no
 * answer within {@code 4 × interval} (a paused, frozen or partitioned target). Once the target answers again, its
 * {@code run_id}, drawn anew by Redis at each start, says which: the same server (a network blip, a pause) and reads
 * go back to it; another (it restarted, and may have come back empty or from an old save) and reads stay held until
 * the control plane publishes a new route (a higher epoch), which it does once it has seen the restart and started
 * the copy over. After commit the target is authoritative and nothing is held.
 *
 * <p>A Redis Cluster target is watched master by master, as its topology says (followed as it changes): any master
 * not answering or restarted holds reads; they go back once every master answers as the same server. A master that
 * appears (a replica promoted by a failover, which kept its data) is watched from its first answer on.
 *
 * <p>Its state changes on one event loop; {@link #readsHeld} and {@link #connectionLost} are called from any thread.
 */
final class TargetSentinel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TargetSentinel.class);

    private final Backend target;
    /** The target's cluster; null when it is one server. */
    private final ClusterView cluster;

    private final EventLoop loop;
    private final SessionContext context;
    private final long intervalNanos;
    private final MeterRegistry meters;
    private final Gauge heldGauge;

    private volatile boolean held;
    /** Held because the target restarted: released only by a route newer than this epoch. */
    private volatile long restartEpoch = -1;

    /** The nodes watched, by address: the target, or each master of its cluster. */
    private final Map<String, Watch> watches = new LinkedHashMap<>();

    private ScheduledFuture<?> ticks;
    private boolean closed;

    TargetSentinel(
            Backend target,
            ClusterView cluster,
            EventLoop loop,
            SessionContext context,
            Duration interval,
            MeterRegistry meters) {
        this.target = target;
        this.cluster = cluster;
        this.loop = loop;
        this.context = context;
        this.intervalNanos = interval.toNanos();
        this.meters = meters;
        this.heldGauge = Gauge.builder("ferry.proxy.target.reads.held", this, s -> s.readsHeld() ? 1 : 0)
                .description("1 while reads routed to the target are served by the source (the target dropped a "
                        + "connection, does not answer, or restarted)")
                .register(meters);
    }

    void start() {
        if (cluster != null) {
            cluster.onChange(topology -> loop.execute(() -> watch(topology)));
        }
        loop.execute(() -> {
            if (cluster != null) {
                watch(cluster.topology());
            } else {
                watches.put(target.uri().host() + ":" + target.uri().port(), new Watch(target));
            }
            ticks = loop.scheduleAtFixedRate(this::tick, 0, intervalNanos, TimeUnit.NANOSECONDS);
        });
    }

    /** Watches the masters of {@code topology}, and no other node. On the loop. */
    private void watch(ClusterTopology topology) {
        if (closed) {
            return;
        }
        Set<String> masters = new HashSet<>();
        for (ClusterTopology.Shard shard : topology.shards()) {
            if (shard.slotCount() == 0) {
                continue;
            }
            ClusterNode master = shard.master();
            masters.add(master.address());
            watches.computeIfAbsent(
                    master.address(), address -> new Watch(cluster.backend(master.host(), master.port())));
        }
        watches.entrySet().removeIf(entry -> {
            if (masters.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().close();
            return true;
        });
    }

    /** True when a read the route sends to the target should be served by the source instead. */
    boolean readsHeld() {
        if (!held) {
            return false;
        }
        long epoch = restartEpoch;
        if (epoch >= 0 && context.route().epoch() > epoch) {
            // The control plane routed again after the restart: its route is what holds from now on.
            held = false;
            restartEpoch = -1;
            log.info(
                    "reads may go to the target again: the control plane published route epoch {}",
                    context.route().epoch());
            return false;
        }
        return true;
    }

    /** A connection to the target dropped: hold reads until the target answers as the same server. */
    void connectionLost() {
        if (!held) {
            held = true;
            log.warn(
                    "a connection to the target {} dropped: reads go to the source until it answers again",
                    target.uri());
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        for (Watch watch : watches.values()) {
            watch.tick();
        }
    }

    /** Whether every node watched answers now. */
    private boolean allAnswer() {
        for (Watch watch : watches.values()) {
            if (!watch.answers) {
                return false;
            }
        }
        return true;
    }

    /** The run_id field of an INFO server reply, or null. */
    static String runId(String info) {
        int at = info.indexOf("run_id:");
        if (at < 0) {
            return null;
        }
        int end = info.indexOf('\n', at);
        return info.substring(at + "run_id:".length(), end < 0 ? info.length() : end)
                .trim();
    }

    @Override
    public void close() {
        meters.remove(heldGauge);
        loop.execute(() -> {
            closed = true;
            if (ticks != null) {
                ticks.cancel(false);
            }
            watches.values().forEach(Watch::close);
            watches.clear();
        });
    }

    /** One node watched: a connection of the sentinel's own, its INFO server every interval, the run_id it gave. */
    private final class Watch implements Backend.Listener {
        private final Backend node;
        private Channel channel;
        private boolean connecting;
        private int handshakeReplies;
        private long askedAt;
        private boolean awaiting;
        private String runId;
        /** It answered its last INFO as the server it was. */
        boolean answers;

        private boolean stopped;

        Watch(Backend node) {
            this.node = node;
        }

        void tick() {
            if (channel == null) {
                if (!connecting) {
                    connect();
                }
                return;
            }
            if (awaiting) {
                if (System.nanoTime() - askedAt > 4 * intervalNanos) {
                    answers = false;
                    if (!held) {
                        held = true;
                        log.warn(
                                "the target {} has not answered for {} ms: reads go to the source until it does",
                                node.uri(),
                                TimeUnit.NANOSECONDS.toMillis(4 * intervalNanos));
                    }
                }
                return;
            }
            ask();
        }

        private void ask() {
            askedAt = System.nanoTime();
            awaiting = true;
            channel.writeAndFlush(CommandMessage.of("INFO", "server"), channel.voidPromise());
        }

        private void connect() {
            connecting = true;
            ChannelFuture future = node.connect(loop, this);
            future.addListener(done -> {
                connecting = false;
                if (closed || stopped) {
                    future.channel().close();
                    return;
                }
                if (!done.isSuccess()) {
                    answers = false;
                    connectionLost();
                    return;
                }
                channel = future.channel();
                handshakeReplies = 0;
                awaiting = false;
                for (CommandMessage command : node.handshake()) {
                    handshakeReplies++;
                    channel.write(command, channel.voidPromise());
                }
                // At once: a target that restarted meanwhile must not be taken as the baseline later than needed.
                ask();
            });
        }

        @Override
        public void onReply(RespMessage reply) {
            try {
                if (handshakeReplies > 0) {
                    handshakeReplies--;
                    if (reply instanceof ErrorMessage error) {
                        log.warn("the target {} refused the sentinel's log-in: {}", node.uri(), error.text());
                    }
                    return;
                }
                awaiting = false;
                if (reply instanceof BulkStringMessage info) {
                    answered(runId(info.text()));
                } else if (reply instanceof ErrorMessage error) {
                    // LOADING while it reads its save, or no INFO for the user: not an answer yet.
                    answers = false;
                    if (!held) {
                        held = true;
                        log.warn(
                                "the target {} answered INFO with {}: reads go to the source",
                                node.uri(),
                                error.text());
                    }
                }
            } finally {
                ReferenceCountUtil.release(reply);
            }
        }

        private void answered(String now) {
            if (now == null) {
                return;
            }
            if (runId == null) {
                runId = now;
            }
            if (!runId.equals(now)) {
                String before = runId;
                runId = now;
                answers = true;
                long epoch = context.route().epoch();
                boolean authoritativeTarget = context.route().authoritative() == io.ferry.schemas.Side.TARGET;
                if (!authoritativeTarget) {
                    restartEpoch = epoch;
                    held = true;
                }
                log.error(
                        "the target {} restarted (run_id {} became {}): it may have lost what it held; {}",
                        node.uri(),
                        before,
                        now,
                        authoritativeTarget
                                ? "it is authoritative: reads stay on it"
                                : "reads go to the source until the control plane routes again (epoch > " + epoch
                                        + ")");
                return;
            }
            answers = true;
            if (held && restartEpoch < 0 && allAnswer()) {
                held = false;
                log.info("the target {} answers again as the same server: reads may go to it", target.uri());
            }
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onInactive() {
            channel = null;
            awaiting = false;
            answers = false;
            if (!closed && !stopped) {
                connectionLost();
            }
        }

        @Override
        public void onFailure(Throwable cause) {
            if (channel != null) {
                channel.close();
            }
        }

        /** No longer watched (not a master any more, or the sentinel closed): its connection closes quietly. */
        void close() {
            stopped = true;
            if (channel != null) {
                channel.close();
            }
        }
    }
}
