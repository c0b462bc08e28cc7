package io.ferry.control.store;

import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Follows the whole control topic for a process that acts on it (an interlay node): after each batch of changes it
 * hands the listener a snapshot of every entity, key to record. Reads from the beginning, so a process started late
 * sees the current state; keeps going across Kafka outages (logged). Runs on a thread of its own; the listener is
 * called on it.
 */
public final class ControlFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlFeed.class);

    private final KafkaConsumer<String, ControlRecord> consumer;
    private final String topic;
    private final Consumer<Map<String, ControlRecord>> listener;
    private final Map<String, ControlRecord> records = new TreeMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ControlFeed(Map<String, Object> kafka, TopicRegistry topics, Consumer<Map<String, ControlRecord>> listener) {
        this.topic = topics.name(TypedTopic.CONTROL.topic());
        this.listener = listener;
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-control-feed");
        this.consumer = new KafkaConsumer<>(
                config,
                TypedTopic.CONTROL.keySerde().deserializer(),
                TypedTopic.CONTROL.valueSerde().deserializer());
        this.thread = new Thread(this::run, "ferry-control-feed");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        boolean assigned = false;
        while (running) {
            try {
                if (!assigned) {
                    List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                    if (partitions == null || partitions.isEmpty()) {
                        log.warn("the control topic {} does not exist (yet)", topic);
                        Thread.sleep(1000);
                        continue;
                    }
                    List<TopicPartition> assignment = partitions.stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
                    consumer.assign(assignment);
                    consumer.seekToBeginning(assignment);
                    assigned = true;
                }
                ConsumerRecords<String, ControlRecord> batch = consumer.poll(Duration.ofMillis(200));
                if (batch.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<String, ControlRecord> record : batch) {
                    if (record.value() == null) {
                        records.remove(record.key());
                    } else {
                        records.put(record.key(), record.value());
                    }
                }
                listener.accept(Map.copyOf(records));
            } catch (WakeupException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (KafkaException e) {
                log.error(
                        "the control topic {} cannot be read ({}); acting on what was read, retrying",
                        topic,
                        e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        consumer.close(Duration.ofSeconds(2));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
