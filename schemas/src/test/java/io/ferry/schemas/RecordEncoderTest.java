package io.ferry.schemas;

import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hand-written encoders write exactly what Avro's own writer writes, for records with every
 * field shape the schemas allow, so consumers cannot tell which one wrote a message.
 */
class RecordEncoderTest {
    private static final int RECORDS = 2_000;

    @Test
    void writeRecordsAreByteForByteWhatAvroWrites() throws IOException {
        Random random = new Random(7);
        for (int i = 0; i < RECORDS; i++) {
            WriteRecord record = randomWrite(random);
            assertSameBytes(WriteRecord.class, record);
        }
        assertSameBytes(WriteRecord.class, SampleRecords.write());
    }

    @Test
    void trafficRecordsAreByteForByteWhatAvroWrites() throws IOException {
        Random random = new Random(11);
        for (int i = 0; i < RECORDS; i++) {
            TrafficRecord record = randomTraffic(random);
            assertSameBytes(TrafficRecord.class, record);
        }
        assertSameBytes(TrafficRecord.class, SampleRecords.traffic());
    }

    @Test
    void encodersAreWrittenForTheCurrentSchemas() {
        assertThat(RecordEncoder.forType(WriteRecord.class).fingerprint())
                .isEqualTo(SchemaNormalization.parsingFingerprint64(WriteRecord.getClassSchema()));
        assertThat(RecordEncoder.forType(TrafficRecord.class).fingerprint())
                .isEqualTo(SchemaNormalization.parsingFingerprint64(TrafficRecord.getClassSchema()));
        assertThat(RecordEncoder.forType(MoveTask.class)).isNull();
    }

    @Test
    void aBufferIsReadWithoutMovingItsPosition() {
        WriteRecord record = randomWrite(new Random(3));
        ByteBuffer key = ByteBuffer.allocateDirect(8).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        key.position(2).limit(6);
        record.setKeys(List.of(key));
        AvroSerde<WriteRecord> serde = AvroSerde.of(WriteRecord.class);

        WriteRecord back = serde.deserialize("t", serde.serialize("t", record));

        assertThat(back.getKeys().get(0)).isEqualTo(ByteBuffer.wrap(new byte[] {3, 4, 5, 6}));
        assertThat(key.position()).isEqualTo(2);
        assertThat(key.limit()).isEqualTo(6);
    }

    @Test
    void aNullInARequiredFieldIsASerializationErrorNamingTheRecordAndTopic() {
        WriteRecord record = randomWrite(new Random(5));
        record.setCommand(null);
        AvroSerde<WriteRecord> serde = AvroSerde.of(WriteRecord.class);

        assertThatThrownBy(() -> serde.serialize("ferry.writes", record))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("WriteRecord")
                .hasMessageContaining("ferry.writes");
    }

    private static <T extends SpecificRecord> void assertSameBytes(Class<T> type, T record) throws IOException {
        BinaryMessageEncoder<T> avro = new BinaryMessageEncoder<>(
                SpecificData.getForClass(type), SpecificData.get().getSchema(type));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        avro.encode(record, expected);

        byte[] actual = AvroSerde.of(type).serialize("t", record);

        assertThat(actual).as("%s", record).isEqualTo(expected.toByteArray());
        assertThat(AvroSerde.of(type).deserialize("t", actual)).isEqualTo(record);
    }

    static WriteRecord randomWrite(Random random) {
        List<WriteFlag> flags = new ArrayList<>();
        for (WriteFlag flag : WriteFlag.values()) {
            if (random.nextInt(4) == 0) {
                flags.add(flag);
            }
        }
        return WriteRecord.newBuilder()
                .setNode(text(random))
                .setConnection(text(random))
                .setSequence(number(random))
                .setTimestampMicros(instant(random))
                .setDb((int) number(random))
                .setCommand(text(random))
                .setKeys(buffers(random))
                .setArgs(buffers(random))
                .setArgsTruncated(random.nextBoolean())
                .setSource(random.nextInt(3) == 0 ? null : side(random))
                .setTarget(random.nextInt(3) == 0 ? null : side(random))
                .setFlags(flags)
                .setEpoch(number(random))
                .build();
    }

    static TrafficRecord randomTraffic(Random random) {
        return TrafficRecord.newBuilder()
                .setOrigin(pick(random, Origin.values()))
                .setNode(text(random))
                .setConnection(text(random))
                .setSequence(number(random))
                .setTimestampMicros(instant(random))
                .setDb((int) number(random))
                .setCommand(text(random))
                .setCommandClass(pick(random, CommandClass.values()))
                .setKeys(buffers(random))
                .setArgs(buffers(random))
                .setArgsTruncated(random.nextBoolean())
                .setProtocol(random.nextBoolean() ? 2 : 3)
                .setResponseType(random.nextInt(3) == 0 ? null : text(random))
                .setResponseDigest(random.nextInt(3) == 0 ? null : buffer(random))
                .setResponseBody(random.nextInt(3) == 0 ? null : buffer(random))
                .setResponseTruncated(random.nextBoolean())
                .setResponseSize(number(random))
                .setLatencyMicros(number(random))
                .setSide(pick(random, Side.values()))
                .build();
    }

    private static SideResult side(Random random) {
        return SideResult.newBuilder()
                .setOutcome(pick(random, Outcome.values()))
                .setError(random.nextBoolean() ? null : text(random))
                .setReplyDigest(random.nextBoolean() ? null : buffer(random))
                .setLatencyMicros(number(random))
                .build();
    }

    private static <E> E pick(Random random, E[] values) {
        return values[random.nextInt(values.length)];
    }

    /** Small, negative, huge and boundary numbers alike: every varint length. */
    private static long number(Random random) {
        switch (random.nextInt(6)) {
            case 0:
                return random.nextInt(64) - 32;
            case 1:
                return random.nextInt();
            case 2:
                return random.nextLong();
            case 3:
                return pick(random, new Long[] {0L, -1L, 63L, 64L, -64L, -65L, Long.MAX_VALUE, Long.MIN_VALUE});
            default:
                return random.nextInt(1 << 21);
        }
    }

    /** Instants before and after the epoch, with and without sub-second parts (microseconds only). */
    private static Instant instant(Random random) {
        long seconds = random.nextInt(4) == 0 ? -random.nextInt(1_000_000_000) : random.nextInt(2_000_000_000);
        return Instant.ofEpochSecond(seconds, random.nextInt(1_000_000) * 1_000L);
    }

    /** ASCII, Latin-1, multi-byte and surrogate-pair text, and the empty string. */
    private static String text(Random random) {
        int length = random.nextInt(5) == 0 ? 0 : random.nextInt(40);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(8)) {
                case 0:
                    text.append((char) (0x80 + random.nextInt(0x780)));
                    break;
                case 1:
                    text.append((char) (0x800 + random.nextInt(0xD000)));
                    break;
                case 2:
                    text.appendCodePoint(0x10000 + random.nextInt(0xFFFF));
                    break;
                default:
                    text.append((char) random.nextInt(0x80));
            }
        }
        return text.toString();
    }

    private static List<ByteBuffer> buffers(Random random) {
        int count = random.nextInt(4) == 0 ? 0 : random.nextInt(6);
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            buffers.add(buffer(random));
        }
        return buffers;
    }

    /** Heap and direct buffers, some of them a window of a larger one. */
    private static ByteBuffer buffer(Random random) {
        int length = random.nextInt(10) == 0 ? 300 + random.nextInt(3_000) : random.nextInt(70);
        byte[] bytes = new byte[length + 4];
        random.nextBytes(bytes);
        ByteBuffer buffer =
                random.nextBoolean() ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        buffer.put(bytes).clear();
        buffer.position(2).limit(2 + length);
        return buffer.slice();
    }
}
