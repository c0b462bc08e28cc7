package io.ferry.schemas;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedBinaryDecoderTest {

    private interface Writes {
        void to(BinaryEncoder out) throws IOException;
    }

    private static BoundedBinaryDecoder encoded(Writes writes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        writes.to(out);
        out.flush();
        byte[] array = bytes.toByteArray();
        // Offset the data in a larger array, as messages are after their header.
        byte[] framed = new byte[array.length + 13];
        System.arraycopy(array, 0, framed, 10, array.length);
        return new BoundedBinaryDecoder(framed, 10, array.length);
    }

    @Test
    void readsPrimitivesAsAvrosEncoderWritesThem() throws IOException {
        List<Integer> ints = List.of(0, 1, -1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE);
        List<Long> longs = List.of(0L, -1L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE);
        BoundedBinaryDecoder in = encoded(out -> {
            for (int i : ints) {
                out.writeInt(i);
            }
            for (long l : longs) {
                out.writeLong(l);
            }
            out.writeBoolean(true);
            out.writeBoolean(false);
            out.writeFloat(3.25f);
            out.writeDouble(-1.0e300);
            out.writeString("grüße");
            out.writeString(new Utf8("utf8"));
            out.writeBytes(new byte[] {(byte) 0xff, 0});
            out.writeFixed(new byte[] {7, 8, 9});
            out.writeEnum(4);
            out.writeIndex(1);
        });

        for (int i : ints) {
            assertThat(in.readInt()).isEqualTo(i);
        }
        for (long l : longs) {
            assertThat(in.readLong()).isEqualTo(l);
        }
        assertThat(in.readBoolean()).isTrue();
        assertThat(in.readBoolean()).isFalse();
        assertThat(in.readFloat()).isEqualTo(3.25f);
        assertThat(in.readDouble()).isEqualTo(-1.0e300);
        assertThat(in.readString()).isEqualTo("grüße");
        assertThat(in.readString(null).toString()).isEqualTo("utf8");
        assertThat(in.readBytes(null)).isEqualTo(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0}));
        byte[] fixed = new byte[3];
        in.readFixed(fixed, 0, 3);
        assertThat(fixed).containsExactly(7, 8, 9);
        assertThat(in.readEnum()).isEqualTo(4);
        assertThat(in.readIndex()).isEqualTo(1);
        assertThat(in.remaining()).isZero();
    }

    @Test
    void readsAndSkipsBlocksWithByteSizes() throws IOException {
        // Twice an array of one block of 2 ints with its byte size (count -2, size 2), then the end.
        byte[] data = {3, 4, 2, 4, 0, 3, 4, 2, 4, 0};
        BoundedBinaryDecoder in = new BoundedBinaryDecoder(data, 0, data.length);

        assertThat(in.readArrayStart()).isEqualTo(2);
        assertThat(in.readInt()).isEqualTo(1);
        assertThat(in.readInt()).isEqualTo(2);
        assertThat(in.arrayNext()).isZero();
        assertThat(in.skipArray()).isZero();
        assertThat(in.remaining()).isZero();
    }

    @Test
    void refusesLengthsBeyondTheMessage() throws IOException {
        assertThatThrownBy(() -> encoded(out -> out.writeLong(1_000_000)).readString())
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("string length: 1000000 (expected: 0..0)");
        assertThatThrownBy(() -> encoded(out -> out.writeLong(-5)).readBytes(null))
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("bytes length: -5");
        assertThatThrownBy(() -> encoded(out -> out.writeLong(Long.MAX_VALUE)).readArrayStart())
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("item count");
        // A negative count is followed by a byte size; negating Long.MIN_VALUE overflows.
        assertThatThrownBy(() -> encoded(out -> {
                            out.writeLong(Long.MIN_VALUE);
                            out.writeLong(0);
                        })
                        .readMapStart())
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("item count");
        assertThatThrownBy(() -> encoded(out -> out.writeInt(1)).readDouble())
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("needs 8 more bytes");
    }

    @Test
    void refusesOverlongVarintsAndBadBooleans() {
        byte[] overlongInt = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        assertThatThrownBy(() -> new BoundedBinaryDecoder(overlongInt, 0, overlongInt.length).readInt())
                .hasMessageContaining("Invalid int encoding");
        byte[] overlongLong = new byte[11];
        java.util.Arrays.fill(overlongLong, (byte) 0xff);
        assertThatThrownBy(() -> new BoundedBinaryDecoder(overlongLong, 0, overlongLong.length).readLong())
                .hasMessageContaining("Invalid long encoding");
        byte[] two = {2};
        assertThatThrownBy(() -> new BoundedBinaryDecoder(two, 0, 1).readBoolean())
                .hasMessageContaining("boolean byte 2");
    }
}
