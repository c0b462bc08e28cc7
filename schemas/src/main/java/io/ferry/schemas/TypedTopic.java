package io.ferry.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link Topic} with its Java key and value types: the serdes a producer or consumer needs, and the key a record is
 * published under. The key rule is here, once, so every producer of a topic partitions alike.
 *
 * <pre>{@code
 * TopicRegistry topics = TopicRegistry.builder().prefix("ferry").build();
 * KafkaProducer<byte[], WriteRecord> producer = new KafkaProducer<>(config,
 *         TypedTopic.WRITES.keySerde().serializer(), TypedTopic.WRITES.valueSerde().serializer());
 * producer.send(TypedTopic.WRITES.producerRecord(topics, write));
 * }</pre>
 *
 * <p>Immutable and thread-safe; the serdes are shared, thread-safe instances.
 *
 * @param <K> the key type: {@code byte[]} for Redis keys, {@code String} for ids
 * @param <V> the generated record class of the values
 */
public final class TypedTopic<K, V extends SpecificRecord> {
    private static final byte[] NO_KEY = new byte[0];

    /** Keyed by {@code node/connection}. */
    public static final TypedTopic<String, TrafficRecord> TRAFFIC = new TypedTopic<>(
            Topic.TRAFFIC, String.class, TrafficRecord.class, r -> r.getNode() + "/" + r.getConnection());
    /** Keyed by the first Redis key of the command; empty for keyless writes (FLUSHALL, SWAPDB...). */
    public static final TypedTopic<byte[], WriteRecord> WRITES = new TypedTopic<>(
            Topic.WRITES,
            byte[].class,
            WriteRecord.class,
            r -> r.getKeys().isEmpty() ? NO_KEY : bytes(r.getKeys().get(0)));
    /** Keyed by task id. */
    public static final TypedTopic<String, MoveTask> MOVE_TASKS =
            new TypedTopic<>(Topic.MOVE_TASKS, String.class, MoveTask.class, MoveTask::getTaskId);
    /** Keyed by the Redis key. */
    public static final TypedTopic<byte[], ErrorRecord> ERRORS =
            new TypedTopic<>(Topic.ERRORS, byte[].class, ErrorRecord.class, r -> bytes(r.getKey()));
    /** Keyed by the Redis key. */
    public static final TypedTopic<byte[], Divergence> DIVERGENCES =
            new TypedTopic<>(Topic.DIVERGENCES, byte[].class, Divergence.class, r -> bytes(r.getKey()));
    /** Keyed by entity id; a null value deletes the entity. */
    public static final TypedTopic<String, ControlRecord> CONTROL =
            new TypedTopic<>(Topic.CONTROL, String.class, ControlRecord.class, ControlRecord::getId);
    /** Keyed by run id; empty for events outside a run. */
    public static final TypedTopic<String, Event> EVENTS =
            new TypedTopic<>(Topic.EVENTS, String.class, Event.class, r -> r.getRunId() == null ? "" : r.getRunId());
    /** Keyed by checkpoint id; a null value deletes the checkpoint. */
    public static final TypedTopic<String, Checkpoint> CHECKPOINTS =
            new TypedTopic<>(Topic.CHECKPOINTS, String.class, Checkpoint.class, Checkpoint::getId);
    /** Keyed by {@code metric}, or {@code metric/dimension} when broken down. */
    public static final TypedTopic<String, AnalysisRecord> ANALYSIS = new TypedTopic<>(
            Topic.ANALYSIS,
            String.class,
            AnalysisRecord.class,
            r -> r.getDimension() == null ? r.getMetric() : r.getMetric() + "/" + r.getDimension());

    private static final Map<Topic, TypedTopic<?, ?>> BY_TOPIC =
            index(List.of(TRAFFIC, WRITES, MOVE_TASKS, ERRORS, DIVERGENCES, CONTROL, EVENTS, CHECKPOINTS, ANALYSIS));

    private final Topic topic;
    private final Class<K> keyType;
    private final Serde<K> keySerde;
    private final AvroSerde<V> valueSerde;
    private final Function<V, K> keyOf;

    private TypedTopic(Topic topic, Class<K> keyType, Class<V> valueType, Function<V, K> keyOf) {
        if (topic.keyKind().javaType() != keyType || topic.valueClass() != valueType) {
            throw new IllegalStateException("TypedTopic " + topic + " is <" + keyType.getSimpleName() + ", "
                    + valueType.getSimpleName() + "> but Topic." + topic + " declares <"
                    + topic.keyKind().javaType().getSimpleName() + ", "
                    + topic.valueClass().getSimpleName() + ">");
        }
        this.topic = topic;
        this.keyType = keyType;
        this.keySerde = Serdes.serdeFrom(keyType);
        this.valueSerde = AvroSerde.of(valueType);
        this.keyOf = keyOf;
    }

    /** The typed view of a topic, for code that handles every topic alike. */
    public static TypedTopic<?, ?> of(Topic topic) {
        return BY_TOPIC.get(Objects.requireNonNull(topic, "topic"));
    }

    public Topic topic() {
        return topic;
    }

    public Class<K> keyType() {
        return keyType;
    }

    /** Kafka's string or byte-array serde. */
    public Serde<K> keySerde() {
        return keySerde;
    }

    /** The topic's Avro serde, shared. */
    public AvroSerde<V> valueSerde() {
        return valueSerde;
    }

    /** The key {@code value} is published under. */
    public K keyOf(V value) {
        return keyOf.apply(Objects.requireNonNull(value, "value"));
    }

    /** A record for {@code value} on this topic under {@code registry}'s naming, keyed by {@link #keyOf}. */
    public ProducerRecord<K, V> producerRecord(TopicRegistry registry, V value) {
        return new ProducerRecord<>(registry.name(topic), keyOf(value), value);
    }

    @Override
    public String toString() {
        return "TypedTopic{" + topic + ", <" + keyType.getSimpleName() + ", "
                + valueSerde.type().getSimpleName() + ">}";
    }

    /** The bytes between position and limit, leaving the buffer as it was. */
    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    private static Map<Topic, TypedTopic<?, ?>> index(List<TypedTopic<?, ?>> all) {
        Map<Topic, TypedTopic<?, ?>> byTopic = new EnumMap<>(Topic.class);
        for (TypedTopic<?, ?> typed : all) {
            byTopic.put(typed.topic, typed);
        }
        for (Topic topic : Topic.values()) {
            if (!byTopic.containsKey(topic)) {
                throw new IllegalStateException("Topic." + topic + " has no TypedTopic constant");
            }
        }
        return byTopic;
    }
}
