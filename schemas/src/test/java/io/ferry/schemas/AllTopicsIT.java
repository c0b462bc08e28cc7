package io.ferry.schemas;

import io.ferry.testkit.TestKafka;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Every topic end to end on a real broker: created by {@link TopicBootstrap}, written and read with its serdes. */
class AllTopicsIT {
    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TopicRegistry registry;
    private static TopicBootstrap.Result firstRun;

    @BeforeAll
    static void bootstrap() {
        registry = TopicRegistry.builder()
                .prefix(kafka.uniqueName("ferry"))
                .replicationFactor(1)
                .build();
        firstRun = new TopicBootstrap(kafka.admin(), registry, WAIT).run();
    }

    @Test
    void bootstrapCreatesEveryTopicWithItsPartitionsAndCleanupPolicy() throws Exception {
        assertThat(firstRun.created()).containsExactlyElementsOf(registry.names());
        assertThat(firstRun.existing()).isEmpty();

        Admin admin = kafka.admin();
        Map<String, TopicDescription> descriptions =
                whenVisible(() -> admin.describeTopics(registry.names()).allTopicNames());
        List<ConfigResource> resources = registry.names().stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
                .toList();
        Map<ConfigResource, Config> configs =
                whenVisible(() -> admin.describeConfigs(resources).all());

        for (Topic topic : Topic.values()) {
            String name = registry.name(topic);
            assertThat(descriptions.get(name).partitions()).as(name).hasSize(topic.defaultPartitions());
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .as(name)
                    .isEqualTo(topic.isCompacted() ? "compact" : "delete");
            if (!topic.isCompacted()) {
                assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
                        .as(name)
                        .isEqualTo(Long.toString(
                                topic.defaultRetention().orElseThrow().toMillis()));
            }
        }
    }

    @Test
    void bootstrapAgainFindsEverythingAndCreatesNothing() {
        TopicBootstrap.Result again = new TopicBootstrap(kafka.admin(), registry, WAIT).run();

        assertThat(again.created()).isEmpty();
        assertThat(again.existing()).containsExactlyElementsOf(registry.names());
    }

    @Test
    void everyTopicCarriesItsRecordThroughARealBroker() {
        for (Map.Entry<Topic, SpecificRecord> sample : SampleRecords.oneOfEach().entrySet()) {
            roundTrip(TypedTopic.of(sample.getKey()), sample.getValue());
        }
    }

    @Test
    void aTombstoneOnACompactedTopicReadsBackAsNull() {
        String name = registry.name(Topic.CONTROL);
        try (KafkaProducer<String, ControlRecord> producer = producer(TypedTopic.CONTROL)) {
            producer.send(new ProducerRecord<>(name, "endpoint:gone", null)).get();
        } catch (Exception e) {
            throw new AssertionError("tombstone not produced to " + name, e);
        }

        List<ConsumerRecord<String, ControlRecord>> records =
                consumeUntil(TypedTopic.CONTROL, r -> r.key().equals("endpoint:gone"));

        assertThat(records).last().satisfies(r -> assertThat(r.value()).isNull());
    }

    /**
     * The result of an admin call about new topics, asked again while the broker's metadata does not know them yet;
     * fails after {@link #WAIT}.
     */
    private static <T> T whenVisible(Supplier<KafkaFuture<T>> call) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return call.get().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static <K, V extends SpecificRecord> void roundTrip(TypedTopic<K, V> typed, SpecificRecord sample) {
        V value = typed.valueSerde().type().cast(sample);
        ProducerRecord<K, V> sent = typed.producerRecord(registry, value);
        try (KafkaProducer<K, V> producer = producer(typed)) {
            producer.send(sent).get();
        } catch (Exception e) {
            throw new AssertionError("could not produce to " + sent.topic(), e);
        }

        // Other tests may write to the same topic (a tombstone on control): look for this record's key.
        List<ConsumerRecord<K, V>> records =
                consumeUntil(typed, r -> Objects.deepEquals(r.key(), sent.key()) && r.value() != null);

        ConsumerRecord<K, V> received = records.get(records.size() - 1);
        assertThat((Object) received.key()).as("key on " + sent.topic()).isEqualTo(sent.key());
        assertThat(received.value()).as("value on " + sent.topic()).isEqualTo(value);
        assertThat(received.value()).as("a fresh record, not the one sent").isNotSameAs(value);
    }

    private static <K, V extends SpecificRecord> KafkaProducer<K, V> producer(TypedTopic<K, V> typed) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(
                config, typed.keySerde().serializer(), typed.valueSerde().serializer());
    }

    /**
     * Reads the topic from the start with a real consumer until a record matches, then returns everything read so
     * far; fails after {@link #WAIT}.
     */
    private static <K, V extends SpecificRecord> List<ConsumerRecord<K, V>> consumeUntil(
            TypedTopic<K, V> typed, java.util.function.Predicate<ConsumerRecord<K, V>> done) {
        String name = registry.name(typed.topic());
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<K, V>> read = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(
                config, typed.keySerde().deserializer(), typed.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(name).stream()
                    .map(p -> new TopicPartition(name, p.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(record);
                }
                if (read.stream().anyMatch(done)) {
                    return read;
                }
            }
        }
        throw new AssertionError("no matching record on " + name + " within " + WAIT + "; read " + read);
    }
}
