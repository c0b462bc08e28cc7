package io.ferry.control.api;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the target watch reads of a Redis Cluster target ({@link TargetWatch#identity}) and when it calls it a restart
 * ({@link TargetWatch#restarted}): a master restarted empty is one; a failover is not.
 */
class TargetWatchClusterIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @Test
    void aMasterRestartedEmptyIsARestartAndAFailoverIsNot() throws Exception {
        RedisCluster cluster = RedisCluster.start(redis, "watched", 2, 1);
        ClientResources resources = DefaultClientResources.create();
        List<RedisEndpoint.Client> nodeClients = new ArrayList<>();
        List<StatefulRedisConnection<byte[], byte[]>> nodes = new ArrayList<>();
        try (RedisEndpoint.Client client =
                        RedisEndpoint.of("target", cluster.seedUri()).open(resources);
                StatefulRedisConnection<byte[], byte[]> seed = client.connect()) {
            java.util.function.Function<String, StatefulRedisConnection<byte[], byte[]>> node = address -> {
                RedisEndpoint.Client nodeClient = client.node(address);
                nodeClients.add(nodeClient);
                StatefulRedisConnection<byte[], byte[]> connection = nodeClient.connect();
                nodes.add(connection);
                return connection;
            };
            String approved = TargetWatch.identity(seed, node);
            for (RedisServer master : cluster.masters()) {
                assertThat(approved).contains("127.0.0.1:" + master.port() + "=");
            }
            assertThat(approved.split(" ")).hasSize(2);

            // A failover: another node is master, with the data it replicated. Not a restart.
            RedisServer first = cluster.masters().get(0);
            RedisServer promoted = cluster.failover(first);
            String afterFailover = TargetWatch.identity(seed, node);
            assertThat(afterFailover).contains("127.0.0.1:" + promoted.port() + "=");
            assertThat(afterFailover).doesNotContain("127.0.0.1:" + first.port() + "=");
            assertThat(TargetWatch.restarted(approved, afterFailover)).isFalse();

            // The other master restarts with no data (and keeps its slots): a restart.
            RedisServer other = cluster.masters().stream()
                    .filter(master -> !master.equals(promoted))
                    .findFirst()
                    .orElseThrow();
            other.restartEmpty();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                String now = TargetWatch.identity(seed, node);
                return now.contains("127.0.0.1:" + other.port() + "=") && TargetWatch.restarted(afterFailover, now);
            });
        } finally {
            nodes.forEach(StatefulRedisConnection::close);
            nodeClients.forEach(RedisEndpoint.Client::close);
            resources.shutdown();
        }
    }

    @Test
    void aSingleServerRestartIsAnotherRunId() {
        assertThat(TargetWatch.restarted("abc", "abc")).isFalse();
        assertThat(TargetWatch.restarted("abc", "def")).isTrue();
    }

    @Test
    void mastersServingSlotsAreReadFromClusterNodes() {
        String nodes = """
                a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
                b2 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383
                c3 127.0.0.1:7002@17002 slave a1 0 0 1 connected
                d4 127.0.0.1:7003@17003 master - 0 0 0 connected
                e5 127.0.0.1:7004@17004 master,fail - 0 0 3 connected 100
                """;
        assertThat(TargetWatch.masters(nodes)).containsExactly("127.0.0.1:7000", "127.0.0.1:7001");
    }
}
