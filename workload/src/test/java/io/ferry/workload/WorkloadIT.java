package io.ferry.workload;

import io.ferry.settings.RedisUri;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The workload against a real redis-server, then the checker: the server against itself (every acknowledged write
 * there, nothing lost), and against a replica-made copy in which one key was changed and one deleted (both reported
 * as divergent and as lost acknowledged writes).
 */
class WorkloadIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @Test
    void theHistoryProvesEveryAcknowledgedWriteAndACopyMissingSomeIsCaught(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("workload-source");
        source.command("SET other:big " + "x".repeat(3000));
        source.command("SET other:ttl v EX 3600");
        source.command("RPUSH other:list a b c");
        Path history = dir.resolve("history");
        WorkloadOptions options = new WorkloadOptions(
                List.of(RedisUri.parse(source.uri())),
                4,
                2000,
                Duration.ofSeconds(4),
                history,
                700,
                "wl",
                Duration.ofSeconds(2),
                0.25);

        Workload.Summary summary = new Workload(options).run();

        // Enough writes to check the history by (not a throughput test: a loaded machine paces it down).
        assertThat(summary.acknowledged()).as(summary.describe()).isGreaterThan(500);
        assertThat(summary.failed()).as(summary.describe()).isZero();
        assertThat(summary.reads()).isGreaterThan(100);
        assertThat(summary.staleReads()).isZero();
        assertThat(Files.readAllLines(history)).hasSize((int) summary.acknowledged() + 1);

        try (Checker itself =
                new Checker(RedisUri.parse(source.uri()), RedisUri.parse(source.uri()), Checker.Options.DEFAULTS)) {
            CheckReport report = itself.run(history);
            assertThat(report.clean()).as(report.summary()).isTrue();
            assertThat(report.exitStatus()).isEqualTo(CheckReport.CLEAN);
            assertThat(report.keysCompared()).isGreaterThan(300);
            assertThat(report.bytesCompared()).isGreaterThan(3000);
            assertThat(report.historyAcknowledged()).isEqualTo(summary.acknowledged());
            assertThat(report.historyKeys()).isGreaterThan(300);
            assertThat(report.historyUndetermined()).isZero();
            assertThat(report.lostWrites()).isZero();
        }

        // A copy made by Redis's own replication, then one key changed and one deleted on it.
        RedisServer copy = redis.start("workload-copy", "--replicaof", "127.0.0.1", Integer.toString(source.port()));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> copy.info("master_link_status").equals("up")
                        && copy.command("DBSIZE").equals(source.command("DBSIZE")));
        copy.command("REPLICAOF NO ONE");
        String changed = firstKey(source, "wl:*:hash:*");
        String deleted = firstKey(source, "wl:*:ctr:*");
        assertThat(copy.command("HSET " + changed + " planted yes")).isEqualTo(":1");
        assertThat(copy.command("DEL " + deleted)).isEqualTo(":1");

        try (Checker againstCopy = new Checker(
                RedisUri.parse(source.uri()),
                RedisUri.parse(copy.uri()),
                Checker.Options.DEFAULTS.withRounds(2, Duration.ofMillis(100)))) {
            CheckReport report = againstCopy.run(history);
            assertThat(report.exitStatus()).as(report.summary()).isEqualTo(CheckReport.DIFFERENT);
            assertThat(report.divergent()).isEqualTo(2);
            assertThat(report.divergentSamples())
                    .extracting(CheckReport.Sample::key)
                    .containsExactlyInAnyOrder(changed, deleted);
            assertThat(report.divergentSamples())
                    .filteredOn(sample -> sample.key().equals(deleted))
                    .singleElement()
                    .extracting(CheckReport.Sample::what)
                    .asString()
                    .startsWith("missing on the target");
            assertThat(report.historyWrongKeys()).isEqualTo(2);
            assertThat(report.lostWrites()).isGreaterThanOrEqualTo(2);
            assertThat(report.lostSamples()).extracting(CheckReport.Sample::key).contains(changed, deleted);
            assertThat(report.summary()).contains("lost acknowledged writes: ").contains("result: DIFFERENT");
            Path json = dir.resolve("report.json");
            report.write(json);
            assertThat(Files.readString(json))
                    .contains("\"result\": \"DIFFERENT\"")
                    .contains(deleted);
        }
    }

    private static String firstKey(RedisServer server, String pattern) {
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            KeyScanCursor<String> cursor =
                    sync.scan(ScanArgs.Builder.matches(pattern).limit(1000));
            while (cursor.getKeys().isEmpty() && !cursor.isFinished()) {
                cursor = sync.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
            }
            assertThat(cursor.getKeys()).as("keys matching " + pattern).isNotEmpty();
            return cursor.getKeys().get(0);
        } finally {
            client.shutdown();
        }
    }
}
