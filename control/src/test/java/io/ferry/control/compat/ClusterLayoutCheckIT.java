package io.ferry.control.compat;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster layout findings against real servers: a single server moving into a three-master cluster,
 * and a three-master cluster moving into a two-master one. The slot map of each side, the hash tags of a
 * sample of the source's keys (from every master of a clustered source) and a hot slot are reported;
 * none of it blocks, nor does the cluster-mode finding.
 */
class ClusterLayoutCheckIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static RedisCluster three;
    private static RedisCluster two;
    private static RedisClusterClient client;

    @BeforeAll
    static void start() {
        three = RedisCluster.start(redis, "three", 3, 0);
        two = RedisCluster.start(redis, "two", 2, 0);
        client = RedisClusterClient.create(RedisURI.create(three.seedUri()));
    }

    @AfterAll
    static void stop() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static CompatibilityReport check(String source, String target) {
        return CompatibilityChecks.standard()
                .run(
                        RedisEndpoint.of("source", source),
                        RedisEndpoint.of("target", target),
                        CheckContext.Plan.DEFAULTS);
    }

    @Test
    void aSingleServerIntoAClusterIsWarnedOfCrossSlotCommandsAndItsHotTag() throws Exception {
        RedisServer single = redis.start("single");
        RedisClient plain = RedisClient.create();
        try (StatefulRedisConnection<String, String> connection = plain.connect(RedisURI.create(single.uri()))) {
            connection
                    .sync()
                    .eval(
                            "for i = 1, 500 do redis.call('SET', 'plain:' .. i, i) end "
                                    + "for i = 1, 300 do redis.call('SET', '{cart:1}:item:' .. i, i) end "
                                    + "for i = 1, 50 do redis.call('SET', '{user:7}:' .. i, i) end "
                                    + "for i = 1, 20 do redis.call('SET', '{user:8}:' .. i, i) end "
                                    + "redis.call('SET', 'empty{}tag', 1)",
                            ScriptOutputType.STATUS);
        } finally {
            plain.shutdown();
        }

        CompatibilityReport report = check(single.uri(), three.seedUri());

        assertThat(report.of(ClusterModeCheck.ID)).singleElement().satisfies(f -> {
            assertThat(f.blocking()).isFalse();
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.remedy()).contains("across slots");
        });
        assertThat(report.of(ClusterLayoutCheck.SLOTS)).singleElement().satisfies(f -> {
            assertThat(f.blocking()).isFalse();
            assertThat(f.summary()).contains("a single server -> 3 shards");
            for (RedisServer master : three.masters()) {
                var slots = three.slotsOf(master);
                assertThat(f.summary())
                        .contains("127.0.0.1:" + master.port() + " slots " + slots.first() + "-" + slots.last() + " ("
                                + slots.size() + ")");
            }
        });
        assertThat(report.of(ClusterLayoutCheck.HASH_TAGS)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.blocking()).isFalse();
            assertThat(f.summary())
                    .contains("370 of 871 sampled source keys (42.5%) use hash tags, in 3 tags")
                    .contains("biggest: {cart:1} 300 keys, {user:7} 50 keys, {user:8} 20 keys")
                    .contains("whatever the shard count");
            assertThat(f.remedy()).contains("CROSSSLOT");
        });
        int slot = RedisCluster.slot("{cart:1}");
        RedisServer owner = three.ownerOf(slot);
        assertThat(report.of(ClusterLayoutCheck.HOT_SLOT)).singleElement().satisfies(f -> {
            assertThat(f.blocking()).isFalse();
            assertThat(f.summary())
                    .contains("slot " + slot + " holds 34.4% of the sampled source keys (tag {cart:1})")
                    .contains("served by 127.0.0.1:" + owner.port() + " alone")
                    .contains("an even share over 3 masters is 33.3%");
        });
    }

    @Test
    void aThreeShardClusterIntoATwoShardOneIsSampledOnEveryMaster() throws Exception {
        RedisAdvancedClusterCommands<String, String> source = client.connect().sync();
        source.flushall();
        for (int i = 0; i < 900; i++) {
            source.set("key:" + i, "v");
        }
        for (int i = 0; i < 30; i++) {
            source.set("{session:" + (i % 3) + "}:" + i, "v");
        }

        CompatibilityReport report = check(three.seedUri(), two.seedUri());

        assertThat(report.of(ClusterModeCheck.ID)).singleElement().satisfies(f -> {
            assertThat(f.summary()).contains("both sides are Redis Clusters");
            assertThat(f.blocking()).isFalse();
        });
        assertThat(report.of(ClusterLayoutCheck.SLOTS)).singleElement().satisfies(f -> {
            assertThat(f.summary()).contains("3 shards -> 2 shards");
            for (RedisServer master : two.masters()) {
                assertThat(f.summary()).contains("127.0.0.1:" + master.port() + " slots ");
            }
        });
        assertThat(report.of(ClusterLayoutCheck.HASH_TAGS)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.summary())
                    .contains("30 of 930 sampled source keys (3.2%) use hash tags, in 3 tags")
                    .contains("from 3 masters");
        });
        assertThat(report.of(ClusterLayoutCheck.HOT_SLOT)).isEmpty();

        // A caller that reaches the seed node alone says so.
        RedisClient plain = RedisClient.create();
        try (StatefulRedisConnection<byte[], byte[]> seed =
                        plain.connect(ByteArrayCodec.INSTANCE, RedisURI.create(three.seedUri()));
                StatefulRedisConnection<byte[], byte[]> target =
                        plain.connect(ByteArrayCodec.INSTANCE, RedisURI.create(two.seedUri()))) {
            CompatibilityReport seedOnly = new CompatibilityChecks(java.util.List.of(new ClusterLayoutCheck()))
                    .run(new CheckContext(
                            ServerSurvey.of(seed), ServerSurvey.of(target), seed, target, CheckContext.Plan.DEFAULTS));
            assertThat(seedOnly.of(ClusterLayoutCheck.HASH_TAGS))
                    .singleElement()
                    .satisfies(f -> assertThat(f.summary()).contains("from the seed node alone (1 of 3 masters)"));
        } finally {
            plain.shutdown();
        }
    }

    @Test
    void twoSingleServersGetNoClusterFindings() {
        RedisServer a = redis.start("a");
        RedisServer b = redis.start("b");

        CompatibilityReport report = check(a.uri(), b.uri());

        assertThat(report.of(ClusterLayoutCheck.SLOTS)).isEmpty();
        assertThat(report.of(ClusterLayoutCheck.HASH_TAGS)).isEmpty();
        assertThat(report.of(ClusterLayoutCheck.HOT_SLOT)).isEmpty();
    }
}
