package io.ferry.analyzer;

import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.ferry.testkit.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The analyzer on a real broker: traffic records produced to the traffic topic come out as exact
 * counts on the analysis topic; stopped and started again with its local state gone, the analyzer
 * restores its stores from their changelogs and goes on from its committed offsets, so the counts go
 * on from where they were, neither lost nor doubled.
 */
class AnalyzerIT {
    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @TempDir
    Path stateDirs;

    @Test
    void countsExactlyAndResumesFromTheChangelogAfterARestart() throws Exception {
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("an"), Duration.ofSeconds(30));
        AnalyzerConfig config =
                AnalyzerConfig.DEFAULTS.withRunId(kafka.uniqueName("run")).withEmitInterval(Duration.ofMillis(300));
        Map<String, Object> clients = kafka.clientConfig();

        produce(topics, 0, 3000);
        try (Analyzer analyzer =
                new Analyzer(config, clients, topics, stateDirs.resolve("first"), Analyzer.Guarantee.EXACTLY_ONCE, 1)) {
            analyzer.start();
            AnalysisSnapshot snapshot = awaitOps(topics, config, 3000);
            assertThat(commands(snapshot)).isEqualTo(Map.of("GET", 2000L, "SET", 1000L));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> analyzer.overall().map(ProfileSketch::ops).orElse(0L) == 3000);
        }

        produce(topics, 3000, 1500);
        // A new state folder: nothing on disk, so the stores come back from their changelog topics.
        try (Analyzer analyzer = new Analyzer(
                config, clients, topics, stateDirs.resolve("second"), Analyzer.Guarantee.EXACTLY_ONCE, 1)) {
            analyzer.start();
            AnalysisSnapshot snapshot = awaitOps(topics, config, 4500);
            assertThat(commands(snapshot)).isEqualTo(Map.of("GET", 3000L, "SET", 1500L));
            assertThat(snapshot.overallValue(Metric.CONNECTIONS_DISTINCT, 0))
                    .isCloseTo(10, org.assertj.core.data.Offset.offset(0.5));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> analyzer.overall().map(ProfileSketch::ops).orElse(0L) == 4500);
        }
    }

    @Test
    void twoInstancesOfOneRunShareTheWorkAndCountEachCommandOnce() throws Exception {
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("scale"), Duration.ofSeconds(30));
        AnalyzerConfig config =
                AnalyzerConfig.DEFAULTS.withRunId(kafka.uniqueName("run")).withEmitInterval(Duration.ofMillis(300));
        Map<String, Object> clients = kafka.clientConfig();
        try (Analyzer first = new Analyzer(
                        config, clients, topics, stateDirs.resolve("a"), Analyzer.Guarantee.EXACTLY_ONCE, 1);
                Analyzer second = new Analyzer(
                        config, clients, topics, stateDirs.resolve("b"), Analyzer.Guarantee.EXACTLY_ONCE, 1)) {
            first.start();
            second.start();
            // 12 fold tasks (one per traffic partition) and the merge task, split over the two.
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> first.activeTasks() > 0
                            && second.activeTasks() > 0
                            && first.activeTasks() + second.activeTasks() == 13);
            produce(topics, 0, 6000);
            AnalysisSnapshot snapshot = awaitOps(topics, config, 6000);
            assertThat(commands(snapshot)).isEqualTo(Map.of("GET", 4000L, "SET", 2000L));
            assertThat(first.overall().or(second::overall).map(ProfileSketch::ops))
                    .contains(6000L);
        }
    }

    /** {@code count} commands, two GETs for every SET, over 10 connections. */
    private static void produce(TopicRegistry topics, int from, int count) {
        Instant now = Instant.now();
        // One request in flight: under CPU starvation a timed-out request retried behind later ones is refused by the
        // broker as out of order until the delivery timeout (seen here: 89 records never written). Every send checked.
        Map<String, Object> config = new java.util.HashMap<>(kafka.clientConfig());
        config.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        java.util.List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        try (KafkaProducer<String, TrafficRecord> producer = new KafkaProducer<>(
                config,
                TypedTopic.TRAFFIC.keySerde().serializer(),
                TypedTopic.TRAFFIC.valueSerde().serializer())) {
            for (int i = from; i < from + count; i++) {
                TrafficRecord record = (i % 3 == 2
                                ? Traffic.command("SET", "k:" + i)
                                : Traffic.command("GET", "k:" + i))
                        .connection("proxy-1", "c" + (i % 10))
                        .at(now)
                        .latency(100)
                        .build();
                sent.add(producer.send(TypedTopic.TRAFFIC.producerRecord(topics, record)));
            }
            producer.flush();
            for (java.util.concurrent.Future<?> send : sent) {
                send.get(2, java.util.concurrent.TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new AssertionError("the test's traffic did not all reach Kafka", e);
        }
    }

    private static AnalysisSnapshot awaitOps(TopicRegistry topics, AnalyzerConfig config, long ops) {
        AnalysisTopicReader reader = new AnalysisTopicReader(kafka.clientConfig(), topics);
        AtomicReference<AnalysisSnapshot> latest = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    AnalysisSnapshot snapshot = reader.read(config.runId(), Duration.ofSeconds(20));
                    latest.set(snapshot);
                    assertThat(snapshot.overallValue(Metric.OPS, 0)).isEqualTo(ops);
                });
        return latest.get();
    }

    private static Map<String, Long> commands(AnalysisSnapshot snapshot) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        snapshot.overallByDimension(Metric.COMMAND_OPS)
                .forEach((command, record) -> counts.put(command, (long) record.getValue()));
        return counts;
    }
}
