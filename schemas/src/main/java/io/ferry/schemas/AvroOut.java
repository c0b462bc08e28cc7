package io.ferry.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Avro binary encoding into a growing byte array, for the hand-written encoders of the hot records
 * ({@link RecordEncoder}): the same bytes Avro's {@code BinaryEncoder} writes (zig-zag varints,
 * length-prefixed bytes and UTF-8 strings, arrays as one block then 0), without its per-field schema
 * resolution. Not thread-safe: one per message.
 */
final class AvroOut {
    private byte[] bytes;
    private int size;

    AvroOut(int initialCapacity) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    int size() {
        return size;
    }

    /** The single-object encoding header: marker {@code C3 01}, then the fingerprint little-endian. */
    void header(long fingerprint) {
        ensure(10);
        bytes[size++] = (byte) 0xC3;
        bytes[size++] = (byte) 0x01;
        for (int i = 0; i < 8; i++) {
            bytes[size++] = (byte) (fingerprint >>> (8 * i));
        }
    }

    void writeBoolean(boolean value) {
        ensure(1);
        bytes[size++] = (byte) (value ? 1 : 0);
    }

    void writeInt(int value) {
        writeLong(value);
    }

    void writeLong(long value) {
        ensure(10);
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        bytes[size++] = (byte) n;
    }

    /** An enum symbol, by its position in the schema (a generated enum's ordinal). */
    void writeEnum(Enum<?> value) {
        writeInt(value.ordinal());
    }

    /** The branch of a union about to be written. */
    void writeIndex(int branch) {
        writeInt(branch);
    }

    /** A {@code timestamp-micros} long, as Avro's conversion computes it. */
    void writeTimestampMicros(Instant value) {
        writeLong(Math.addExact(Math.multiplyExact(value.getEpochSecond(), 1_000_000L), value.getNano() / 1_000));
    }

    void writeString(String value) {
        int length = value.length();
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            if (value.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (!ascii) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            writeLong(utf8.length);
            write(utf8, 0, utf8.length);
            return;
        }
        writeLong(length);
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) value.charAt(i);
        }
    }

    /** The bytes between position and limit, leaving the buffer as it was. */
    void writeBytes(ByteBuffer value) {
        int length = value.remaining();
        writeLong(length);
        ensure(length);
        value.duplicate().get(bytes, size, length);
        size += length;
    }

    /** {@code ["null", "string"]}. */
    void writeNullableString(String value) {
        if (value == null) {
            writeIndex(0);
        } else {
            writeIndex(1);
            writeString(value);
        }
    }

    /** {@code ["null", "bytes"]}. */
    void writeNullableBytes(ByteBuffer value) {
        if (value == null) {
            writeIndex(0);
        } else {
            writeIndex(1);
            writeBytes(value);
        }
    }

    /** {@code {"type": "array", "items": "bytes"}}. */
    void writeBytesArray(List<ByteBuffer> values) {
        int count = values.size();
        if (count > 0) {
            writeLong(count);
            for (int i = 0; i < count; i++) {
                writeBytes(values.get(i));
            }
        }
        writeLong(0);
    }

    /** An array of enum symbols. */
    void writeEnumArray(List<? extends Enum<?>> values) {
        int count = values.size();
        if (count > 0) {
            writeLong(count);
            for (int i = 0; i < count; i++) {
                writeEnum(values.get(i));
            }
        }
        writeLong(0);
    }

    private void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    private void ensure(int more) {
        if (bytes.length - size < more) {
            long wanted = Math.max((long) bytes.length * 2, (long) size + more);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("record of more than " + (Integer.MAX_VALUE - 8) + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) wanted);
        }
    }
}
