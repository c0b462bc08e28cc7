package io.ferry.proxy;

import io.ferry.proxy.cluster.ClusterNode;
import io.ferry.proxy.cluster.ClusterTopology;
import io.ferry.proxy.kafka.ControlFollower;
import io.ferry.proxy.kafka.KafkaTopics;
import io.ferry.proxy.kafka.TrafficLog;
import io.ferry.proxy.kafka.WriteLog;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespEncoder;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.stats.StatsAttributes;
import io.ferry.schemas.stats.StatsPublisher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running proxy node: accepts application connections and gives each its own {@link
 * ClientSession}, over the event loop's shared source connection or one of its own ({@link
 * SourceConnections}). At start-up it reads the source's command table and finds out whether either
 * side is a Redis Cluster: a cluster source gets one listener per node ({@link ClusterListeners}), a
 * cluster side is reached through {@link ClusterConnections}. {@link #close()} drains: it stops accepting, lets every client receive the
 * replies it is owed (up to the drain timeout), then closes what is left. Thread-safe.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final Duration COMMAND_TABLE_TIMEOUT = Duration.ofSeconds(5);
    /** How often the target's run_id is read (see {@link TargetSentinel}). */
    private static final Duration SENTINEL_INTERVAL = Duration.ofMillis(250);

    private final ProxyConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Backend source;
    /** Null without a target. */
    private final Backend target;

    private final SessionContext context;
    private final MeterRegistry meters;
    /** Null without Kafka. */
    private final WriteLog writeLog;

    private final TrafficLog trafficLog;
    private final ControlFollower follower;
    /** Null without a target. */
    private final TargetSentinel sentinel;

    private final SourceCommandTable commands;
    /** The connections each event loop's clients share with the sides. */
    private final Map<EventLoop, LoopConnections> loopConnections = new ConcurrentHashMap<>();
    /** The target's Redis Cluster; null without a target or when it is one server. */
    private final ClusterView targetCluster;

    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel serverChannel;
    /** The source's Redis Cluster and its listeners; null when the source is one server. */
    private final ClusterListeners sourceCluster;
    /** The listeners of the source nodes after the first (the first is {@link #serverChannel}). */
    private final List<Channel> nodeChannels = new CopyOnWriteArrayList<>();

    private final Gauge connectionsGauge;
    /** Null without Kafka or with stats.interval-seconds 0. */
    private final StatsPublisher stats;

    private volatile boolean draining;
    /** Source nodes whose listener is being bound. */
    private final Set<String> pendingListeners = ConcurrentHashMap.newKeySet();
    /** Source-node listeners bound or being bound, for the next one's port. */
    private final AtomicInteger listenerCount = new AtomicInteger();

    private ProxyServer(ProxyConfig config, MeterRegistry meters) throws InterruptedException {
        this.config = config;
        this.transport = Transport.best();
        // Before the threads start: a TLS set-up that fails leaves nothing to stop.
        this.source = new Backend(config.source(), config.sourceTls(), transport, config.outputBufferLimit());
        this.target = config.target() == null
                ? null
                : new Backend(config.target(), config.targetTls(), transport, config.outputBufferLimit());
        this.meters = meters;
        if (config.kafka() != null) {
            ProxyKafka kafka = config.kafka();
            Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            TopicRegistry topics = KafkaTopics.ensure(client, kafka.topicPrefix());
            this.writeLog = new WriteLog(kafka.writeLog(), client, topics, config.nodeId(), meters);
            this.trafficLog =
                    new TrafficLog(kafka.trafficSampleRate(), kafka.trafficQueueCapacity(), client, topics, meters);
        } else {
            this.writeLog = null;
            this.trafficLog = null;
        }
        this.context = new SessionContext(
                config.nodeId(),
                config.route(),
                writeLog != null ? writeLog : WriteJournals.NONE,
                trafficLog != null ? trafficLog : TrafficJournal.NONE,
                meters);
        this.connectionsGauge = Gauge.builder("ferry.proxy.connections", connections, AtomicInteger::get)
                .description("Client connections open")
                .register(meters);
        ProxyKafka kafkaOptions = config.kafka();
        this.stats = kafkaOptions == null || kafkaOptions.statsInterval().isZero()
                ? null
                : new StatsPublisher(
                        StatsAttributes.PROXY,
                        kafkaOptions.runId(),
                        config.nodeId(),
                        kafkaOptions.statsInterval(),
                        Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafkaOptions.bootstrapServers()),
                        TopicRegistry.builder()
                                .prefix(kafkaOptions.topicPrefix())
                                .build(),
                        new ProxyStats(context, connections::get)::sample);
        this.group = transport.newGroup(config.ioThreads(), "ferry-proxy");
        try {
            this.commands = SourceCommandTable.load(source, group.next(), COMMAND_TABLE_TIMEOUT);
            ClusterView sourceView = discoverCluster("source", source, config.sourceTls());
            this.sourceCluster = sourceView == null ? null : new ClusterListeners(sourceView);
            this.targetCluster = target == null ? null : discoverCluster("target", target, config.targetTls());
            if (targetCluster != null && config.source().db() != 0) {
                throw new IllegalArgumentException(
                        "the source URI selects database " + config.source().db()
                                + " but the target is a Redis Cluster, which has database 0 only (expected: a source "
                                + "URI without a database, or /0)");
            }
            if (targetCluster != null) {
                targetCluster.register(meters);
                targetCluster.start(group);
            }
            if (sourceCluster == null) {
                this.serverChannel = bind(config.listen().port(), null).sync().channel();
            } else {
                List<ClusterNode> nodes = sourceNodes(sourceCluster.view().topology());
                List<Channel> bound = new ArrayList<>();
                for (ClusterNode node : nodes) {
                    Channel listener = bindNode(node).sync().channel();
                    sourceCluster.listening(node.address(), ((InetSocketAddress) listener.localAddress()).getPort());
                    bound.add(listener);
                }
                this.serverChannel = bound.get(0);
                nodeChannels.addAll(bound.subList(1, bound.size()));
                sourceCluster.view().onChange(this::listenToNewNodes);
                sourceCluster.view().register(meters);
                sourceCluster.view().start(group);
            }
        } catch (InterruptedException | RuntimeException e) {
            // The clusters' periodic refreshes stop with the threads.
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (stats != null) {
                stats.close();
            }
            if (writeLog != null) {
                writeLog.close();
                trafficLog.close();
            }
            unregister();
            throw e;
        }
        log.info(
                "proxy {} listening on {} for source {} ({} transport, {} threads, {} source connections)",
                config.nodeId(),
                address(),
                config.source(),
                transport.name(),
                config.ioThreads(),
                config.sourceConnections());
        if (target != null) {
            log.info("proxy {} target {}; route {}", config.nodeId(), config.target(), config.route());
            this.sentinel = new TargetSentinel(target, targetCluster, group.next(), context, SENTINEL_INTERVAL, meters);
            context.sentinel(sentinel);
            sentinel.start();
        } else {
            this.sentinel = null;
        }
        if (sourceCluster != null) {
            log.info(
                    "proxy {}: the source is a Redis Cluster of {} nodes, one listener each: {}",
                    config.nodeId(),
                    sourceCluster.ports().size(),
                    sourceCluster.ports());
        }
        if (targetCluster != null) {
            log.info(
                    "proxy {}: the target is a Redis Cluster, commands are routed by slot: {}",
                    config.nodeId(),
                    targetCluster.topology());
        }
        if (config.kafka() != null) {
            ProxyKafka kafka = config.kafka();
            this.follower = new ControlFollower(
                    Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    TopicRegistry.builder().prefix(kafka.topicPrefix()).build(),
                    kafka.runId(),
                    this::applyState);
            log.info(
                    "proxy {} publishes to Kafka {} (topics {}.*), captures {}% of commands, follows the control topic{}",
                    config.nodeId(),
                    kafka.bootstrapServers(),
                    kafka.topicPrefix(),
                    Math.round(kafka.trafficSampleRate() * 100),
                    kafka.runId().isEmpty() ? "" : " for run " + kafka.runId());
        } else {
            this.follower = null;
        }
    }

    /**
     * The cluster {@code backend} belongs to, or null when it is one server. An endpoint that cannot
     * be reached at start-up is taken for one server, with a warning: the proxy starts as it would
     * without a cluster, and mirrored commands are skipped and flagged for repair until it answers.
     */
    private ClusterView discoverCluster(String side, Backend backend, io.ferry.settings.TlsOptions tls) {
        try {
            return ClusterView.discover(side, backend, tls, transport, config.outputBufferLimit(), group.next());
        } catch (IllegalStateException e) {
            log.warn("{}; taking it for a single server", e.getMessage());
            return null;
        }
    }

    /**
     * Binds a listener on {@code port} of the listen host whose clients are served in front of source
     * node {@code home} (null: a standalone source).
     */
    private ChannelFuture bind(int port, ClusterNode home) {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Nothing is read from a client until its backend connection is ready.
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Backend.WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accept(channel, home);
                    }
                })
                .bind(config.listen().host(), port);
    }

    /**
     * The listener of source node {@code node}: the listen port plus the node's number (the order the
     * proxy first saw the nodes in), or an ephemeral port when the listen port is 0.
     */
    private ChannelFuture bindNode(ClusterNode node) {
        int index = listenerCount.getAndIncrement();
        int port = config.listen().port() == 0 ? 0 : config.listen().port() + index;
        pendingListeners.add(node.address());
        ChannelFuture bound = bind(port, node);
        bound.addListener(done -> {
            if (done.isSuccess()) {
                InetSocketAddress local = (InetSocketAddress) bound.channel().localAddress();
                sourceCluster.listening(node.address(), local.getPort());
            } else {
                log.error(
                        "proxy {}: cannot listen on port {} for source node {}: {}",
                        config.nodeId(),
                        port,
                        node.address(),
                        ClientCommands.reason(done.cause()));
            }
            pendingListeners.remove(node.address());
        });
        return bound;
    }

    /** Every node of {@code topology}: each shard's primary, then its replicas, shard after shard. */
    private static List<ClusterNode> sourceNodes(ClusterTopology topology) {
        List<ClusterNode> nodes = new ArrayList<>();
        for (ClusterTopology.Shard shard : topology.shards()) {
            nodes.add(shard.master());
            nodes.addAll(shard.replicas());
        }
        return nodes;
    }

    /** A listener for each node the source's topology gained (a shard added, a replica attached). */
    private void listenToNewNodes(ClusterTopology topology) {
        if (draining) {
            return;
        }
        for (ClusterNode node : sourceNodes(topology)) {
            if (!sourceCluster.hasListener(node.address()) && !pendingListeners.contains(node.address())) {
                ChannelFuture bound = bindNode(node);
                bound.addListener(done -> {
                    if (done.isSuccess()) {
                        nodeChannels.add(bound.channel());
                        log.info(
                                "proxy {}: source node {} is new; listening for it on {}",
                                config.nodeId(),
                                node.address(),
                                bound.channel().localAddress());
                    }
                });
            }
        }
    }

    /** The listener of each source node, by the node's {@code host:port}; empty when the source is one server. */
    public Map<String, InetSocketAddress> nodeAddresses() {
        if (sourceCluster == null) {
            return Map.of();
        }
        Map<String, InetSocketAddress> addresses = new java.util.TreeMap<>();
        sourceCluster
                .ports()
                .forEach((node, port) ->
                        addresses.put(node, new InetSocketAddress(address().getAddress(), port)));
        return addresses;
    }

    /**
     * Binds the listener and starts serving.
     *
     * @throws InterruptedException if interrupted while binding
     * @throws io.netty.channel.ChannelException (or a subclass) when the address cannot be bound
     */
    public static ProxyServer start(ProxyConfig config) throws InterruptedException {
        return start(config, new SimpleMeterRegistry());
    }

    /** As {@link #start(ProxyConfig)}, with the node's meters registered in {@code meters}. */
    public static ProxyServer start(ProxyConfig config, MeterRegistry meters) throws InterruptedException {
        return new ProxyServer(config, meters);
    }

    /** Stats events Kafka took from this node so far (0 without Kafka). */
    public long statsSent() {
        return stats == null ? 0 : stats.sent();
    }

    /** The registry holding this node's meters ({@code ferry.proxy.*}). */
    public MeterRegistry meters() {
        return meters;
    }

    /** The bound address (the real port when the configuration asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The route in force: where writes and reads go now. */
    public MigrationRoute route() {
        return context.route();
    }

    /**
     * Takes the migration state {@code state} (from the control topic) when it is newer than the route
     * in force; clients' next commands follow it, with no connection dropped. True when taken.
     *
     * @throws IllegalArgumentException when the state cannot be served (a target route on a proxy
     *     without a target, or a combination that would lose writes); the route in force stays
     */
    public boolean applyState(MigrationState state) {
        MigrationRoute next = MigrationRoute.from(state);
        if (target == null && next.usesTarget()) {
            throw new IllegalArgumentException(
                    "migration state " + next + " sends traffic to the target, but this proxy has none (--target)");
        }
        boolean taken = context.offer(next);
        if (taken) {
            log.info("proxy {} now routes by {}", config.nodeId(), next);
        }
        return taken;
    }

    /** Whether the control topic was readable lately and the epoch followed; null without Kafka. */
    public ControlFollower.Status controlStatus() {
        return follower == null ? null : follower.status();
    }

    /** Reads whose two sides answered differently, since start (VERSION_COMPARE, REPLICATED). */
    public long divergences() {
        return context.divergences.sum();
    }

    /** Writes flagged for repair since start. */
    public long repairsFlagged() {
        return context.repairsFlagged.sum();
    }

    /** Client connections open now. */
    public int connectionCount() {
        return connections.get();
    }

    private void accept(SocketChannel channel, ClusterNode home) {
        int open = connections.incrementAndGet();
        channel.closeFuture().addListener(closed -> connections.decrementAndGet());
        if (draining || open > config.maxConnections()) {
            String error = draining ? ProxyReplies.SHUTTING_DOWN : ProxyReplies.MAX_CLIENTS;
            log.warn("refusing client {}: {}", channel.remoteAddress(), error);
            channel.writeAndFlush(Unpooled.copiedBuffer("-" + error + "\r\n", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        LoopConnections shared = loopConnections.computeIfAbsent(
                channel.eventLoop(),
                loop -> new LoopConnections(
                        loop,
                        source,
                        target,
                        sourceCluster == null ? null : sourceCluster.view(),
                        targetCluster,
                        config.sourceConnections() == SourceConnections.SHARED,
                        commands.table(),
                        config.mirrorTimeout(),
                        context::targetConnectionLost));
        ClientSession session = new ClientSession(
                context,
                home == null ? source : sourceCluster.view().backend(home.host(), home.port()),
                sourceCluster,
                home,
                target,
                shared,
                commands,
                config.sourceRequiresAuth(),
                config.outputBufferLimit(),
                config.mirrorTimeout().toNanos());
        sessions.add(session);
        channel.closeFuture().addListener(closed -> sessions.remove(session));
        if (!config.idleTimeout().isZero()) {
            channel.pipeline()
                    .addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        }
        channel.pipeline()
                .addLast(RespDecoder.forRequests(config.clientLimits()))
                .addLast(RespEncoder.INSTANCE)
                .addLast(session);
    }

    /**
     * Drains and stops: no new connections, no new commands; clients get the replies they are owed
     * for up to the drain timeout, then every connection is closed and the threads stop.
     */
    @Override
    public void close() {
        if (draining) {
            return;
        }
        draining = true;
        Duration timeout = config.drainTimeout();
        log.info(
                "proxy {} draining {} connections (up to {} ms)",
                config.nodeId(),
                connections.get(),
                timeout.toMillis());
        serverChannel.close().syncUninterruptibly();
        nodeChannels.forEach(node -> node.close().syncUninterruptibly());
        sessions.forEach(ClientSession::drain);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!sessions.isEmpty()) {
            log.warn(
                    "proxy {} closing {} connections still owed replies after the drain timeout",
                    config.nodeId(),
                    sessions.size());
        }
        if (sentinel != null) {
            sentinel.close();
        }
        if (targetCluster != null) {
            targetCluster.close();
        }
        if (sourceCluster != null) {
            sourceCluster.view().close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (follower != null) {
            follower.close();
        }
        if (writeLog != null) {
            writeLog.close();
        }
        if (trafficLog != null) {
            trafficLog.close();
        }
        if (stats != null) {
            // After the drain: the last event counts the replies the drain delivered.
            stats.close();
        }
        unregister();
        log.info("proxy {} stopped", config.nodeId());
    }

    /** Takes this node's gauges out of the registry: they hold this node, and a node started after it has its own. */
    private void unregister() {
        meters.remove(connectionsGauge);
        context.unregister(meters);
    }
}
