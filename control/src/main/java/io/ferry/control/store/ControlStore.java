package io.ferry.control.store;

import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.Endpoint;
import io.ferry.schemas.Interlay;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.Workflow;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The control plane's state: every endpoint, interlay, migration state and workflow, kept in the compacted control
 * topic (keyed {@code endpoint:<id>}, {@code interlay:<id>}, {@code migration:<run>}, {@code workflow:<run>}) and
 * in memory. {@link #open} reads the whole topic, so a restarted control plane has the state it had; every change
 * is written to Kafka and acknowledged by it before memory changes, so nothing is shown that a restart would lose.
 * Thread-safe: changes are serialised.
 */
public final class ControlStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlStore.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaProducer<String, ControlRecord> producer;
    private final String topic;
    private final Map<String, ControlRecord> records = new TreeMap<>();

    private ControlStore(KafkaProducer<String, ControlRecord> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /**
     * Reads the control topic to its end, then is ready for changes.
     *
     * @throws ControlStoreException when Kafka does not answer within {@code timeout}
     */
    public static ControlStore open(Map<String, Object> kafka, TopicRegistry topics, Duration timeout) {
        String topic = topics.name(TypedTopic.CONTROL.topic());
        Map<String, Object> producerConfig = new HashMap<>(kafka);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-control");
        ControlStore store = new ControlStore(
                new KafkaProducer<>(
                        producerConfig,
                        TypedTopic.CONTROL.keySerde().serializer(),
                        TypedTopic.CONTROL.valueSerde().serializer()),
                topic);
        try {
            store.load(kafka, timeout);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private void load(Map<String, Object> kafka, Duration timeout) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-control-load");
        try (KafkaConsumer<String, ControlRecord> consumer = new KafkaConsumer<>(
                config,
                TypedTopic.CONTROL.keySerde().deserializer(),
                TypedTopic.CONTROL.valueSerde().deserializer())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            // A topic just created may take a moment to show in the metadata.
            while ((partitions == null || partitions.isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                partitions = consumer.partitionsFor(topic, timeout);
            }
            if (partitions == null || partitions.isEmpty()) {
                throw new ControlStoreException("the control topic " + topic + " does not exist");
            }
            List<TopicPartition> assignment = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            Map<TopicPartition, Long> end = consumer.endOffsets(assignment, timeout);
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new ControlStoreException(
                            "the control topic " + topic + " was not read to its end in " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, ControlRecord> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        records.remove(record.key());
                    } else {
                        records.put(record.key(), record.value());
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ControlStoreException("the control topic " + topic + " could not be read: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlStoreException("interrupted while reading the control topic " + topic, e);
        }
        log.info("control state read from {}: {} entities", topic, records.size());
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    public static String endpointKey(String id) {
        return "endpoint:" + id;
    }

    public static String interlayKey(String id) {
        return "interlay:" + id;
    }

    public static String migrationKey(String runId) {
        return "migration:" + runId;
    }

    public static String workflowKey(String runId) {
        return "workflow:" + runId;
    }

    /** Writes {@code payload} under {@code key}; returns once Kafka has it. */
    public synchronized void put(String key, Object payload) {
        ControlRecord record = ControlRecord.newBuilder()
                .setId(key)
                .setUpdatedMicros(Instant.now())
                .setPayload(payload)
                .build();
        write(key, record);
        records.put(key, record);
    }

    /** Deletes {@code key} (a tombstone); returns once Kafka has it. */
    public synchronized void delete(String key) {
        write(key, null);
        records.remove(key);
    }

    private void write(String key, ControlRecord record) {
        try {
            producer.send(new ProducerRecord<>(topic, key, record))
                    .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlStoreException("interrupted while writing " + key + " to " + topic, e);
        } catch (ExecutionException e) {
            throw new ControlStoreException(
                    "Kafka did not take " + key + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new ControlStoreException(
                    "Kafka did not take " + key + " within " + WRITE_TIMEOUT.toSeconds() + " s", e);
        }
    }

    public synchronized Optional<Endpoint> endpoint(String id) {
        return payload(endpointKey(id), Endpoint.class);
    }

    public synchronized List<Endpoint> endpoints() {
        return all("endpoint:", Endpoint.class);
    }

    public synchronized Optional<Interlay> interlay(String id) {
        return payload(interlayKey(id), Interlay.class);
    }

    public synchronized List<Interlay> interlays() {
        return all("interlay:", Interlay.class);
    }

    public synchronized Optional<Workflow> workflow(String runId) {
        return payload(workflowKey(runId), Workflow.class);
    }

    public synchronized List<Workflow> workflows() {
        return all("workflow:", Workflow.class);
    }

    public synchronized Optional<MigrationState> migration(String runId) {
        return payload(migrationKey(runId), MigrationState.class);
    }

    /** Applies {@code change} to the current value of {@code key} and writes the result, atomically. */
    public synchronized <T> T update(String key, Class<T> type, Function<Optional<T>, T> change) {
        T next = change.apply(payload(key, type));
        put(key, next);
        return next;
    }

    private <T> Optional<T> payload(String key, Class<T> type) {
        ControlRecord record = records.get(key);
        return record != null && type.isInstance(record.getPayload())
                ? Optional.of(type.cast(record.getPayload()))
                : Optional.empty();
    }

    private <T> List<T> all(String prefix, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Map.Entry<String, ControlRecord> entry : records.entrySet()) {
            if (entry.getKey().startsWith(prefix)
                    && type.isInstance(entry.getValue().getPayload())) {
                out.add(type.cast(entry.getValue().getPayload()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
