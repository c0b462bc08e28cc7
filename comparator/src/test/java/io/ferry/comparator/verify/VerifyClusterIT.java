package io.ferry.comparator.verify;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ferry verify}'s engine between two real Redis Clusters of different shapes (three masters against
 * two): every master of the source is walked, each key read from the node serving its slot on either side,
 * and a slot moved on the target between two runs changes nothing but where the keys are read.
 */
class VerifyClusterIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static RedisCluster source;
    private static RedisCluster target;
    private static RedisClusterClient sourceClient;
    private static RedisClusterClient targetClient;
    private static RedisAdvancedClusterCommands<String, String> src;
    private static RedisAdvancedClusterCommands<String, String> dst;

    private static final VerifyOptions FAST =
            VerifyOptions.DEFAULTS.withRounds(2, Duration.ofMillis(50)).withSampleSize(100);

    @BeforeAll
    static void start() {
        source = RedisCluster.start(redis, "source", 3, 0);
        target = RedisCluster.start(redis, "target", 2, 0);
        sourceClient = RedisClusterClient.create(RedisURI.create(source.seedUri()));
        targetClient = RedisClusterClient.create(RedisURI.create(target.seedUri()));
        src = sourceClient.connect().sync();
        dst = targetClient.connect().sync();
    }

    @AfterAll
    static void stop() {
        sourceClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        targetClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static VerifyReport verify(VerifyOptions options, Path state) throws Exception {
        List<Mismatch> confirmed = new ArrayList<>();
        return new VerifyRun(
                        RedisEndpoint.of("source", source.seedUri()),
                        RedisEndpoint.of("target", target.seedUri()),
                        List.of(),
                        options,
                        null,
                        state,
                        new SimpleMeterRegistry(),
                        confirmed::add)
                .run();
    }

    /** Keys of every type on both clusters, written alike; big ones compared in chunks. */
    private static void sameOnBoth() {
        for (RedisAdvancedClusterCommands<String, String> side : List.of(src, dst)) {
            side.flushall();
            for (int i = 0; i < 400; i++) {
                side.set("string:" + i, "value-" + i);
                if (i % 4 == 0) {
                    side.hset("{tenant:" + (i % 3) + "}:hash:" + i, Map.of("a", "1", "b", "value-" + i));
                    side.rpush("list:" + i, "x", "y", "z" + i);
                    side.sadd("set:" + i, "m1", "m2", "m" + i);
                    side.zadd("zset:" + i, 1.5, "a", 2.5, "b" + i);
                }
            }
            for (int i = 0; i < 2_000; i++) {
                side.sadd("bigset", "member-" + i);
            }
            side.pexpireat("string:1", 4_102_444_800_000L);
        }
    }

    @Test
    void clustersOfDifferentShapesAreComparedKeyByKeyAndASlotMoveChangesNothing(@TempDir Path state) throws Exception {
        sameOnBoth();
        long keys = src.dbsize();

        VerifyReport equal = verify(FAST.withFindExtra(true).withBigKeys(16 << 10, 100, 1 << 20), null);

        assertThat(equal.exitStatus()).isEqualTo(VerifyReport.EQUAL);
        assertThat(equal.checked()).isEqualTo(keys);
        assertThat(equal.count(Verdict.EQUAL)).isEqualTo(keys);

        int slot = RedisCluster.slot("{tenant:1}");
        var from = target.ownerOf(slot);
        var to = target.masters().stream()
                .filter(m -> !m.equals(from))
                .findFirst()
                .orElseThrow();
        target.moveSlots(from, to, slot);
        dst.hset("{tenant:1}:hash:4", "b", "changed");
        dst.del("list:8");
        dst.srem("bigset", "member-1999");
        dst.set("extra", "only on the target");

        VerifyReport different = verify(FAST.withFindExtra(true), state);

        assertThat(different.exitStatus()).isEqualTo(VerifyReport.DIFFERENT);
        assertThat(different.checked()).isEqualTo(keys);
        assertThat(different.confirmed().get(Verdict.VALUE)).isEqualTo(2L);
        assertThat(different.confirmed().get(Verdict.MISSING)).isEqualTo(1L);
        assertThat(different.confirmed().get(Verdict.EXTRA)).isEqualTo(1L);
        assertThat(different.samples().get(Verdict.VALUE))
                .extracting(Mismatch::keyText)
                .containsExactlyInAnyOrder("\"{tenant:1}:hash:4\"", "\"bigset\"");
        assertThat(different.samples().get(Verdict.MISSING))
                .extracting(Mismatch::keyText)
                .containsExactly("\"list:8\"");
        assertThat(different.samples().get(Verdict.EXTRA))
                .extracting(Mismatch::keyText)
                .containsExactly("\"extra\"");
    }
}
