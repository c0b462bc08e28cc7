package io.ferry.app;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.MoverNode;
import io.ferry.schemas.Confirmation;
import io.ferry.schemas.Detector;
import io.ferry.schemas.Divergence;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WriteRecord;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * {@code ferry verify --kafka --repair}: what a verify confirms different is published to the divergences topic and
 * handed to the mover's reconciler, which copies it again; the next verify finds the keyspaces equal.
 */
class VerifyRepairIT {
    private static final String RUN = "verify-repair";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        PrintStream processOut = System.out;
        PrintStream processErr = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        try {
            return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.setOut(processOut);
            System.setErr(processErr);
            out.write(capturedOut.toString(StandardCharsets.UTF_8));
            err.write(capturedErr.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void confirmedMismatchesArePublishedAndRepairedByTheReconciler(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("repair-source");
        RedisServer target = redis.start("repair-target");
        String prefix = kafka.uniqueName("verify");
        for (int i = 0; i < 300; i++) {
            source.command("SET key:" + i + " value:" + i);
        }
        source.command("HSET user:1 name ada lang en");
        source.command("RPUSH queue a b c");
        source.command("SET session:1 token EX 3600");
        int copied = ferry(
                "copy",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--kafka",
                kafka.bootstrapServers(),
                "--run-id",
                RUN,
                "--topic-prefix",
                prefix);
        assertThat(copied).as("ferry copy; err:%n%s", err).isZero();

        target.command("HSET user:1 lang fr");
        target.command("DEL key:7");
        target.command("SET stray 1");
        target.command("DEL queue");
        target.command("SET queue not-a-list");
        target.command("PERSIST session:1");
        out.getBuffer().setLength(0);

        int different = ferry(
                "verify",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--find-extra",
                "--round-delay-ms",
                "50",
                "--report",
                dir.resolve("first.json").toString(),
                "--kafka",
                kafka.bootstrapServers(),
                "--run-id",
                RUN,
                "--topic-prefix",
                prefix,
                "--repair",
                "true");

        assertThat(different).as("exit status; out:%n%s%nerr:%n%s", out, err).isEqualTo(1);
        assertThat(out.toString()).contains("published: 5 divergences, 5 repair requests");
        TopicRegistry topics = TopicRegistry.builder().prefix(prefix).build();
        List<Divergence> divergences = read(topics.name(TypedTopic.DIVERGENCES.topic()), 5, b -> TypedTopic.DIVERGENCES
                .valueSerde()
                .deserialize(null, b));
        assertThat(divergences)
                .extracting(d -> text(d.getKey()), Divergence::getKind)
                .containsExactlyInAnyOrder(
                        tuple("user:1", DivergenceKind.VALUE),
                        tuple("key:7", DivergenceKind.MISSING),
                        tuple("stray", DivergenceKind.EXTRA),
                        tuple("queue", DivergenceKind.TYPE),
                        tuple("session:1", DivergenceKind.TTL));
        assertThat(divergences).allSatisfy(d -> {
            assertThat(d.getDetector()).isEqualTo(Detector.KEYSPACE_VERIFY);
            assertThat(d.getStatus()).isEqualTo(Confirmation.CONFIRMED);
            assertThat(d.getRunId()).isEqualTo(RUN);
            assertThat(d.getCommand()).isNull();
        });
        Divergence ttl = divergences.stream()
                .filter(d -> text(d.getKey()).equals("session:1"))
                .findFirst()
                .orElseThrow();
        assertThat(ttl.getSource().getTtlMillis()).isBetween(3_500_000L, 3_600_000L);
        assertThat(ttl.getTarget().getTtlMillis()).isEqualTo(-1);
        Divergence missing = divergences.stream()
                .filter(d -> text(d.getKey()).equals("key:7"))
                .findFirst()
                .orElseThrow();
        assertThat(missing.getTarget().getType()).isNull();
        assertThat(missing.getTarget().getTtlMillis()).isEqualTo(-2);
        assertThat(missing.getSource().getType()).isEqualTo("string");

        List<WriteRecord> repairs = new ArrayList<>();
        for (WriteRecord write : read(topics.name(TypedTopic.WRITES.topic()), 5, b -> TypedTopic.WRITES
                .valueSerde()
                .deserialize(null, b))) {
            if (write.getFlags().contains(WriteFlag.REPAIR)) {
                repairs.add(write);
            }
        }
        assertThat(repairs)
                .extracting(w -> text(w.getKeys().get(0)))
                .containsExactlyInAnyOrder("user:1", "key:7", "stray", "queue", "session:1");

        // The reconciler of the same run acts on them: the copy is complete, so it does at once.
        MoverNode mover = new MoverNode(
                new MoverNode.Options(
                        RUN,
                        RedisEndpoint.of("source", source.uri()),
                        RedisEndpoint.of("target", target.uri()),
                        Map.of("bootstrap.servers", kafka.bootstrapServers()),
                        prefix,
                        CopyOptions.DEFAULTS,
                        0,
                        true,
                        Duration.ofSeconds(1),
                        Throttle.Options.DEFAULTS),
                new SimpleMeterRegistry());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        mover.run(Duration.ofSeconds(5), snapshot -> {});
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                },
                "verify-repair-mover");
        thread.start();
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> src = client.connect(RedisURI.create(source.uri()));
                StatefulRedisConnection<String, String> dst = client.connect(RedisURI.create(target.uri()))) {
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () -> assertThat(Keyspaces.differences(src, dst)).isEmpty());
        } finally {
            mover.stop();
            thread.join(TimeUnit.SECONDS.toMillis(30));
            client.shutdown();
        }
        assertThat(failure.get()).isNull();

        out.getBuffer().setLength(0);
        int equal = ferry(
                "verify",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--find-extra",
                "--report",
                dir.resolve("second.json").toString(),
                "--kafka",
                kafka.bootstrapServers(),
                "--run-id",
                RUN,
                "--topic-prefix",
                prefix);
        assertThat(equal).as("exit status; out:%n%s%nerr:%n%s", out, err).isZero();
        assertThat(out.toString()).contains("published: 0 divergences, 0 repair requests");
    }

    @Test
    void repairWithoutKafkaIsRefusedBeforeAnythingStarts() {
        int status = ferry(
                "verify",
                "--source",
                "redis://ops:pa55word@127.0.0.1:1",
                "--target",
                "redis://127.0.0.1:2",
                "--repair",
                "true");

        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("'repair' is true but 'kafka' is empty");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }

    private static <T> List<T> read(String topic, int count, Function<byte[], T> decode) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueName("reader"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<T> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofMinutes(1)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> found.add(decode.apply(r.value())));
                return found.size() >= count;
            });
        }
        return found;
    }

    private static String text(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
