package io.ferry.comparator.verify;

import io.ferry.comparator.RepairRequest;
import io.ferry.schemas.Confirmation;
import io.ferry.schemas.Detector;
import io.ferry.schemas.Divergence;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.SideSnapshot;
import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Publishes each mismatch a keyspace verify confirmed to the divergences topic (detector
 * {@link Detector#KEYSPACE_VERIFY}, status CONFIRMED, no command), and with {@code repair} also asks the
 * reconciler to copy the key again ({@link RepairRequest}). {@link #accept} runs on the verify's thread and
 * only hands records to the Kafka producer; {@link #close} waits for them to be delivered. Records Kafka did
 * not take are counted ({@link #failed}) and logged, never silently lost.
 */
public final class VerifyDivergences implements Consumer<Mismatch>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VerifyDivergences.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private final String runId;
    private final TopicRegistry topics;
    private final boolean repair;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private long sequence;

    /**
     * Creates the topics of {@code topicPrefix} that are missing (checking those that exist), then the producer:
     * a Kafka that cannot be reached fails here, before the walk, not after it.
     *
     * @throws io.ferry.schemas.TopicBootstrapException when Kafka does not answer or a topic is not as Ferry needs
     */
    public static VerifyDivergences open(String runId, Map<String, Object> kafka, String topicPrefix, boolean repair) {
        TopicRegistry topics;
        try (Admin admin = Admin.create(kafka)) {
            topics = TopicBootstrap.ensure(admin, topicPrefix, KAFKA_TIMEOUT);
        }
        return new VerifyDivergences(runId, kafka, topics, repair);
    }

    private VerifyDivergences(String runId, Map<String, Object> kafka, TopicRegistry topics, boolean repair) {
        this.runId = Objects.requireNonNull(runId, "runId");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.repair = repair;
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-verify-" + runId);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void accept(Mismatch mismatch) {
        long now = System.currentTimeMillis();
        Divergence divergence = Divergence.newBuilder()
                .setRunId(runId)
                .setKey(ByteBuffer.wrap(mismatch.key()))
                .setDb(mismatch.db())
                .setCommand(null)
                .setKind(kind(mismatch.verdict()))
                .setStatus(Confirmation.CONFIRMED)
                .setDetector(Detector.KEYSPACE_VERIFY)
                .setSource(snapshot(mismatch.source(), now))
                .setTarget(snapshot(mismatch.target(), now))
                .setDetectedMicros(Instant.ofEpochMilli(now))
                .build();
        send(
                TypedTopic.DIVERGENCES.topic(),
                mismatch.key(),
                TypedTopic.DIVERGENCES.valueSerde().serialize(null, divergence),
                published);
        if (repair) {
            send(
                    TypedTopic.WRITES.topic(),
                    mismatch.key(),
                    TypedTopic.WRITES
                            .valueSerde()
                            .serialize(
                                    null, RepairRequest.of("verify", runId, sequence++, mismatch.db(), mismatch.key())),
                    repairs);
        }
    }

    /** Divergences Kafka took so far. */
    public long published() {
        return published.get();
    }

    /** Repair requests Kafka took so far. */
    public long repairsRequested() {
        return repairs.get();
    }

    /** Records Kafka did not take. */
    public long failed() {
        return failed.get();
    }

    /** Waits for every record handed over to be delivered (or to fail), then closes the producer. */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    private void send(Topic topic, byte[] key, byte[] value, AtomicLong delivered) {
        String name = topics.name(topic);
        producer.send(new ProducerRecord<>(name, key, value), (metadata, e) -> {
            if (e == null) {
                delivered.incrementAndGet();
            } else if (failed.getAndIncrement() < 10) {
                log.warn("Kafka did not take a record for {}: {}", name, e.toString());
            }
        });
    }

    static DivergenceKind kind(Verdict verdict) {
        return switch (verdict) {
            case MISSING -> DivergenceKind.MISSING;
            case EXTRA -> DivergenceKind.EXTRA;
            case TYPE -> DivergenceKind.TYPE;
            case VALUE -> DivergenceKind.VALUE;
            case TTL -> DivergenceKind.TTL;
            case EQUAL, GONE, EXPIRING -> throw new IllegalArgumentException("not a mismatch: " + verdict);
        };
    }

    /** A side as the divergences topic holds it: remaining TTL rather than the verify's absolute expiry. */
    private static SideSnapshot snapshot(KeyState state, long now) {
        long ttl = state.expiryMillis() < 0 ? state.expiryMillis() : Math.max(0, state.expiryMillis() - now);
        return SideSnapshot.newBuilder()
                .setType(state.missing() ? null : state.type())
                .setDigest(
                        state.digest() == null
                                ? null
                                : ByteBuffer.wrap(state.digest().getBytes(StandardCharsets.US_ASCII)))
                .setSize(state.size())
                .setTtlMillis(state.missing() ? -2 : ttl)
                .build();
    }
}
