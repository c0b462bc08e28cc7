package io.ferry.schemas;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.InvalidNumberEncodingException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads Avro binary encoding from a slice of one byte array, rejecting every length and item count larger than the
 * bytes left. Avro's own {@code BinaryDecoder} allocates a string, byte array or collection of the length a message
 * claims before finding the message is shorter, so one corrupt message could ask for gigabytes; here a message can
 * never cost more memory than its own size.
 *
 * <p>The count check assumes every array or map item takes at least one byte, which holds for every Ferry schema: no
 * collection of nulls or of empty records ({@code SchemaLintTest} checks it).
 *
 * <p>Not thread-safe: one instance per message.
 */
final class BoundedBinaryDecoder extends Decoder {
    private final byte[] buf;
    private final int limit;
    private int pos;

    BoundedBinaryDecoder(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.length - length) {
            throw new IndexOutOfBoundsException(
                    "offset: " + offset + ", length: " + length + " (array length: " + buf.length + ")");
        }
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    /** Bytes not read yet. */
    int remaining() {
        return limit - pos;
    }

    @Override
    public void readNull() {}

    @Override
    public boolean readBoolean() throws IOException {
        int b = readByte();
        if (b > 1) {
            throw new AvroRuntimeException("Malformed data: boolean byte " + b + " (expected: 0 or 1)");
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        int raw = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > 28) {
                throw new InvalidNumberEncodingException("Invalid int encoding: more than 5 bytes");
            }
            int b = readByte();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
    }

    @Override
    public long readLong() throws IOException {
        long raw = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > 63) {
                throw new InvalidNumberEncodingException("Invalid long encoding: more than 10 bytes");
            }
            long b = readByte();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
    }

    @Override
    public float readFloat() throws IOException {
        require(4);
        int bits = (buf[pos] & 0xff)
                | (buf[pos + 1] & 0xff) << 8
                | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = (bits << 8) | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int length = readLength("string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        System.arraycopy(buf, pos, result.getBytes(), 0, length);
        pos += length;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int length = readLength("string");
        String result = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return result;
    }

    @Override
    public void skipString() throws IOException {
        pos += readLength("string");
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = readLength("bytes");
        ByteBuffer result;
        if (old != null && old.capacity() >= length) {
            result = old;
            result.clear();
        } else {
            result = ByteBuffer.allocate(length);
        }
        result.put(buf, pos, length);
        result.flip();
        pos += length;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        pos += readLength("bytes");
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length);
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require(length);
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    @Override
    public long readArrayStart() throws IOException {
        return readBlockCount();
    }

    @Override
    public long arrayNext() throws IOException {
        return readBlockCount();
    }

    @Override
    public long skipArray() throws IOException {
        return skipSizedBlocks();
    }

    @Override
    public long readMapStart() throws IOException {
        return readBlockCount();
    }

    @Override
    public long mapNext() throws IOException {
        return readBlockCount();
    }

    @Override
    public long skipMap() throws IOException {
        return skipSizedBlocks();
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }

    private int readByte() throws IOException {
        require(1);
        return buf[pos++] & 0xff;
    }

    private void require(int length) throws EOFException {
        if (length < 0 || length > limit - pos) {
            throw new EOFException(
                    "Message ends early: needs " + length + " more bytes at offset " + pos + ", has " + (limit - pos));
        }
    }

    private int readLength(String what) throws IOException {
        long length = readLong();
        if (length < 0 || length > limit - pos) {
            throw new AvroRuntimeException(
                    "Malformed data: " + what + " length: " + length + " (expected: 0.." + (limit - pos) + ")");
        }
        return (int) length;
    }

    /**
     * A block's item count. A negative count is followed by the block's size in bytes, which item-by-item reading
     * does not need.
     */
    private long readBlockCount() throws IOException {
        long count = readLong();
        if (count < 0) {
            readLong();
            count = -count;
        }
        checkCount(count);
        return count;
    }

    /** Skips blocks that carry their byte size; returns the count of the first block that must be skipped item by item. */
    private long skipSizedBlocks() throws IOException {
        while (true) {
            long count = readLong();
            if (count >= 0) {
                checkCount(count);
                return count;
            }
            long size = readLong();
            if (size < 0 || size > limit - pos) {
                throw new AvroRuntimeException(
                        "Malformed data: block size: " + size + " (expected: 0.." + (limit - pos) + ")");
            }
            pos += (int) size;
        }
    }

    private void checkCount(long count) {
        // count < 0 here only for Long.MIN_VALUE, whose negation overflows.
        if (count < 0 || count > limit - pos) {
            throw new AvroRuntimeException(
                    "Malformed data: item count: " + count + " (expected: 0.." + (limit - pos) + ")");
        }
    }
}
