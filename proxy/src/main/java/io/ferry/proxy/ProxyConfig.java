package io.ferry.proxy;

import io.ferry.proxy.kafka.WriteLogOptions;
import io.ferry.proxy.kafka.WriteLogOverflow;
import io.ferry.resp.RespLimits;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.WritePolicy;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.HostPort;
import io.ferry.settings.RedisUri;
import io.ferry.settings.Settings;
import io.ferry.settings.TlsOptions;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated configuration of one proxy node, built from its {@link ProxySettings}. Immutable.
 *
 * @param listen where applications connect
 * @param source the source Redis
 * @param nodeId this node's name in logs and published records
 * @param maxConnections most client connections at once
 * @param idleTimeout close an idle client after this long; zero never
 * @param drainTimeout how long shutdown waits for in-flight replies
 * @param clientLimits limits on what a client may send
 * @param outputBufferLimit most reply bytes queued for one client
 * @param ioThreads event-loop threads
 * @param sourceConnections whether clients share source connections until they use connection state
 * @param sourceTls how to speak TLS to a {@code rediss://} source
 * @param target the target Redis; null for passthrough
 * @param targetTls how to speak TLS to a {@code rediss://} target
 * @param route where writes and reads go until the control topic says otherwise
 * @param mirrorTimeout how long the side that does not answer a client may take; zero: no limit
 * @param kafka the writes log, traffic log and control topic; null: none
 */
public record ProxyConfig(
        HostPort listen,
        RedisUri source,
        String nodeId,
        int maxConnections,
        Duration idleTimeout,
        Duration drainTimeout,
        RespLimits clientLimits,
        long outputBufferLimit,
        int ioThreads,
        SourceConnections sourceConnections,
        TlsOptions sourceTls,
        RedisUri target,
        TlsOptions targetTls,
        MigrationRoute route,
        Duration mirrorTimeout,
        ProxyKafka kafka) {

    public ProxyConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clientLimits, "clientLimits");
        Objects.requireNonNull(sourceConnections, "sourceConnections");
        Objects.requireNonNull(sourceTls, "sourceTls");
        Objects.requireNonNull(targetTls, "targetTls");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(mirrorTimeout, "mirrorTimeout");
        if (target == null && route.usesTarget()) {
            throw new IllegalArgumentException("route " + route + " needs a target");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
        }
    }

    /** Builds the configuration from validated settings. */
    public static ProxyConfig from(Settings settings) {
        HostPort listen = HostPort.parse(settings.getString(ProxySettings.LISTEN));
        String nodeId = settings.getString(ProxySettings.NODE_ID);
        if (nodeId.isEmpty()) {
            nodeId = hostName() + ":" + listen.port();
        }
        RespLimits limits = RespLimits.builder()
                .maxBulkLength((int) Math.min(Integer.MAX_VALUE - 64L, settings.getLong(ProxySettings.MAX_BULK_LENGTH)))
                .maxAggregateLength(settings.getInt(ProxySettings.MAX_MULTIBULK_LENGTH))
                .maxInlineLength(settings.getInt(ProxySettings.MAX_INLINE_LENGTH))
                .maxNestingDepth(settings.getInt(ProxySettings.MAX_NESTING_DEPTH))
                .build();
        int ioThreads = settings.getInt(ProxySettings.IO_THREADS);
        return new ProxyConfig(
                listen,
                RedisUri.parse(settings.getString(ProxySettings.SOURCE)),
                nodeId,
                settings.getInt(ProxySettings.MAX_CONNECTIONS),
                Duration.ofMillis(settings.getLong(ProxySettings.IDLE_TIMEOUT_MS)),
                Duration.ofMillis(settings.getLong(ProxySettings.DRAIN_TIMEOUT_MS)),
                limits,
                settings.getLong(ProxySettings.OUTPUT_BUFFER_LIMIT),
                ioThreads == 0 ? Runtime.getRuntime().availableProcessors() : ioThreads,
                SourceConnections.valueOf(settings.getString(ProxySettings.SOURCE_CONNECTIONS)),
                ProxySettings.SOURCE_TLS.read(settings),
                settings.getString(ProxySettings.TARGET) == null
                        ? null
                        : RedisUri.parse(settings.getString(ProxySettings.TARGET)),
                ProxySettings.TARGET_TLS.read(settings),
                settings.getString(ProxySettings.TARGET) == null
                        ? MigrationRoute.PASSTHROUGH
                        : MigrationRoute.of(
                                WritePolicy.valueOf(settings.getString(ProxySettings.WRITE_POLICY)),
                                ReadMode.valueOf(settings.getString(ProxySettings.READ_MODE)),
                                settings.getInt(ProxySettings.RATIO)),
                Duration.ofMillis(settings.getLong(ProxySettings.MIRROR_TIMEOUT_MS)),
                settings.getString(ProxySettings.KAFKA) == null
                        ? null
                        : new ProxyKafka(
                                settings.getString(ProxySettings.KAFKA),
                                settings.getString(ProxySettings.TOPIC_PREFIX),
                                new WriteLogOptions(
                                        settings.getInt(ProxySettings.WRITES_QUEUE_CAPACITY),
                                        settings.getInt(ProxySettings.WRITES_OVERFLOW_KEYS),
                                        WriteLogOverflow.valueOf(settings.getString(ProxySettings.WRITES_OVERFLOW)),
                                        Duration.ofMillis(settings.getLong(ProxySettings.WRITES_DELIVERY_TIMEOUT_MS))),
                                settings.getDouble(ProxySettings.TRAFFIC_SAMPLE_RATE),
                                settings.getInt(ProxySettings.TRAFFIC_QUEUE_CAPACITY),
                                settings.getString(ProxySettings.CONTROL_RUN_ID),
                                StatsPublisher.interval(settings)));
    }

    /** A builder starting from this configuration, to derive a variant (tests, embedding). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some components of a configuration; {@link #build()} validates as the constructor does. */
    public static final class Builder {
        private HostPort listen;
        private final RedisUri source;
        private final String nodeId;
        private int maxConnections;
        private Duration idleTimeout;
        private Duration drainTimeout;
        private RespLimits clientLimits;
        private final long outputBufferLimit;
        private int ioThreads;
        private SourceConnections sourceConnections;
        private TlsOptions sourceTls;
        private RedisUri target;
        private TlsOptions targetTls;
        private MigrationRoute route;
        private Duration mirrorTimeout;
        private ProxyKafka kafka;

        private Builder(ProxyConfig from) {
            listen = from.listen;
            source = from.source;
            nodeId = from.nodeId;
            maxConnections = from.maxConnections;
            idleTimeout = from.idleTimeout;
            drainTimeout = from.drainTimeout;
            clientLimits = from.clientLimits;
            outputBufferLimit = from.outputBufferLimit;
            ioThreads = from.ioThreads;
            sourceConnections = from.sourceConnections;
            sourceTls = from.sourceTls;
            target = from.target;
            targetTls = from.targetTls;
            route = from.route;
            mirrorTimeout = from.mirrorTimeout;
            kafka = from.kafka;
        }

        public Builder kafka(ProxyKafka options) {
            this.kafka = options;
            return this;
        }

        /** A target, with writes and reads as {@code route} says. */
        public Builder target(RedisUri uri, WritePolicy writePolicy, ReadMode readMode, int ratioPercent) {
            this.target = uri;
            this.route = MigrationRoute.of(writePolicy, readMode, ratioPercent);
            return this;
        }

        public Builder targetTls(TlsOptions tls) {
            this.targetTls = tls;
            return this;
        }

        public Builder mirrorTimeout(Duration timeout) {
            this.mirrorTimeout = timeout;
            return this;
        }

        public Builder listen(HostPort address) {
            this.listen = address;
            return this;
        }

        public Builder maxConnections(int count) {
            this.maxConnections = count;
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = timeout;
            return this;
        }

        public Builder clientLimits(RespLimits limits) {
            this.clientLimits = limits;
            return this;
        }

        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        public Builder sourceConnections(SourceConnections mode) {
            this.sourceConnections = mode;
            return this;
        }

        public Builder sourceTls(TlsOptions tls) {
            this.sourceTls = tls;
            return this;
        }

        public ProxyConfig build() {
            return new ProxyConfig(
                    listen,
                    source,
                    nodeId,
                    maxConnections,
                    idleTimeout,
                    drainTimeout,
                    clientLimits,
                    outputBufferLimit,
                    ioThreads,
                    sourceConnections,
                    sourceTls,
                    target,
                    targetTls,
                    route,
                    mirrorTimeout,
                    kafka);
        }
    }

    /** True when the proxy must hold clients to AUTH before anything else (the source URI has a password). */
    public boolean sourceRequiresAuth() {
        return source.password().isPresent();
    }

    private static String hostName() {
        return Optional.ofNullable(System.getenv("HOSTNAME"))
                .filter(h -> !h.isBlank())
                .orElse("ferry");
    }
}
