package io.ferry.control.compat;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The compatibility checks against real redis-servers set up the way operators meet them. */
class CompatibilityChecksIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static void fill(RedisServer server) throws Exception {
        server.command("SET s v");
        server.command("RPUSH l a b");
        server.command("SADD set a b");
        server.command("ZADD z 1 a");
        server.command("HSET h f v");
        server.command("XADD x * f v");
    }

    private static CompatibilityReport check(RedisServer source, String targetUri, CheckContext.Plan plan) {
        return CompatibilityChecks.standard()
                .run(RedisEndpoint.of("source", source.uri()), RedisEndpoint.of("target", targetUri), plan);
    }

    @Test
    void aCleanPairHasNothingBlockingAndTheTargetTookEveryTypeForReal() throws Exception {
        RedisServer source = redis.start("clean-source");
        RedisServer target = redis.start("clean-target");
        fill(source);

        CompatibilityReport report = check(source, target.uri(), CheckContext.Plan.DEFAULTS);

        assertThat(report.blocked()).as(report.findings().toString()).isFalse();
        assertThat(report.of(DumpPayloadCheck.ID)).singleElement().satisfies(f -> assertThat(f.summary())
                .contains("accepted")
                .contains("string, list, set, zset, hash, stream"));
        assertThat(report.of(AclCheck.ID)).isEmpty();
        assertThat(report.of(TargetDataCheck.EMPTY)).isEmpty();
        // The probe left nothing behind on the target.
        assertThat(target.command("DBSIZE")).isEqualTo(":0");
    }

    @Test
    void whatAnOperatorMustFixOrAcknowledgeIsFound() throws Exception {
        RedisServer source = redis.start("busy-source", "--notify-keyspace-events", "KEA");
        RedisServer target = redis.start(
                "small-target", "--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru", "--databases", "3");
        fill(source);
        // About 4 MB of data on the source, in database 5 as well.
        source.command("DEBUG POPULATE 20000 big 200");
        source.command("SELECT 5");
        try (var connection = RedisClient.create().connect(RedisURI.create(source.uri() + "/5"))) {
            connection.sync().set("in-db-5", "v");
        }
        target.command("SET already-here 1");

        CompatibilityReport report =
                check(source, target.uri(), new CheckContext.Plan(OptionalInt.of(0), ConflictPolicy.NONE, 1.25));

        assertThat(report.blocked()).isTrue();
        assertThat(report.blocking())
                .extracting(Finding::check)
                .containsExactlyInAnyOrder(MemoryCheck.ID, TargetDataCheck.DATABASES, "interlays");
        assertThat(report.of(MemoryCheck.ID).get(0).summary()).contains("headroom needs");
        assertThat(report.of(TargetDataCheck.DATABASES).get(0).summary())
                .contains("database 5")
                .contains("3 databases");
        assertThat(report.of(TargetDataCheck.EMPTY)).singleElement().satisfies(f -> {
            assertThat(f.blocking()).isFalse();
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.summary()).contains("1 keys").contains("skips");
        });
        assertThat(report.of(MemoryCheck.EVICTION))
                .singleElement()
                .satisfies(f -> assertThat(f.summary()).contains("noeviction").contains("allkeys-lru"));
        assertThat(report.of(KeyspaceNotificationsCheck.ID))
                .singleElement()
                .satisfies(f -> assertThat(f.summary()).contains("'AKE'").contains("''"));
        // The most severe first.
        assertThat(report.findings().get(0).blocking()).isTrue();
    }

    @Test
    void aTargetUserWithoutRestoreIsFoundByAclDryrunAndByTheProbe() throws Exception {
        RedisServer source = redis.start("acl-source");
        RedisServer target = redis.start("acl-target");
        fill(source);
        target.command("ACL SETUSER reader on >pa55word ~* +@read +@connection +info +acl|dryrun +acl|whoami "
                + "+scan +memory|usage +config|get +module|list");
        String targetUri = "redis://reader:pa55word@" + target.host() + ":" + target.port();

        CompatibilityReport report = check(source, targetUri, CheckContext.Plan.DEFAULTS);

        assertThat(report.of(AclCheck.ID)).singleElement().satisfies(f -> {
            assertThat(f.blocking()).isTrue();
            assertThat(f.summary())
                    .contains("target's user 'reader'")
                    .contains("RESTORE")
                    .contains("DEL")
                    .doesNotContain("EXISTS <key> (");
            assertThat(f.toString()).doesNotContain("pa55word");
        });
        assertThat(report.of(DumpPayloadCheck.ID)).isNotEmpty().allSatisfy(f -> {
            assertThat(f.blocking()).isTrue();
            assertThat(f.summary()).contains("NOPERM");
            assertThat(f.remedy()).contains("RESTORE");
        });
    }

    @Test
    void versionsClusterModesAndModulesAreJudgedFromTheSurveys() throws Exception {
        RedisServer server = redis.start("survey-only");
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<byte[], byte[]> connection =
                client.connect(ByteArrayCodec.INSTANCE, RedisURI.create(server.uri()))) {
            ServerSurvey old = survey("4.0.14", List.of(), Map.of("ReJSON", "20008"));
            ServerSurvey clustered = survey("7.0.15", List.of("10.0.0.1:6379", "10.0.0.2:6379"), Map.of());
            CheckContext context = new CheckContext(
                    old,
                    clustered,
                    connection,
                    connection,
                    new CheckContext.Plan(OptionalInt.of(1), ConflictPolicy.REPLACE, 1.25));

            CompatibilityReport report = new CompatibilityChecks(
                            List.of(new SourceVersionCheck(), new ClusterModeCheck(), new ModulesCheck()))
                    .run(context);

            assertThat(report.blocking())
                    .extracting(Finding::check)
                    .containsExactlyInAnyOrder(SourceVersionCheck.ID, ModulesCheck.ID);
            assertThat(report.of(SourceVersionCheck.ID).get(0).summary())
                    .contains("4.0.14")
                    .contains("below 5.0");
            assertThat(report.of(ModulesCheck.ID).get(0).summary()).contains("ReJSON");
            assertThat(report.of(ClusterModeCheck.ID).get(0).summary())
                    .contains("standalone")
                    .contains("Redis Cluster");

            // A clustered source exposing two masters behind one interlay.
            CompatibilityReport interlays = new CompatibilityChecks(List.of(new ClusterModeCheck()))
                    .run(new CheckContext(
                            clustered,
                            clustered,
                            connection,
                            connection,
                            new CheckContext.Plan(OptionalInt.of(1), ConflictPolicy.REPLACE, 1.25)));
            assertThat(interlays.of("interlays")).singleElement().satisfies(f -> {
                assertThat(f.blocking()).isFalse();
                assertThat(f.summary()).contains("one listener per node").contains("2 masters");
            });
            // No interlay at all: nothing for the applications to connect to.
            CompatibilityReport none = new CompatibilityChecks(List.of(new ClusterModeCheck()))
                    .run(new CheckContext(
                            clustered,
                            clustered,
                            connection,
                            connection,
                            new CheckContext.Plan(OptionalInt.of(0), ConflictPolicy.REPLACE, 1.25)));
            assertThat(none.blocking()).extracting(Finding::check).containsExactly("interlays");
        } finally {
            client.shutdown();
        }
    }

    private static ServerSurvey survey(String version, List<String> masters, Map<String, String> modules) {
        return new ServerSurvey(
                new ServerFacts(version, ServerFacts.DEFAULT_PROTO_MAX_BULK_LEN, Map.of(0, 10L), masters),
                Map.of("used_memory", "1000000"),
                true,
                Map.of("maxmemory", "0", "maxmemory-policy", "noeviction", "notify-keyspace-events", ""),
                true,
                modules,
                "default");
    }
}
