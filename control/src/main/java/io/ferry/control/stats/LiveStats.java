package io.ferry.control.stats;

import io.ferry.schemas.Event;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.stats.StatsAttributes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows the events topic on a thread of its own, from {@link StatsWindow#window} before start, and hands every stats
 * event to a {@link StatsWindow}: the control plane charts what its proxies, movers and comparators publish, wherever
 * they run. No consumer group (every control plane reads everything); a topic it cannot read is retried after a
 * pause, and said so in the log. {@link #close} stops it.
 */
public final class LiveStats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveStats.class);
    private static final Duration RETRY = Duration.ofSeconds(5);

    private final Map<String, Object> kafka;
    private final String topic;
    private final StatsWindow window;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, Event> consumer;

    public LiveStats(Map<String, Object> kafka, TopicRegistry topics, StatsWindow window) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topics.name(TypedTopic.EVENTS.topic());
        this.window = window;
        this.thread = new Thread(this::run, "ferry-control-stats");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public StatsWindow window() {
        return window;
    }

    private void run() {
        while (running) {
            try {
                follow();
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("live stats: the events topic {} could not be read ({}); trying again", topic, e.toString());
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void follow() {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-control-stats");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        try (KafkaConsumer<String, Event> events = new KafkaConsumer<>(
                config,
                TypedTopic.EVENTS.keySerde().deserializer(),
                TypedTopic.EVENTS.valueSerde().deserializer())) {
            consumer = events;
            if (!running) {
                return;
            }
            List<PartitionInfo> partitions = events.partitionsFor(topic, Duration.ofSeconds(10));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("the events topic " + topic + " does not exist");
            }
            List<TopicPartition> assignment = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            events.assign(assignment);
            long from = Instant.now().minus(window.window()).toEpochMilli();
            Map<TopicPartition, Long> times = new HashMap<>();
            assignment.forEach(partition -> times.put(partition, from));
            Map<TopicPartition, OffsetAndTimestamp> offsets = events.offsetsForTimes(times, Duration.ofSeconds(10));
            for (TopicPartition partition : assignment) {
                OffsetAndTimestamp offset = offsets.get(partition);
                if (offset == null) {
                    events.seekToEnd(List.of(partition));
                } else {
                    events.seek(partition, offset.offset());
                }
            }
            while (running) {
                for (ConsumerRecord<String, Event> record : events.poll(Duration.ofMillis(500))) {
                    Event event = record.value();
                    if (event != null && event.getType().startsWith(StatsAttributes.PREFIX)) {
                        window.add(
                                event.getRunId(), event.getTimestampMicros(), event.getType(), event.getAttributes());
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, Event> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
