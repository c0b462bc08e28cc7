package io.ferry.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code ferry kafka}'s broker: serves real clients, keeps its data across restarts, says why it cannot start. */
class EmbeddedKafkaIT {

    @Test
    void servesAndResumesWithItsDataAfterARestart(@TempDir Path data) throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data, "127.0.0.1", 0)) {
            bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "k", "v")).get(30, TimeUnit.SECONDS);
            }
        }
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (EmbeddedKafka again = EmbeddedKafka.start(data, "127.0.0.1", port)) {
            assertThat(read(again.bootstrapServers(), "kept")).containsExactly("v");
        }
    }

    @Test
    void aTakenPortIsRefusedWithTheReason(@TempDir Path one, @TempDir Path two) {
        try (EmbeddedKafka first = EmbeddedKafka.start(one, "127.0.0.1", 0)) {
            String bootstrap = first.bootstrapServers();
            int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
            assertThatThrownBy(() -> EmbeddedKafka.start(two, "127.0.0.1", port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
        }
    }

    private static List<String> read(String bootstrap, String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
