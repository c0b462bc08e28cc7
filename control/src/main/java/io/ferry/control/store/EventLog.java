package io.ferry.control.store;

import io.ferry.schemas.Event;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The events topic as the control plane uses it: every state change of a run is published (keyed by run id, so a
 * run's events stay in order) before the API answers, and {@link #follow} replays a run's events from the start
 * and then as they come, for Server-Sent Events. Attributes never hold secrets. Thread-safe.
 */
public final class EventLog implements AutoCloseable {
    private final KafkaProducer<String, Event> producer;
    private final MeterRegistry meters;
    private final Map<String, Object> kafka;
    private final String topic;

    public EventLog(Map<String, Object> kafka, TopicRegistry topics) {
        this(kafka, topics, new SimpleMeterRegistry());
    }

    /** Counting every event published as {@code ferry.control.events{type}} in {@code meters}. */
    public EventLog(Map<String, Object> kafka, TopicRegistry topics, MeterRegistry meters) {
        this.meters = meters;
        this.kafka = Map.copyOf(kafka);
        this.topic = topics.name(TypedTopic.EVENTS.topic());
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-control-events");
        this.producer = new KafkaProducer<>(
                config,
                TypedTopic.EVENTS.keySerde().serializer(),
                TypedTopic.EVENTS.valueSerde().serializer());
    }

    /** Publishes an event of {@code runId}; returns once Kafka has it. */
    public void publish(String runId, String type, EventLevel level, String message, Map<String, String> attributes) {
        Event event = Event.newBuilder()
                .setRunId(runId)
                .setTimestampMicros(Instant.now())
                .setType(type)
                .setLevel(level)
                .setMessage(message)
                .setAttributes(Map.copyOf(attributes))
                .setProgress(null)
                .build();
        try {
            producer.send(new ProducerRecord<>(topic, runId, event)).get(30, TimeUnit.SECONDS);
            // Types are the control plane's own constants: a bounded tag.
            Counter.builder("ferry.control.events")
                    .tag("type", type)
                    .description("Events of runs the control plane published: workflow transitions, copies, findings")
                    .register(meters)
                    .increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlStoreException("interrupted while publishing an event of " + runId, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new ControlStoreException("Kafka did not take an event of " + runId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hands every event of {@code runId} to {@code sink}, oldest first, then new ones as they come, until
     * {@code stop} says so; on the caller's thread.
     */
    public void follow(String runId, Consumer<Event> sink, BooleanSupplier stop) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-control-sse");
        try (KafkaConsumer<String, Event> consumer = new KafkaConsumer<>(
                config,
                TypedTopic.EVENTS.keySerde().deserializer(),
                TypedTopic.EVENTS.valueSerde().deserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (partitions == null || partitions.isEmpty()) {
                throw new ControlStoreException("the events topic " + topic + " does not exist");
            }
            List<TopicPartition> assignment = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<String, Event> record : consumer.poll(Duration.ofMillis(250))) {
                    if (runId.equals(record.key()) && record.value() != null) {
                        sink.accept(record.value());
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
