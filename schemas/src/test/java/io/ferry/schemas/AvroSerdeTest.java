package io.ferry.schemas;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class AvroSerdeTest {

    static Stream<Arguments> samples() {
        return Stream.of(
                Arguments.of(Topic.TRAFFIC, SampleRecords.traffic()),
                Arguments.of(Topic.WRITES, SampleRecords.write()),
                Arguments.of(Topic.MOVE_TASKS, SampleRecords.moveTask()),
                Arguments.of(Topic.ERRORS, SampleRecords.error()),
                Arguments.of(Topic.DIVERGENCES, SampleRecords.divergence()),
                Arguments.of(Topic.CONTROL, SampleRecords.controlEndpoint()),
                Arguments.of(Topic.CONTROL, SampleRecords.controlInterlay()),
                Arguments.of(Topic.CONTROL, SampleRecords.controlMigration()),
                Arguments.of(Topic.CONTROL, SampleRecords.controlWorkflow()),
                Arguments.of(Topic.EVENTS, SampleRecords.event()),
                Arguments.of(Topic.CHECKPOINTS, SampleRecords.checkpoint()),
                Arguments.of(Topic.ANALYSIS, SampleRecords.analysis()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("samples")
    void everyRecordRoundTripsThroughItsTopicSerde(Topic topic, SpecificRecord record) {
        assertThat(record).isInstanceOf(topic.valueClass());
        assertEveryFieldDiffersFromItsDefault(record, record.getSchema().getName());

        byte[] bytes = serialize(topic, record);
        Object decoded = topic.valueSerde().deserialize("ferry." + topic.baseName(), bytes);

        assertThat(decoded).isEqualTo(record);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void messagesAreStandardSingleObjectEncoding(Topic topic, SpecificRecord record) throws Exception {
        byte[] ours = serialize(topic, record);
        // Avro's own decoder for the generated class reads what the serde writes ...
        assertThat(decodeWithGeneratedDecoder(record.getClass(), ours)).isEqualTo(record);
        // ... and the serde reads what Avro's own encoder writes.
        byte[] theirs = encodeWithGeneratedEncoder(record);
        assertThat(topic.valueSerde().deserialize("t", theirs)).isEqualTo(record);
        assertThat(ours).startsWith((byte) 0xC3, (byte) 0x01);
    }

    @Test
    void nullIsATombstoneBothWays() {
        AvroSerde<ControlRecord> serde = TypedTopic.CONTROL.valueSerde();
        assertThat(serde.serialize("ferry.control", null)).isNull();
        assertThat(serde.deserialize("ferry.control", null)).isNull();
    }

    @Test
    void serdeIsItsOwnSerializerAndDeserializerAndIgnoresConfigureAndClose() {
        AvroSerde<Event> serde = TypedTopic.EVENTS.valueSerde();
        serde.configure(java.util.Map.of("any", "thing"), false);
        serde.close();
        byte[] bytes = serde.serializer().serialize("ferry.events", SampleRecords.event());
        assertThat(serde.deserializer().deserialize("ferry.events", bytes)).isEqualTo(SampleRecords.event());
    }

    @Test
    void garbageBytesGiveASerializationExceptionNamingTopicAndRecord() {
        byte[] garbage = "hello, not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> TypedTopic.WRITES.valueSerde().deserialize("ferry.writes", garbage))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ferry.writes")
                .hasMessageContaining("io.ferry.schemas.WriteRecord")
                .hasMessageContaining("not an Avro single-object message")
                .hasMessageContaining("68 65 6c 6c");
    }

    @Test
    void emptyAndHeaderOnlyMessagesAreRejected() {
        AvroSerde<WriteRecord> serde = TypedTopic.WRITES.valueSerde();
        assertThatThrownBy(() -> serde.deserialize("ferry.writes", new byte[0]))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("0 bytes");
        byte[] headerOnly = Arrays.copyOf(serialize(Topic.WRITES, SampleRecords.write()), 10);
        assertThatThrownBy(() -> serde.deserialize("ferry.writes", headerOnly))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("corrupt message of WriteRecord v2");
    }

    @Test
    void aRecordOfAnotherTopicIsNamedInTheError() {
        byte[] traffic = serialize(Topic.TRAFFIC, SampleRecords.traffic());
        assertThatThrownBy(() -> TypedTopic.WRITES.valueSerde().deserialize("ferry.writes", traffic))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ferry.writes")
                .hasMessageContaining("it holds a TrafficRecord v1")
                .hasMessageContaining("not a WriteRecord");
    }

    @Test
    void anUnknownFingerprintSaysTheWriterMayBeNewer() {
        byte[] bytes = serialize(Topic.EVENTS, SampleRecords.event());
        bytes[5] ^= 0x5a;
        assertThatThrownBy(() -> TypedTopic.EVENTS.valueSerde().deserialize("ferry.events", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown schema fingerprint")
                .hasMessageContaining("known: Event v1")
                .hasMessageContaining("newer Ferry");
    }

    @Test
    void aTruncatedMessageIsCorrupt() {
        byte[] bytes = serialize(Topic.TRAFFIC, SampleRecords.traffic());
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
        assertThatThrownBy(() -> TypedTopic.TRAFFIC.valueSerde().deserialize("ferry.traffic", truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("corrupt message of TrafficRecord v1");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] bytes = serialize(Topic.CHECKPOINTS, SampleRecords.checkpoint());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 2);
        assertThatThrownBy(() -> TypedTopic.CHECKPOINTS.valueSerde().deserialize("ferry.checkpoints", longer))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("2 bytes left over after a record of Checkpoint v1");
    }

    @Test
    void aHugeClaimedLengthFailsWithoutAllocatingIt() {
        byte[] valid = serialize(Topic.TRAFFIC, SampleRecords.traffic());
        // Header, then the origin enum index, then a string length of about 2^31: Avro's own decoder would
        // allocate 2 GB for it before noticing the message is 20 bytes long.
        byte[] evil = Arrays.copyOf(valid, 20);
        evil[10] = 0x00;
        byte[] hugeLength = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        System.arraycopy(hugeLength, 0, evil, 11, hugeLength.length);
        assertThatThrownBy(() -> TypedTopic.TRAFFIC.valueSerde().deserialize("ferry.traffic", evil))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("string length: 2147483647");
    }

    @Test
    void randomCorruptionsGiveARecordOrASerializationExceptionNeverAnythingElse() {
        Random random = new Random(20261122);
        for (Arguments sample : samples().toList()) {
            Topic topic = (Topic) sample.get()[0];
            byte[] valid = serialize(topic, (SpecificRecord) sample.get()[1]);
            for (int round = 0; round < 2_000; round++) {
                byte[] mutated = mutate(valid, random);
                try {
                    topic.valueSerde().deserialize("fuzz", mutated);
                } catch (SerializationException expected) {
                    assertThat(expected.getMessage())
                            .contains(topic.valueClass().getName());
                } catch (RuntimeException | Error e) {
                    fail("Mutated " + topic + " message " + Arrays.toString(mutated) + " threw " + e, e);
                }
            }
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void serializingTheWrongRecordTypeIsRefused() {
        org.apache.kafka.common.serialization.Serde raw = TypedTopic.WRITES.valueSerde();
        assertThatThrownBy(() -> raw.serializer().serialize("ferry.writes", SampleRecords.traffic()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("TrafficRecord")
                .hasMessageContaining("ferry.writes")
                .hasMessageContaining("io.ferry.schemas.WriteRecord");
    }

    @Test
    void aNullInARequiredFieldIsASerializationExceptionNamingTheRecord() {
        WriteRecord incomplete = SampleRecords.write();
        incomplete.setNode(null);
        assertThatThrownBy(() -> TypedTopic.WRITES.valueSerde().serialize("ferry.writes", incomplete))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Cannot encode WriteRecord for topic ferry.writes")
                .hasMessageContaining("node");
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        switch (random.nextInt(4)) {
            case 0 -> bytes[10 + random.nextInt(bytes.length - 10)] = (byte) random.nextInt(256);
            case 1 -> {
                for (int i = 0; i < 4; i++) {
                    bytes[10 + random.nextInt(bytes.length - 10)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 2 -> bytes = Arrays.copyOf(bytes, 10 + random.nextInt(bytes.length - 10));
            default -> {
                int at = 10 + random.nextInt(bytes.length - 10);
                for (int i = at; i < Math.min(bytes.length, at + 5); i++) {
                    bytes[i] = (byte) 0xff;
                }
            }
        }
        return bytes;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static byte[] serialize(Topic topic, SpecificRecord record) {
        org.apache.kafka.common.serialization.Serde serde = topic.valueSerde();
        return serde.serializer().serialize("ferry." + topic.baseName(), record);
    }

    private static Object decodeWithGeneratedDecoder(Class<?> type, byte[] bytes) throws Exception {
        Object decoder = type.getMethod("getDecoder").invoke(null);
        return decoder.getClass().getMethod("decode", byte[].class).invoke(decoder, (Object) bytes);
    }

    private static byte[] encodeWithGeneratedEncoder(SpecificRecord record) throws Exception {
        ByteBuffer buffer =
                (ByteBuffer) record.getClass().getMethod("toByteBuffer").invoke(record);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** So that a round trip proves every field survives, not just the defaults. */
    static void assertEveryFieldDiffersFromItsDefault(IndexedRecord record, String path) {
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            String where = path + "." + field.name();
            assertThat(value).as(where).isNotNull();
            if (field.hasDefaultValue()) {
                Object defaultValue = SpecificData.get().getDefaultValue(field);
                assertThat(Objects.equals(normalize(value), normalize(defaultValue)))
                        .as("%s is its default %s", where, defaultValue)
                        .isFalse();
            }
            if (value instanceof IndexedRecord nested) {
                assertEveryFieldDiffersFromItsDefault(nested, where);
            } else if (value instanceof List<?> list) {
                assertThat(list).as(where).isNotEmpty();
                for (Object item : list) {
                    if (item instanceof IndexedRecord nested) {
                        assertEveryFieldDiffersFromItsDefault(nested, where + "[]");
                    }
                }
            } else if (value instanceof java.util.Map<?, ?> map) {
                assertThat(map).as(where).isNotEmpty();
            }
        }
    }

    private static Object normalize(Object value) {
        if (value instanceof GenericData.EnumSymbol || value instanceof Enum<?>) {
            return value.toString();
        }
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        return value;
    }
}
