package io.ferry.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Kafka serde for one generated Avro record type, in Avro single-object encoding: each message is the marker {@code
 * C3 01}, the 8-byte fingerprint of the writer's schema, then the Avro binary record. Any process holding this jar can
 * read any Ferry topic without a schema registry.
 *
 * <p>Writes with the current schema. Reads messages written with the current schema or any version in the record's
 * {@link SchemaHistory}, resolving them to the current schema. Consequence for upgrades: a reader must know the
 * writer's schema, so deploy consumers before producers when a schema changes.
 *
 * <p>A null value maps to a null message and back (a tombstone on compacted topics). Any message that cannot be
 * decoded — not single-object encoded, an unknown fingerprint (a newer Ferry, or another topic's record), corrupt or
 * trailing bytes — raises a {@link SerializationException} naming the topic, the expected record and what was found;
 * decoding never allocates more than the message's size (see {@link BoundedBinaryDecoder}).
 *
 * <p>Thread-safe: one instance may serve many producers and consumers at once. {@link #configure} and {@link #close}
 * do nothing, so Kafka clients may call them freely.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    private final Class<T> type;
    private final Schema schema;
    private final SchemaHistory history;
    private final BinaryMessageEncoder<T> encoder;
    /** Hand-written encoder for the hot records, else null: Avro's generic writer. */
    private final RecordEncoder<T> handWritten;

    private final long fingerprint;
    private final Map<Long, WriterSchema<T>> writers;

    private AvroSerde(Class<T> type, SchemaHistory history) {
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.history = history;
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.handWritten = RecordEncoder.forType(type);
        if (handWritten != null && handWritten.fingerprint() != fingerprint) {
            throw new IllegalStateException("The hand-written encoder of " + type.getSimpleName()
                    + " was written for schema fingerprint " + SchemaVersion.hexFingerprint(handWritten.fingerprint())
                    + " but the schema's is " + SchemaVersion.hexFingerprint(fingerprint)
                    + ": update " + handWritten.getClass().getSimpleName() + " to the changed schema");
        }
        Map<Long, WriterSchema<T>> byFingerprint = new HashMap<>();
        for (SchemaVersion version : history.versions()) {
            byFingerprint.put(
                    version.fingerprint(),
                    new WriterSchema<>(version.label(), new SpecificDatumReader<>(version.schema(), schema, model)));
        }
        // The current schema is normally the latest version, already added. A changed schema not yet released must
        // still read back what this build writes.
        byFingerprint.computeIfAbsent(
                fingerprint,
                fp -> new WriterSchema<>(
                        schema.getName() + " current, not in history (fingerprint " + SchemaVersion.hexFingerprint(fp)
                                + ")",
                        new SpecificDatumReader<>(schema, schema, model)));
        this.writers = Map.copyOf(byFingerprint);
    }

    /**
     * A serde for a generated record class. Prefer {@link TypedTopic#valueSerde()}, which shares one instance per
     * topic.
     *
     * @throws IllegalStateException when the record's schema history is missing or unreadable
     */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        Objects.requireNonNull(type, "type");
        String fullName = SpecificData.getForClass(type).getSchema(type).getFullName();
        return new AvroSerde<>(type, SchemaHistory.load(fullName));
    }

    /** A serde reading the versions of {@code history} instead of the released ones: for tests of evolution. */
    static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaHistory history) {
        return new AvroSerde<>(type, history);
    }

    /** The record class. */
    public Class<T> type() {
        return type;
    }

    /** The schema records are written with. */
    public Schema schema() {
        return schema;
    }

    /** The released versions this serde can read. */
    public SchemaHistory history() {
        return history;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (!type.isInstance(data)) {
            throw new SerializationException("Cannot write a " + data.getClass().getName() + " to topic "
                    + topicName(topic) + ": its serde writes " + type.getName());
        }
        if (handWritten != null) {
            try {
                AvroOut out = new AvroOut(256);
                out.header(fingerprint);
                handWritten.encode(data, out);
                return out.toByteArray();
            } catch (RuntimeException e) {
                // A null in a required field: Avro's writer below fails too, naming the field.
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            encoder.encode(data, out);
        } catch (IOException | RuntimeException e) {
            // Typically a null in a non-null field, which the generated builder would have refused.
            throw new SerializationException(
                    "Cannot encode " + type.getSimpleName() + " for topic " + topicName(topic) + ": " + e.getMessage(),
                    e);
        }
        return out.toByteArray();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < HEADER_LENGTH || data[0] != MARKER_0 || data[1] != MARKER_1) {
            throw new SerializationException(cannotDecode(topic, data)
                    + "not an Avro single-object message (expected: marker C3 01 and an 8-byte schema fingerprint)");
        }
        long fingerprint = readLittleEndianLong(data, 2);
        WriterSchema<T> writer = writers.get(fingerprint);
        if (writer == null) {
            throw new SerializationException(cannotDecode(topic, data) + unknownFingerprint(fingerprint));
        }
        BoundedBinaryDecoder in = new BoundedBinaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH);
        T value;
        try {
            value = writer.reader().read(null, in);
        } catch (IOException | RuntimeException e) {
            // Bad bytes surface from Avro as many exception types; the caller needs one, with the context.
            throw new SerializationException(
                    cannotDecode(topic, data) + "corrupt message of " + writer.label() + ": " + e, e);
        }
        if (in.remaining() != 0) {
            throw new SerializationException(cannotDecode(topic, data) + in.remaining()
                    + " bytes left over after a record of " + writer.label());
        }
        return value;
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "AvroSerde{" + type.getName() + ", " + history.versions().size() + " versions}";
    }

    private String cannotDecode(String topic, byte[] data) {
        int shown = Math.min(data.length, 16);
        return "Cannot decode a message of topic " + topicName(topic) + " as " + type.getName() + " ("
                + data.length + " bytes, starting " + HexFormat.ofDelimiter(" ").formatHex(data, 0, shown)
                + (shown < data.length ? " ..." : "") + "): ";
    }

    private String unknownFingerprint(long fingerprint) {
        String hex = SchemaVersion.hexFingerprint(fingerprint);
        Optional<SchemaVersion> other = otherRecordVersion(fingerprint);
        if (other.isPresent()) {
            return "it holds a " + other.get().label() + ", not a " + type.getSimpleName()
                    + " (a message of another topic, or the wrong serde)";
        }
        StringJoiner known = new StringJoiner(", ");
        writers.values().forEach(w -> known.add(w.label()));
        return "unknown schema fingerprint " + hex + " (known: " + known
                + "); it may come from a newer Ferry, whose consumers must be upgraded first";
    }

    private Optional<SchemaVersion> otherRecordVersion(long fingerprint) {
        for (Topic topic : Topic.values()) {
            if (topic.valueClass() != type) {
                Optional<SchemaVersion> found = topic.valueSerde().history().byFingerprint(fingerprint);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static String topicName(String topic) {
        return topic == null ? "(none)" : topic;
    }

    private static long readLittleEndianLong(byte[] data, int offset) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (data[offset + i] & 0xffL);
        }
        return value;
    }

    private record WriterSchema<T>(String label, SpecificDatumReader<T> reader) {}
}
