package io.ferry.endpoint;

import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Redis endpoint a worker connects to: its role (for messages), URI (credentials, database, TLS)
 * and TLS settings. {@link #open} gives a Lettuce client whose connections speak raw bytes, since
 * keys and values are binary. {@link #toString()} never shows the password. Immutable.
 *
 * @param role what the endpoint is to the migration, e.g. {@code "source"}; names it in errors
 * @param uri where it is and how to log in
 * @param tls how to speak TLS to it when the URI is {@code rediss://}
 * @param commandTimeout how long one command may take before it fails
 */
public record RedisEndpoint(String role, RedisUri uri, TlsOptions tls, Duration commandTimeout) {
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** How often a cluster client reads the topology again with no redirect or reconnect to prompt it. */
    public static final Duration CLUSTER_REFRESH_PERIOD = Duration.ofSeconds(5);

    public RedisEndpoint {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
    }

    /** An endpoint with the default TLS settings and command timeout. */
    public static RedisEndpoint of(String role, String uri) {
        return new RedisEndpoint(role, RedisUri.parse(uri), TlsOptions.DEFAULTS, DEFAULT_COMMAND_TIMEOUT);
    }

    /** The same endpoint on database {@code db}. */
    public RedisEndpoint withDb(int db) {
        return new RedisEndpoint(
                role,
                new RedisUri(uri.tls(), uri.host(), uri.port(), db, uri.username(), uri.password()),
                tls,
                commandTimeout);
    }

    /** The same endpoint (role, credentials, TLS) at another address, database 0: a node of its cluster. */
    public RedisEndpoint withAddress(String host, int port) {
        return new RedisEndpoint(
                role, new RedisUri(uri.tls(), host, port, 0, uri.username(), uri.password()), tls, commandTimeout);
    }

    /** A client for this endpoint, sharing {@code resources}; the caller shuts it down. */
    public Client open(ClientResources resources) {
        RedisURI.Builder builder = RedisURI.builder()
                .withHost(uri.host())
                .withPort(uri.port())
                .withDatabase(uri.db())
                .withTimeout(commandTimeout)
                .withSsl(uri.tls());
        if (uri.tls()) {
            builder.withVerifyPeer(tls.verifyHostname() ? SslVerifyMode.FULL : SslVerifyMode.CA);
        }
        if (uri.password().isPresent()) {
            char[] password = uri.password().get().toCharArray();
            if (uri.username().isPresent()) {
                builder.withAuthentication(uri.username().get(), password);
            } else {
                builder.withPassword(password);
            }
        }
        RedisClient client = RedisClient.create(resources, builder.build());
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        if (uri.tls()) {
            SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
            tls.caFile().ifPresent(file -> ssl.trustManager(file.toFile()));
            if (tls.hasClientCertificate()) {
                ssl.keyManager(
                        tls.certFile().orElseThrow().toFile(),
                        tls.keyFile().orElseThrow().toFile(),
                        null);
            }
            options.sslOptions(ssl.build());
        }
        client.setOptions(options.build());
        return new Client(this, client, resources, builder.build(), options);
    }

    @Override
    public String toString() {
        return role + " " + uri;
    }

    /** A Lettuce client for one endpoint; connections speak raw bytes. */
    public static final class Client implements AutoCloseable {
        private final RedisEndpoint endpoint;
        private final RedisClient client;
        private final ClientResources resources;
        private final RedisURI redisUri;
        private final ClientOptions.Builder options;
        private RedisClusterClient cluster;
        private final List<RedisClient> extraClients = new ArrayList<>();

        private Client(
                RedisEndpoint endpoint,
                RedisClient client,
                ClientResources resources,
                RedisURI redisUri,
                ClientOptions.Builder options) {
            this.endpoint = endpoint;
            this.client = client;
            this.resources = resources;
            this.redisUri = redisUri;
            this.options = options;
        }

        /**
         * A new connection to the Redis Cluster this endpoint is a node of: each command goes to the
         * node serving its first key, following MOVED and ASK. Its connections to every master are open when
         * it is returned.
         *
         * <p>The topology follows a failover or a moved slot: it is read again on a MOVED or ASK redirect, after
         * repeated reconnects, when a command names a slot no node serves or an unknown node (at most once a
         * second), and every {@link #CLUSTER_REFRESH_PERIOD} besides; a connection opened after the first reads it
         * afresh, so one opened after an outage starts from the cluster as it is now.
         *
         * @throws EndpointException naming the endpoint when it cannot connect or log in
         */
        public synchronized StatefulRedisClusterConnection<byte[], byte[]> connectCluster() {
            try {
                if (cluster == null) {
                    cluster = RedisClusterClient.create(resources, redisUri);
                    ClientOptions built = options.build();
                    cluster.setOptions(ClusterClientOptions.builder()
                            .autoReconnect(true)
                            .socketOptions(built.getSocketOptions())
                            .timeoutOptions(built.getTimeoutOptions())
                            .sslOptions(built.getSslOptions())
                            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                    .enablePeriodicRefresh(CLUSTER_REFRESH_PERIOD)
                                    .enableAllAdaptiveRefreshTriggers()
                                    // Lettuce's default, 30 s, would ignore the redirects of a second change soon
                                    // after a first (a failover, then a slot moved).
                                    .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                                    .refreshTriggersReconnectAttempts(3)
                                    .build())
                            .build());
                } else {
                    cluster.refreshPartitions();
                }
                StatefulRedisClusterConnection<byte[], byte[]> connection = cluster.connect(ByteArrayCodec.INSTANCE);
                try {
                    // Open the connection to every master now: a node connection still opening rejects commands
                    // (REJECT_COMMANDS), so the first command to each node would fail.
                    for (RedisClusterNode node : connection.getPartitions()) {
                        if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                            connection.getConnection(
                                    node.getUri().getHost(), node.getUri().getPort());
                        }
                    }
                } catch (RuntimeException e) {
                    connection.close();
                    throw e;
                }
                return connection;
            } catch (RuntimeException e) {
                throw new EndpointException(
                        "cannot connect to the cluster of the " + endpoint + ": " + rootMessage(e), e);
            }
        }

        /**
         * Checks that the cluster this endpoint is a node of answers as a whole: on a new cluster connection (the
         * topology read afresh), every master answers PING and says {@code cluster_state:ok}.
         *
         * @throws EndpointException naming the node that does not answer, or the endpoint when none can be reached
         */
        public void pingCluster() {
            try (StatefulRedisClusterConnection<byte[], byte[]> connection = connectCluster()) {
                for (RedisClusterNode node : connection.getPartitions()) {
                    if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM)
                            || node.getSlots().isEmpty()) {
                        continue;
                    }
                    String address =
                            node.getUri().getHost() + ":" + node.getUri().getPort();
                    try {
                        var commands = connection
                                .getConnection(
                                        node.getUri().getHost(), node.getUri().getPort())
                                .sync();
                        commands.ping();
                        String info = commands.clusterInfo();
                        if (!info.contains("cluster_state:ok")) {
                            throw new EndpointException("the cluster of the " + endpoint + " is down, says " + address);
                        }
                    } catch (EndpointException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        throw new EndpointException(
                                "node " + address + " of the " + endpoint + " does not answer: " + rootMessage(e), e);
                    }
                }
            }
        }

        /** A client for node {@code host:port} of this endpoint's cluster; the caller closes it. */
        public Client node(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            return endpoint.withAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))
                    .open(resources);
        }

        public RedisEndpoint endpoint() {
            return endpoint;
        }

        /**
         * A new connection.
         *
         * @throws EndpointException naming the endpoint (never its password) when it cannot connect or log in
         */
        public StatefulRedisConnection<byte[], byte[]> connect() {
            try {
                return client.connect(ByteArrayCodec.INSTANCE);
            } catch (RuntimeException e) {
                throw new EndpointException("cannot connect to the " + endpoint + ": " + rootMessage(e), e);
            }
        }

        /**
         * A new connection speaking {@code protocol} (RESP2 or RESP3) whatever the server offers: for callers that
         * read replies themselves and want one shape of them.
         *
         * @throws EndpointException naming the endpoint (never its password) when it cannot connect or log in
         */
        public synchronized StatefulRedisConnection<byte[], byte[]> connect(ProtocolVersion protocol) {
            try {
                RedisClient own = RedisClient.create(resources, redisUri);
                own.setOptions(
                        options.build().mutate().protocolVersion(protocol).build());
                StatefulRedisConnection<byte[], byte[]> connection = own.connect(ByteArrayCodec.INSTANCE);
                extraClients.add(own);
                return connection;
            } catch (RuntimeException e) {
                throw new EndpointException("cannot connect to the " + endpoint + ": " + rootMessage(e), e);
            }
        }

        @Override
        public synchronized void close() {
            for (RedisClient own : extraClients) {
                own.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (cluster != null) {
                cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }

        private static String rootMessage(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
        }
    }
}
