package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster's topology changing under a copy (real redis-servers joined by the testkit's RedisCluster, each
 * master with a replica): a master failed over to its replica and slots moved to another master while the
 * throttled copy runs, on the target and on the source. Every key arrives, equal in value and expiry, none is
 * reported failed, and the target holds each key once (the masters' key counts add up to the source's).
 */
class ClusterTopologyIT {
    /** Keys with no hash tag, spread over every slot. */
    private static final int PLAIN = 8_000;
    /** Hash tags whose slots are moved mid-copy, each with this many keys. */
    private static final List<String> TAGS = List.of("{moved-a}", "{moved-b}", "{moved-c}");

    private static final int PER_TAG = 500;
    private static final int KEYS = PLAIN + TAGS.size() * PER_TAG;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void aTargetMasterFailedOverAndSlotsMovedMidCopyLoseNoKey() throws Exception {
        RedisServer source = redis.start("topology-source");
        RedisCluster target = RedisCluster.start(redis, "topology-target", 3, 1);
        RedisClient sourceClient = RedisClient.create(source.uri());
        try (StatefulRedisConnection<byte[], byte[]> from = sourceClient.connect(ByteArrayCodec.INSTANCE)) {
            fill(from.async());
            CopyRun.Outcome outcome = copyWhileTheTopologyChanges(
                    "into-changing", RedisEndpoint.of("source", source.uri()), target.seedUri(), target, false);
            assertThat(outcome.totals().copied()).isEqualTo(KEYS);
            assertArrived(from.async(), target);
        } finally {
            sourceClient.shutdown();
        }
    }

    /**
     * The source changes while its masters are being scanned: the change runs inside the copy's progress callback,
     * which a scanner thread calls between SCAN pages (every scanner waits for it there), so each master is part-way
     * through its scan when one of them is failed over and three slots move. The demoted master's slots and the moved
     * ones are scanned again on their new masters (more keys scanned than the source holds), and every key arrives in
     * a two-master cluster.
     */
    @Test
    void aSourceMasterFailedOverAndSlotsMovedMidScanLoseNoKey() throws Exception {
        RedisCluster source = RedisCluster.start(redis, "moving-source", 3, 1);
        RedisCluster target = RedisCluster.start(redis, "moving-target", 2, 0);
        RedisClusterClient sourceClient = RedisClusterClient.create(RedisURI.create(source.seedUri()));
        try (StatefulRedisClusterConnection<byte[], byte[]> from = sourceClient.connect(ByteArrayCodec.INSTANCE)) {
            fill(from.async());
            CopyRun.Outcome outcome = copyWhileTheTopologyChanges(
                    "from-changing", RedisEndpoint.of("source", source.seedUri()), target.seedUri(), source, true);
            assertThat(outcome.totals().scanned())
                    .as("keys scanned, some twice: the slots that moved or failed over")
                    .isGreaterThan(KEYS);
            assertThat(outcome.totals().copied()).isGreaterThanOrEqualTo(KEYS);
            assertArrived(from.async(), target);
        } finally {
            sourceClient.shutdown();
        }
    }

    /**
     * A copy stopped part-way through its scan of a cluster source (every master has published a page), three slots
     * moved while no copy runs, then the copy run again with the same run id: it resumes each master's scan from its
     * checkpoint, sees from the checkpointed slots of each master that the moved slots changed hands since the scans
     * began, scans them again on their new masters, and every key arrives.
     */
    @Test
    void aCopyResumedAfterSlotsMovedWhileItWasStoppedLosesNoKey() throws Exception {
        RedisCluster source = RedisCluster.start(redis, "resumed-source", 3, 0);
        RedisCluster target = RedisCluster.start(redis, "resumed-target", 2, 0);
        RedisClusterClient sourceClient = RedisClusterClient.create(RedisURI.create(source.seedUri()));
        try (StatefulRedisClusterConnection<byte[], byte[]> from = sourceClient.connect(ByteArrayCodec.INSTANCE)) {
            fill(from.async());
            String prefix = kafka.uniqueName("resumed");
            CopyRun.Options options = new CopyRun.Options(
                    "resumed",
                    RedisEndpoint.of("source", source.seedUri()),
                    RedisEndpoint.of("target", target.seedUri()),
                    kafka.clientConfig(),
                    prefix,
                    new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 200, 200),
                    CopyOptions.DEFAULTS,
                    2);
            CopyRun first = new CopyRun(options, new SimpleMeterRegistry());
            // Stopped between pages once about a page per master is published.
            CopyRun.Outcome stopped = first.run(Duration.ZERO, totals -> {
                if (Thread.currentThread().getName().startsWith("ferry-scanner") && totals.scanned() >= 600) {
                    first.stop();
                }
            });
            assertThat(stopped.complete()).isFalse();
            assertThat(stopped.totals().scanned()).isBetween(600L, KEYS - 1L);

            List<RedisServer> masters = source.masters();
            for (String tag : TAGS) {
                int slot = RedisCluster.slot(tag);
                RedisServer owner = source.ownerOf(slot);
                source.moveSlots(owner, masters.get((masters.indexOf(owner) + 1) % masters.size()), slot);
            }

            CopyRun.Outcome resumed =
                    new CopyRun(options, new SimpleMeterRegistry()).run(Duration.ofMillis(100), totals -> {});
            assertThat(resumed.complete()).isTrue();
            assertThat(resumed.totals().failed()).isZero();
            assertThat(resumed.totals().scanned())
                    .as("keys scanned, the moved slots' twice")
                    .isGreaterThan(KEYS);
            assertArrived(from.async(), target);
        } finally {
            sourceClient.shutdown();
        }
    }

    /**
     * Copies into {@code targetUri}; fails over {@code changing}'s first master and moves each tag's slot to the next
     * master once 1,000 keys are copied, on a thread of its own, with the copy throttled to 1,500 keys/s (about 6 s)
     * meanwhile; or, {@code duringScan}, on a scanner's first progress callback (on that thread, holding up the scan,
     * with no throttle: the change happens before the scan ends whatever the copy's pace); checks the
     * change was done before the copy ended, and that the copy completed with no key failed.
     */
    private static CopyRun.Outcome copyWhileTheTopologyChanges(
            String runId, RedisEndpoint sourceEndpoint, String targetUri, RedisCluster changing, boolean duringScan)
            throws InterruptedException {
        CopyRun.Options options = new CopyRun.Options(
                runId,
                sourceEndpoint,
                RedisEndpoint.of("target", targetUri),
                kafka.clientConfig(),
                kafka.uniqueName(runId),
                // Pages of 200 keys: every master takes several, so the change finds each part-way through.
                new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 200, 200),
                CopyOptions.DEFAULTS,
                2,
                false,
                Duration.ofSeconds(1),
                duringScan ? null : new Throttle.Options(Duration.ofSeconds(1), 10_000, 1_500, 100));
        AtomicLong copied = new AtomicLong();
        AtomicLong copiedWhenChanged = new AtomicLong(-1);
        AtomicReference<Throwable> changeFailed = new AtomicReference<>();
        AtomicBoolean started = new AtomicBoolean();
        Thread change = new Thread(() -> {
            try {
                changing.failover(changing.masters().get(0));
                List<RedisServer> masters = changing.masters();
                for (String tag : TAGS) {
                    int slot = RedisCluster.slot(tag);
                    RedisServer from = changing.ownerOf(slot);
                    changing.moveSlots(from, masters.get((masters.indexOf(from) + 1) % masters.size()), slot);
                }
                copiedWhenChanged.set(copied.get());
            } catch (Throwable e) {
                changeFailed.set(e);
            }
        });
        CopyRun.Outcome outcome = new CopyRun(options, new SimpleMeterRegistry())
                .run(duringScan ? Duration.ZERO : Duration.ofMillis(100), totals -> {
                    copied.set(totals.copied());
                    if (duringScan) {
                        if (Thread.currentThread().getName().startsWith("ferry-scanner")
                                && started.compareAndSet(false, true)) {
                            change.run();
                        }
                    } else if (totals.copied() >= 1_000 && started.compareAndSet(false, true)) {
                        change.start();
                    }
                });
        if (!duringScan) {
            change.join(60_000);
        }

        assertThat(changeFailed.get()).as("the topology change").isNull();
        assertThat(started).isTrue();
        assertThat(copiedWhenChanged.get())
                .as("keys copied when the failover and the slot moves were done")
                .isBetween(0L, KEYS - 1L);
        assertThat(outcome.complete()).isTrue();
        assertThat(outcome.totals().failed()).isZero();
        return outcome;
    }

    /** Every key: plain ones of every type, tagged ones of the slots to move; a third with an expiry. */
    private static void fill(RedisClusterAsyncCommands<byte[], byte[]> redis) throws Exception {
        List<RedisFuture<?>> pending = new ArrayList<>();
        List<String> keys = keys();
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = bytes(keys.get(i));
            byte[] value = bytes("value-" + i);
            switch (i % 4) {
                case 0 -> pending.add(redis.set(key, value));
                case 1 -> pending.add(redis.rpush(key, bytes("a"), value));
                case 2 -> pending.add(redis.sadd(key, bytes("7"), bytes(String.valueOf(i))));
                default -> pending.add(redis.hset(key, bytes("f"), value));
            }
            if (i % 3 == 0) {
                pending.add(redis.pexpire(key, 3_600_000L + i));
            }
            if (pending.size() >= 5_000) {
                awaitAll(pending);
            }
        }
        awaitAll(pending);
    }

    /**
     * Every key on the cluster equal to the source's (DUMP payload and absolute expiry), and no key twice: the
     * masters' key counts add up to the keys written.
     */
    private static void assertArrived(RedisClusterAsyncCommands<byte[], byte[]> from, RedisCluster to)
            throws Exception {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(to.seedUri()));
        try (StatefulRedisClusterConnection<byte[], byte[]> cluster = client.connect(ByteArrayCodec.INSTANCE)) {
            List<String> keys = keys();
            for (int start = 0; start < keys.size(); start += 2_000) {
                List<String> slice = keys.subList(start, Math.min(keys.size(), start + 2_000));
                List<RedisFuture<byte[]>> sourceDumps = new ArrayList<>();
                List<RedisFuture<byte[]>> targetDumps = new ArrayList<>();
                List<RedisFuture<Long>> sourceExpiry = new ArrayList<>();
                List<RedisFuture<Long>> targetExpiry = new ArrayList<>();
                for (String key : slice) {
                    sourceDumps.add(from.dump(bytes(key)));
                    targetDumps.add(cluster.async().dump(bytes(key)));
                    sourceExpiry.add(from.pexpiretime(bytes(key)));
                    targetExpiry.add(cluster.async().pexpiretime(bytes(key)));
                }
                for (int i = 0; i < slice.size(); i++) {
                    byte[] sourceDump = sourceDumps.get(i).get(30, TimeUnit.SECONDS);
                    assertThat(sourceDump).as("%s on the source", slice.get(i)).isNotNull();
                    assertThat(targetDumps.get(i).get(30, TimeUnit.SECONDS))
                            .as("%s on the target", slice.get(i))
                            .isEqualTo(sourceDump);
                    long expiry = sourceExpiry.get(i).get(30, TimeUnit.SECONDS);
                    // Ferry's RESTORE carries the exact absolute expiry; a slot move's MIGRATE a relative one, which
                    // can come out a millisecond or so later on the new owner.
                    long tolerance = slice.get(i).startsWith("{moved-") ? 5 : 0;
                    assertThat(targetExpiry.get(i).get(30, TimeUnit.SECONDS))
                            .as("expiry of %s", slice.get(i))
                            .isBetween(expiry, expiry < 0 ? expiry : expiry + tolerance);
                }
            }
        } finally {
            client.shutdown();
        }
        long held = 0;
        for (RedisServer master : to.masters()) {
            held += Long.parseLong(master.command("DBSIZE").substring(1));
        }
        assertThat(held).as("keys held by the masters of %s", to).isEqualTo(KEYS);
    }

    private static List<String> keys() {
        List<String> keys = new ArrayList<>(KEYS);
        for (int i = 0; i < PLAIN; i++) {
            keys.add("key:" + i);
        }
        for (String tag : TAGS) {
            for (int i = 0; i < PER_TAG; i++) {
                keys.add(tag + ":" + i);
            }
        }
        return keys;
    }

    private static void awaitAll(List<RedisFuture<?>> pending) throws Exception {
        for (RedisFuture<?> future : pending) {
            future.get(30, TimeUnit.SECONDS);
        }
        pending.clear();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
