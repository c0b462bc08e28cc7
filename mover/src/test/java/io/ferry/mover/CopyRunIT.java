package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.Checkpoint;
import io.ferry.schemas.Event;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole historical copy, scanner and workers joined through a real broker, between real servers. */
class CopyRunIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private static final int KEYS = 40_000;

    private CopyRun.Options options(String runId, String prefix, RedisServer source, RedisServer target) {
        return new CopyRun.Options(
                runId,
                RedisEndpoint.of("source", source.uri()),
                RedisEndpoint.of("target", target.uri()),
                kafka.clientConfig(),
                prefix,
                ScanOptions.DEFAULTS,
                CopyOptions.DEFAULTS,
                2);
    }

    @Test
    void fortyThousandKeysInTwoDatabasesArriveWithTheirExactExpiry() throws Exception {
        RedisServer source = redis.start("copy-source");
        RedisServer target = redis.start("copy-target");
        fill(source, 0, KEYS - 1_000);
        fill(source, 3, 1_000);

        String prefix = kafka.uniqueName("full");
        CopyRun.Outcome outcome = new CopyRun(options("full", prefix, source, target), new SimpleMeterRegistry())
                .run(Duration.ofSeconds(1), totals -> {});

        assertThat(outcome.complete()).isTrue();
        assertThat(outcome.totals().copied()).isEqualTo(KEYS);
        assertThat(outcome.totals().failed()).isZero();
        assertThat(outcome.totals().total()).isEqualTo(KEYS);
        // The workflow's events; the periodic stats.* figures of the copy interleave with them.
        List<Event> events = events(prefix).stream()
                .filter(event -> !event.getType().startsWith("stats."))
                .toList();
        assertThat(events).extracting(Event::getType).startsWith("copy.started").endsWith("copy.completed");
        Event completed = events.get(events.size() - 1);
        assertThat(completed.getRunId()).isEqualTo("full");
        assertThat(completed.getProgress().getDone()).isEqualTo(KEYS);
        assertThat(completed.getProgress().getTotal()).isEqualTo(KEYS);
        assertThat(completed.getProgress().getFailed()).isZero();
        assertSameData(source, target, 0);
        assertSameData(source, target, 3);
    }

    @Test
    void aStoppedCopyResumesFromItsCheckpointAndFinishes() throws Exception {
        RedisServer source = redis.start("resume-source");
        RedisServer target = redis.start("resume-target");
        fill(source, 0, 20_000);
        String prefix = kafka.uniqueName("resume");
        ScanOptions smallPages = new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 100, 100);
        CopyRun.Options first = withScan(options("resume", prefix, source, target), smallPages);
        CopyRun stopped = new CopyRun(first, new SimpleMeterRegistry());
        AtomicBoolean asked = new AtomicBoolean();
        CopyRun.Outcome partial = stopped.run(Duration.ofMillis(20), totals -> {
            if (totals.scanned() >= 2_000 && asked.compareAndSet(false, true)) {
                stopped.stop();
            }
        });
        assertThat(partial.complete()).isFalse();
        Optional<Checkpoint> saved;
        try (Checkpoints checkpoints = new Checkpoints(kafka.clientConfig(), registry(prefix))) {
            saved = checkpoints.load(Scanner.checkpointId("resume", "127.0.0.1:" + source.port(), 0));
        }
        assertThat(saved).isPresent();
        assertThat(saved.get().getComplete()).isFalse();
        long scannedBefore = saved.get().getCounters().get("keys");
        assertThat(scannedBefore).isBetween(2_000L, 19_999L);

        CopyRun.Outcome resumed =
                new CopyRun(first, new SimpleMeterRegistry()).run(Duration.ofSeconds(1), totals -> {});

        assertThat(resumed.complete()).isTrue();
        // The scan went on from the checkpoint: what the first run published is not scanned again.
        assertThat(resumed.totals().scanned()).isLessThan(20_000L + scannedBefore);
        assertSameData(source, target, 0);
    }

    @Test
    void aTargetRestartingMidCopyIsWaitedOutAndEveryKeyArrives() throws Exception {
        RedisServer source = redis.start("outage-source");
        RedisServer target = redis.start("outage-target");
        fill(source, 0, 10_000);
        String prefix = kafka.uniqueName("outage");
        CopyRun.Options plain = options("outage", prefix, source, target);
        // Slow enough that the target goes away mid-copy: about 4 s at 2,500 keys/s.
        CopyRun.Options slow = new CopyRun.Options(
                plain.runId(),
                plain.source(),
                plain.target(),
                plain.kafka(),
                plain.topicPrefix(),
                plain.scan(),
                plain.copy(),
                plain.workers(),
                false,
                Duration.ofSeconds(1),
                new Throttle.Options(Duration.ofSeconds(1), 10_000, 2_500, 100));
        AtomicBoolean restarted = new AtomicBoolean();
        AtomicLong copiedBefore = new AtomicLong();
        Thread restart = new Thread(() -> {
            // A clean stop (saving what it holds), 3 s with the port closed, then up again: every worker's
            // connections break and new ones are refused for far longer than a key's retries last.
            target.stop();
            sleep(3_000);
            target.restart();
        });
        CopyRun.Outcome outcome = new CopyRun(slow, new SimpleMeterRegistry()).run(Duration.ofMillis(100), totals -> {
            if (totals.copied() >= 2_500 && restarted.compareAndSet(false, true)) {
                copiedBefore.set(totals.copied());
                restart.start();
            }
        });
        restart.join(30_000);

        assertThat(restarted).isTrue();
        assertThat(copiedBefore.get()).isLessThan(10_000L);
        assertThat(outcome.complete()).isTrue();
        assertThat(outcome.totals().copied()).isEqualTo(10_000);
        assertThat(outcome.totals().failed()).isZero();
        assertSameData(source, target, 0);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every event published under {@code prefix}, in order (the run's events share a partition). */
    private static List<Event> events(String prefix) {
        String topic = registry(prefix).name(TypedTopic.EVENTS.topic());
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        List<Event> events = new ArrayList<>();
        try (KafkaConsumer<String, Event> consumer = new KafkaConsumer<>(
                config,
                TypedTopic.EVENTS.keySerde().deserializer(),
                TypedTopic.EVENTS.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> events.add(record.value()));
            }
        }
        return events;
    }

    private static TopicRegistry registry(String prefix) {
        return TopicRegistry.builder()
                .prefix(prefix)
                .replicationFactor((short) 1)
                .build();
    }

    private static CopyRun.Options withScan(CopyRun.Options options, ScanOptions scan) {
        return new CopyRun.Options(
                options.runId(),
                options.source(),
                options.target(),
                options.kafka(),
                options.topicPrefix(),
                scan,
                options.copy(),
                options.workers());
    }

    /** {@code count} keys of mixed types in {@code db}, a third of them with a TTL. */
    private static void fill(RedisServer server, int db, int count) throws Exception {
        try (StatefulRedisConnection<String, String> connection =
                RedisClient.create(server.uri()).connect()) {
            connection.sync().select(db);
            RedisAsyncCommands<String, String> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = "db" + db + ":key:" + i;
                switch (i % 5) {
                    case 0 -> pending.add(async.set(key, "value-" + i));
                    case 1 -> pending.add(async.rpush(key, "a", "b", String.valueOf(i)));
                    case 2 -> pending.add(async.sadd(key, "x", String.valueOf(i)));
                    case 3 -> pending.add(async.zadd(key, i, "m"));
                    default -> pending.add(async.hset(key, "f", String.valueOf(i)));
                }
                if (i % 3 == 0) {
                    pending.add(async.pexpire(key, 3_600_000L + i));
                }
                if (pending.size() >= 5_000) {
                    connection.flushCommands();
                    for (RedisFuture<?> future : pending) {
                        future.get(30, TimeUnit.SECONDS);
                    }
                    pending.clear();
                }
            }
            connection.flushCommands();
            for (RedisFuture<?> future : pending) {
                future.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A key's value as a comparable Java value: unordered types as sets. */
    private static Object contents(StatefulRedisConnection<byte[], byte[]> connection, byte[] key) {
        var redis = connection.sync();
        return switch (redis.type(key)) {
            case "string" -> new String(redis.get(key), StandardCharsets.UTF_8);
            case "list" ->
                redis.lrange(key, 0, -1).stream()
                        .map(b -> new String(b, StandardCharsets.UTF_8))
                        .toList();
            case "set" ->
                redis.smembers(key).stream()
                        .map(b -> new String(b, StandardCharsets.UTF_8))
                        .collect(java.util.stream.Collectors.toSet());
            case "zset" ->
                redis.zrangeWithScores(key, 0, -1).stream()
                        .map(v -> new String(v.getValue(), StandardCharsets.UTF_8) + "=" + v.getScore())
                        .toList();
            case "hash" ->
                redis.hgetall(key).entrySet().stream()
                        .map(e -> new String(e.getKey(), StandardCharsets.UTF_8) + "="
                                + new String(e.getValue(), StandardCharsets.UTF_8))
                        .collect(java.util.stream.Collectors.toSet());
            default -> throw new AssertionError("unexpected type of " + new String(key, StandardCharsets.UTF_8));
        };
    }

    /** Same keys, same DUMP payloads (same server version) and same absolute expiry, key by key. */
    private static void assertSameData(RedisServer source, RedisServer target, int db) throws Exception {
        RedisClient sourceClient = RedisClient.create(source.uri());
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisConnection<byte[], byte[]> from = sourceClient.connect(ByteArrayCodec.INSTANCE);
                StatefulRedisConnection<byte[], byte[]> to = targetClient.connect(ByteArrayCodec.INSTANCE)) {
            from.sync().select(db);
            to.sync().select(db);
            assertThat(to.sync().dbsize())
                    .as("keys in db %d", db)
                    .isEqualTo(from.sync().dbsize());
            List<byte[]> keys = from.sync().keys("*");
            for (int start = 0; start < keys.size(); start += 2_000) {
                List<byte[]> slice = keys.subList(start, Math.min(keys.size(), start + 2_000));
                List<RedisFuture<byte[]>> sourceDumps = new ArrayList<>();
                List<RedisFuture<byte[]>> targetDumps = new ArrayList<>();
                List<RedisFuture<Long>> sourceExpiry = new ArrayList<>();
                List<RedisFuture<Long>> targetExpiry = new ArrayList<>();
                for (byte[] key : slice) {
                    sourceDumps.add(from.async().dump(key));
                    targetDumps.add(to.async().dump(key));
                    sourceExpiry.add(from.async().pexpiretime(key));
                    targetExpiry.add(to.async().pexpiretime(key));
                }
                for (int i = 0; i < slice.size(); i++) {
                    String key = new String(slice.get(i), StandardCharsets.UTF_8);
                    byte[] sourceDump = sourceDumps.get(i).get(30, TimeUnit.SECONDS);
                    byte[] targetDump = targetDumps.get(i).get(30, TimeUnit.SECONDS);
                    if (!Arrays.equals(sourceDump, targetDump)) {
                        // A set or hash in a hash table may serialize its elements in another order.
                        assertThat(contents(to, slice.get(i)))
                                .as("value of %s", key)
                                .isEqualTo(contents(from, slice.get(i)));
                    }
                    assertThat(targetExpiry.get(i).get(30, TimeUnit.SECONDS))
                            .as("absolute expiry of %s", key)
                            .isEqualTo(sourceExpiry.get(i).get(30, TimeUnit.SECONDS));
                }
            }
        } finally {
            sourceClient.shutdown();
            targetClient.shutdown();
        }
    }
}
