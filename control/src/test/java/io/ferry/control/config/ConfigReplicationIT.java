package io.ferry.control.config;

import io.ferry.control.compat.ServerSurvey;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** Configuration replication between real redis-servers: the diff, an approved subset applied, refusals. */
class ConfigReplicationIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static final RedisClient client = RedisClient.create();

    @AfterAll
    static void shutdown() {
        client.shutdown();
    }

    private static StatefulRedisConnection<byte[], byte[]> connect(RedisServer server) {
        return client.connect(ByteArrayCodec.INSTANCE, RedisURI.create(server.uri()));
    }

    @Test
    void theDiffShowsWhatDiffersAndOnlyTheApprovedPartIsApplied() throws Exception {
        RedisServer source = redis.start(
                "config-source",
                "--maxmemory-policy",
                "allkeys-lfu",
                "--notify-keyspace-events",
                "Ex",
                "--hash-max-listpack-entries",
                "256",
                "--timeout",
                "300");
        RedisServer target = redis.start("config-target");
        try (StatefulRedisConnection<byte[], byte[]> src = connect(source);
                StatefulRedisConnection<byte[], byte[]> dst = connect(target)) {
            List<ConfigProposal> proposals = ConfigReplication.propose(ServerSurvey.of(src), ServerSurvey.of(dst));

            assertThat(proposals.stream().filter(ConfigProposal::proposed))
                    .extracting(ConfigProposal::name, ConfigProposal::targetValue, ConfigProposal::sourceValue)
                    .containsExactlyInAnyOrder(
                            tuple("maxmemory-policy", "noeviction", "allkeys-lfu"),
                            tuple("notify-keyspace-events", "", "xE"),
                            tuple("hash-max-listpack-entries", "512", "256"),
                            tuple("timeout", "0", "300"));
            Map<String, ConfigProposal> byName =
                    proposals.stream().collect(Collectors.toMap(ConfigProposal::name, Function.identity()));
            assertThat(byName.get("maxmemory").status()).isEqualTo(ConfigProposal.Status.SAME);
            // Redis 7.0 has no listpack sets (7.2): the source does not know the parameter.
            assertThat(byName.get("set-max-listpack-entries").status()).isEqualTo(ConfigProposal.Status.NOT_ON_SOURCE);
            assertThat(ConfigReplication.diff(proposals))
                    .contains("maxmemory-policy  (what is evicted when full")
                    .contains("  - 'noeviction'\n  + 'allkeys-lfu'")
                    .doesNotContain("maxmemory-samples");

            List<ConfigOutcome> outcomes = ConfigReplication.apply(
                    dst, proposals, List.of("maxmemory-policy", "notify-keyspace-events", "hash-max-listpack-entries"));

            assertThat(outcomes)
                    .extracting(ConfigOutcome::name, ConfigOutcome::result)
                    .containsExactlyInAnyOrder(
                            tuple("maxmemory-policy", ConfigOutcome.Result.APPLIED),
                            tuple("notify-keyspace-events", ConfigOutcome.Result.APPLIED),
                            tuple("hash-max-listpack-entries", ConfigOutcome.Result.APPLIED));
            Map<String, String> now = dst.sync().configGet("maxmemory-policy", "hash-max-listpack-entries", "timeout");
            assertThat(now)
                    .containsEntry("maxmemory-policy", "allkeys-lfu")
                    .containsEntry("hash-max-listpack-entries", "256")
                    .as("not approved, not changed")
                    .containsEntry("timeout", "0");
            List<ConfigProposal> again = ConfigReplication.propose(ServerSurvey.of(src), ServerSurvey.of(dst));
            assertThat(again.stream().filter(ConfigProposal::proposed))
                    .extracting(ConfigProposal::name)
                    .containsExactly("timeout");
        }
    }

    @Test
    void aTargetWithoutConfigGetsProposalsAndSaysWhatItRefused() throws Exception {
        RedisServer source = redis.start("config-source-2", "--maxmemory-policy", "volatile-ttl");
        RedisServer managed = redis.start("config-managed", "--rename-command", "CONFIG", "\"\"");
        try (StatefulRedisConnection<byte[], byte[]> src = connect(source);
                StatefulRedisConnection<byte[], byte[]> dst = connect(managed)) {
            ServerSurvey target = ServerSurvey.of(dst);
            assertThat(target.configReadable()).isFalse();
            List<ConfigProposal> proposals = ConfigReplication.propose(ServerSurvey.of(src), target);
            ConfigProposal policy = proposals.stream()
                    .filter(p -> p.name().equals("maxmemory-policy"))
                    .findFirst()
                    .orElseThrow();
            assertThat(policy.status()).isEqualTo(ConfigProposal.Status.TARGET_UNREADABLE);
            assertThat(ConfigReplication.diff(proposals)).contains("  - (not readable)\n  + 'volatile-ttl'");

            List<ConfigOutcome> outcomes = ConfigReplication.apply(dst, proposals, List.of("maxmemory-policy"));

            assertThat(outcomes).singleElement().satisfies(o -> {
                assertThat(o.result()).isEqualTo(ConfigOutcome.Result.REFUSED);
                assertThat(o.message()).containsIgnoringCase("unknown command");
            });
        }
    }
}
