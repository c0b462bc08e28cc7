package io.ferry.mover;

import io.ferry.schemas.ErrorRecord;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The errors topic read as a log, for {@code ferry errors}: {@link #read} reads every partition from
 * its beginning up to the end offsets it had when the call began (what is published meanwhile waits
 * for the next call) and hands each record, optionally only those of one run, to a callback as it
 * arrives. Nothing is collected: memory stays bounded by one poll's records. The reader assigns the
 * partitions itself and joins no consumer group, so reading commits nothing and moves nobody's
 * position; any number of readers may run at once.
 *
 * <p>A record that cannot be decoded (written by a newer Ferry, or corrupt) is skipped, logged with
 * its partition and offset, and counted in the {@link Summary}: a caller can tell a complete read from
 * one with holes.
 *
 * <p>Immutable; each {@link #read} opens and closes its own consumer on the calling thread.
 */
public final class ErrorLog {
    private static final Logger log = LoggerFactory.getLogger(ErrorLog.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Map<String, Object> kafka;
    private final String topic;

    /** What one read saw. */
    public record Summary(long read, long matched, long unreadable) {
        /** True when every record up to the end could be decoded. */
        public boolean complete() {
            return unreadable == 0;
        }
    }

    /** Receives the records of a read, one at a time, on the reading thread. */
    @FunctionalInterface
    public interface Sink<E extends Exception> {
        void accept(ErrorRecord error) throws E;
    }

    /**
     * A reader of the errors topic of the topic set named by {@code topicPrefix} on the Kafka cluster
     * {@code kafka} points at (at least {@code bootstrap.servers}).
     *
     * @throws IllegalArgumentException when the prefix is not a legal topic name prefix
     */
    public ErrorLog(Map<String, Object> kafka, String topicPrefix) {
        this.kafka = Map.copyOf(kafka);
        this.topic = TopicRegistry.builder()
                .prefix(Objects.requireNonNull(topicPrefix, "topicPrefix"))
                .build()
                .name(TypedTopic.ERRORS.topic());
    }

    /** The full name of the topic read, e.g. {@code ferry.errors}. */
    public String topic() {
        return topic;
    }

    /**
     * Reads the topic from its beginning to its end as of now and gives {@code sink} each record of
     * run {@code runId} (every run when empty), partition by partition in offset order as they arrive.
     * An exception from the sink ends the read and propagates.
     *
     * @throws IllegalStateException when Kafka does not answer or fails, has no such topic, or the read
     *     makes no progress for 30 s
     */
    public <E extends Exception> Summary read(Optional<String> runId, Sink<E> sink) throws E {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-errors-reader");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        try (KafkaConsumer<byte[], ErrorRecord> consumer = new KafkaConsumer<>(
                config,
                new ByteArrayDeserializer(),
                TypedTopic.ERRORS.valueSerde().deserializer())) {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends;
            try {
                ends = consumer.endOffsets(partitions, TIMEOUT);
            } catch (TimeoutException e) {
                throw new IllegalStateException(
                        "Kafka at " + bootstrap() + " did not give the end of " + topic + " within "
                                + TIMEOUT.toSeconds() + " s",
                        e);
            }
            return readTo(consumer, ends, runId, sink);
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "could not read " + topic + " from Kafka at " + bootstrap() + ": " + e.getMessage(), e);
        }
    }

    private <E extends Exception> Summary readTo(
            KafkaConsumer<byte[], ErrorRecord> consumer,
            Map<TopicPartition, Long> ends,
            Optional<String> runId,
            Sink<E> sink)
            throws E {
        long read = 0;
        long matched = 0;
        long unreadable = 0;
        List<TopicPartition> open = new ArrayList<>(ends.keySet());
        long lastProgress = System.nanoTime();
        while (true) {
            List<TopicPartition> done = new ArrayList<>();
            for (TopicPartition partition : open) {
                if (consumer.position(partition, TIMEOUT) >= ends.get(partition)) {
                    done.add(partition);
                }
            }
            if (!done.isEmpty()) {
                // Records published after the call began are not this read's: stop fetching them.
                consumer.pause(done);
                open.removeAll(done);
            }
            if (open.isEmpty()) {
                return new Summary(read, matched, unreadable);
            }
            if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                throw new IllegalStateException("could not read " + topic + " from Kafka at " + bootstrap()
                        + " to its end: no progress for " + TIMEOUT.toSeconds() + " s");
            }
            ConsumerRecords<byte[], ErrorRecord> records;
            try {
                records = consumer.poll(POLL);
            } catch (RecordDeserializationException e) {
                unreadable++;
                lastProgress = System.nanoTime();
                log.warn(
                        "skipped record {} of {}, which cannot be read: {}",
                        e.offset(),
                        e.topicPartition(),
                        e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
                consumer.seek(e.topicPartition(), e.offset() + 1);
                continue;
            }
            if (!records.isEmpty()) {
                lastProgress = System.nanoTime();
            }
            for (ConsumerRecord<byte[], ErrorRecord> record : records) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() >= ends.get(partition)) {
                    continue;
                }
                ErrorRecord error = record.value();
                if (error == null) {
                    unreadable++;
                    log.warn("skipped record {} of {}, which has no value", record.offset(), partition);
                    continue;
                }
                read++;
                if (runId.isEmpty() || runId.get().equals(error.getRunId())) {
                    matched++;
                    sink.accept(error);
                }
            }
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, TIMEOUT);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + bootstrap() + " did not answer within " + TIMEOUT.toSeconds() + " s", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("Kafka at " + bootstrap() + " has no topic " + topic
                    + ": no Ferry run used this topic prefix there (check the topic prefix and the Kafka address)");
        }
        return infos.stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
    }

    private Object bootstrap() {
        return kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }
}
