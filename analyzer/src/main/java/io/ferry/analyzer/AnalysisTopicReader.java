package io.ferry.analyzer;

import io.ferry.schemas.AnalysisRecord;
import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Reads the analysis topic from its beginning to its end as of the call, folding the records of one
 * run into an {@link AnalysisSnapshot}. No consumer group: nothing is committed, any number of readers
 * may run. Reads committed records only (the analyzer writes in transactions). A record that does not
 * decode is counted and skipped.
 *
 * <p>Blocking; one call at a time per instance.
 */
public final class AnalysisTopicReader {
    private static final Logger log = LoggerFactory.getLogger(AnalysisTopicReader.class);

    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final int maxWindows;
    private long undecodable;

    /** A reader keeping the newest {@value AnalyzerConfig#DEFAULT_WINDOWS_KEPT} windows besides the overall profile. */
    public AnalysisTopicReader(Map<String, Object> kafka, TopicRegistry topics) {
        this(kafka, topics, AnalyzerConfig.DEFAULT_WINDOWS_KEPT);
    }

    /** A reader keeping the newest {@code maxWindows} windows (0: the overall profile only, the least memory). */
    public AnalysisTopicReader(Map<String, Object> kafka, TopicRegistry topics, int maxWindows) {
        this.kafka = Map.copyOf(kafka);
        this.topics = topics;
        this.maxWindows = maxWindows;
    }

    /**
     * The analysis of run {@code runId} ({@code null}: records without a run id) as the topic holds it now.
     *
     * @throws TimeoutException when the topic is not read to its end within {@code timeout}
     */
    public AnalysisSnapshot read(String runId, Duration timeout) throws TimeoutException {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        String topic = topics.name(Topic.ANALYSIS);
        AnalysisSnapshot snapshot = new AnalysisSnapshot(maxWindows);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            List<TopicPartition> assigned = partitions.stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, timeout);
            while (!reachedEnd(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the analysis topic " + topic + " was not read to its end within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    AnalysisRecord analysis = decode(topic, record.value());
                    if (analysis != null && Objects.equals(analysis.getRunId(), runId)) {
                        snapshot.add(analysis);
                    }
                }
            }
        }
        return snapshot;
    }

    /** Records of the topic that did not decode, over every read of this reader. */
    public long undecodable() {
        return undecodable;
    }

    private AnalysisRecord decode(String topic, byte[] value) {
        try {
            return TypedTopic.ANALYSIS.valueSerde().deserialize(topic, value);
        } catch (SerializationException e) {
            undecodable++;
            if (undecodable <= 10) {
                log.warn("Skipped a record of {} that is not an analysis record: {}", topic, e.getMessage());
            }
            return null;
        }
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
