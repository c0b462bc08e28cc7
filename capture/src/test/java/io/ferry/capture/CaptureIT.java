package io.ferry.capture;

import io.ferry.capture.pcap.CaptureFileException;
import io.ferry.capture.pcap.PacketReader;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.Origin;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.ferry.testkit.RedisCli;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.Tcpdump;
import io.ferry.testkit.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Capture to a real broker: a real tcpdump capture of redis-benchmark against a real redis-server,
 * read by {@link PcapCapture}, published by {@link TrafficPublisher} to a real Kafka, read back from
 * the traffic topic.
 */
class CaptureIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @TempDir
    static Path dir;

    static RedisServer server;
    static Path file;
    static long setCalls;
    static long getCalls;

    @BeforeAll
    static void capture() throws Exception {
        server = redis.source();
        file = dir.resolve("benchmark.pcap");
        server.command("CONFIG RESETSTAT");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,get", "-n", "5000", "-P", "16", "-c", "4", "-q");
            tcpdump.finish();
        }
        setCalls = CaptureTrafficTest.serverCalls(server, "set");
        getCalls = CaptureTrafficTest.serverCalls(server, "get");
    }

    @Test
    void theTrafficTopicHoldsEveryCommandRedisBenchmarkSent() throws Exception {
        String prefix = kafka.uniqueName("capture");
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), prefix, Duration.ofSeconds(30));
        assertThat(TrafficPublisher.awaitLeaders(kafka.admin(), topics, Duration.ofSeconds(30)))
                .isTrue();
        PcapCapture capture = new PcapCapture(
                new CaptureOptions(Set.of(server.port()), "capture-it", CaptureLimits.DEFAULTS),
                CommandTable.bundled());
        TrafficPublisher publisher = new TrafficPublisher(kafka.clientConfig(), topics, 500);
        try (PacketReader reader = PacketReader.open(Files.newInputStream(file))) {
            capture.run(reader, publisher);
        } finally {
            publisher.close(Duration.ofSeconds(30));
        }

        List<ConsumerRecord<String, TrafficRecord>> consumed = read(topics);

        assertThat(publisher.failed()).isZero();
        assertThat(publisher.published()).isEqualTo(capture.counters().get(Counter.RECORDS));
        assertThat(consumed).hasSize((int) publisher.published());
        Map<String, Long> commands = consumed.stream()
                .collect(Collectors.groupingBy(r -> r.value().getCommand(), TreeMap::new, Collectors.counting()));
        // redis-benchmark reports 5000 of each; it sends the rest of its last pipelines too, which the
        // server counted as well.
        assertThat(commands.get("SET")).isGreaterThanOrEqualTo(5000L).isEqualTo(setCalls);
        assertThat(commands.get("GET")).isGreaterThanOrEqualTo(5000L).isEqualTo(getCalls);
        assertThat(consumed).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("capture-it/" + r.value().getConnection());
            assertThat(r.value().getOrigin()).isEqualTo(Origin.PCAP);
            assertThat(r.value().getResponseType()).isNotNull();
            assertThat(r.value().getLatencyMicros()).isNotNegative();
        });
        // Keyed by connection: each connection's records are in one partition, in order.
        Map<String, List<Long>> sequences = new HashMap<>();
        for (ConsumerRecord<String, TrafficRecord> record : consumed) {
            sequences
                    .computeIfAbsent(record.key(), k -> new ArrayList<>())
                    .add(record.value().getSequence());
        }
        sequences.values().forEach(s -> {
            for (int i = 0; i < s.size(); i++) {
                assertThat(s.get(i)).isEqualTo(i);
            }
        });
    }

    @Test
    void aTruncatedCapturePublishesWhatCameBeforeAndSaysWhere() throws Exception {
        String prefix = kafka.uniqueName("truncated");
        TopicRegistry topics = TopicBootstrap.ensure(kafka.admin(), prefix, Duration.ofSeconds(30));
        assertThat(TrafficPublisher.awaitLeaders(kafka.admin(), topics, Duration.ofSeconds(30)))
                .isTrue();
        byte[] whole = Files.readAllBytes(file);
        byte[] cut = Arrays.copyOf(whole, whole.length * 2 / 3);
        PcapCapture capture = new PcapCapture(
                new CaptureOptions(Set.of(server.port()), "capture-it", CaptureLimits.DEFAULTS),
                CommandTable.bundled());
        TrafficPublisher publisher = new TrafficPublisher(kafka.clientConfig(), topics, 500);
        try (InputStream in = new ByteArrayInputStream(cut);
                PacketReader reader = PacketReader.open(in)) {
            assertThatThrownBy(() -> capture.run(reader, publisher))
                    .isInstanceOf(CaptureFileException.class)
                    .hasMessageContaining("truncated capture")
                    .hasMessageContaining("at byte offset");
        } finally {
            publisher.close(Duration.ofSeconds(30));
        }

        assertThat(publisher.published())
                .isPositive()
                .isEqualTo(capture.counters().get(Counter.RECORDS));
        assertThat(read(topics)).hasSize((int) publisher.published());
    }

    private static List<ConsumerRecord<String, TrafficRecord>> read(TopicRegistry topics) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        String name = topics.name(TypedTopic.TRAFFIC.topic());
        List<ConsumerRecord<String, TrafficRecord>> records = new ArrayList<>();
        try (KafkaConsumer<String, TrafficRecord> consumer = new KafkaConsumer<>(
                config,
                TypedTopic.TRAFFIC.keySerde().deserializer(),
                TypedTopic.TRAFFIC.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(name, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(name, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, TrafficRecord> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(record);
                }
            }
        }
        return records;
    }
}
