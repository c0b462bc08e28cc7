package io.ferry.workload;

import io.ferry.settings.RedisUri;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Lettuce clients for the workload and the checker, made the same way from a {@link RedisUri}. */
final class RedisConnections {
    /** Bytes as chars one for one, so any value reads and compares exactly. */
    static final RedisCodec<String, String> CODEC = new StringCodec(StandardCharsets.ISO_8859_1);

    private RedisConnections() {}

    static RedisURI lettuce(RedisUri uri, Duration timeout) {
        RedisURI.Builder builder = RedisURI.builder()
                .withHost(uri.host())
                .withPort(uri.port())
                .withDatabase(uri.db())
                .withSsl(uri.tls())
                .withTimeout(timeout);
        if (uri.password().isPresent()) {
            if (uri.username().isPresent()) {
                builder.withAuthentication(
                        uri.username().get(), uri.password().get().toCharArray());
            } else {
                builder.withPassword(uri.password().get().toCharArray());
            }
        }
        return builder.build();
    }

    /**
     * A client that reconnects by itself and fails commands at once while disconnected (rather than queueing them,
     * which would make their outcome harder to know), each command bounded by {@code timeout}.
     */
    static RedisClient client(Duration timeout) {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        return client;
    }

    /**
     * A cluster client as a cluster-mode application has one: it finds every node from {@code seeds}, follows
     * MOVED and ASK (reading the topology again on them, and every 5 s), reconnects by itself, each command
     * bounded by {@code timeout}.
     *
     * <p>Not REJECT_COMMANDS: Lettuce opens the connection to a node on its first command and, with that option,
     * refuses the commands sent while it connects (a master just promoted by a failover is such a node: the
     * application would see failures that Redis itself did not cause).
     */
    static RedisClusterClient clusterClient(List<RedisUri> seeds, Duration timeout) {
        RedisClusterClient cluster = RedisClusterClient.create(
                seeds.stream().map(uri -> lettuce(uri, timeout)).toList());
        cluster.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .maxRedirects(5)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(5))
                        .build())
                .build());
        return cluster;
    }
}
