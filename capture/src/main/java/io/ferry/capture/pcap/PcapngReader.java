package io.ferry.capture.pcap;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pcapng capture: section header blocks in either byte order (a new section may change it),
 * interface description blocks with their timestamp resolution ({@code if_tsresol}) and offset
 * ({@code if_tsoffset}), enhanced and simple packet blocks; every other block is skipped unread. Each
 * interface keeps its own link type. A simple packet block has no timestamp: it gets the latest one
 * seen. Not thread-safe.
 */
final class PcapngReader implements PacketReader {
    static final int SECTION_HEADER = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION = 1;
    static final int SIMPLE_PACKET = 3;
    static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    /** Largest block accepted, whole: a packet of the largest size with room for options. */
    static final int MAX_BLOCK_LENGTH = 16 * 1024 * 1024;
    /** Most interfaces one section may describe. */
    static final int MAX_INTERFACES = 1024;

    private static final int OPTION_END = 0;
    private static final int OPTION_TSRESOL = 9;
    private static final int OPTION_TSOFFSET = 14;

    private final ByteInput input;
    private final byte[] head = new byte[12];
    private byte[] body = new byte[4096];
    private final List<Interface> interfaces = new ArrayList<>();
    private boolean swapped;
    private long packets;
    private long lastTimestampNanos;

    /** One interface of the current section. */
    private record Interface(int linkType, int snapLength, boolean binary, int exponent, long offsetSeconds) {
        long nanos(long units) {
            long base;
            if (binary) {
                base = BigInteger.valueOf(units)
                        .multiply(BigInteger.valueOf(1_000_000_000L))
                        .shiftRight(exponent)
                        .longValue();
            } else if (exponent <= 9) {
                base = units * POWERS[9 - exponent];
            } else {
                base = units / POWERS[Math.min(exponent - 9, 18)];
            }
            return base + offsetSeconds * 1_000_000_000L;
        }
    }

    private static final long[] POWERS = powers();

    PcapngReader(ByteInput input, byte[] magic) throws IOException {
        this.input = input;
        readSectionHeader(0, true);
    }

    static boolean isSectionHeader(byte[] magic) {
        return Bytes.intBE(magic, 0) == SECTION_HEADER;
    }

    @Override
    public boolean next(Packet packet) throws IOException {
        for (; ; ) {
            long start = input.offset();
            int read = input.read(head, 0, 4);
            if (read == 0) {
                return false;
            }
            if (read < 4) {
                throw truncated("block type needs 4 bytes, got " + read, start);
            }
            int type = int32(head, 0);
            if (type == SECTION_HEADER) {
                readSectionHeader(start, false);
                continue;
            }
            read = input.read(head, 4, 4);
            if (read < 4) {
                throw truncated("block length needs 4 bytes, got " + read, start);
            }
            int length = checkBlockLength(int32(head, 4), 12, start);
            int bodyLength = length - 12;
            switch (type) {
                case INTERFACE_DESCRIPTION -> {
                    readBody(bodyLength, start);
                    readInterface(bodyLength, start);
                    readTrailer(length, start);
                }
                case ENHANCED_PACKET -> {
                    readBody(bodyLength, start);
                    readTrailer(length, start);
                    readEnhancedPacket(bodyLength, start, packet);
                    return true;
                }
                case SIMPLE_PACKET -> {
                    readBody(bodyLength, start);
                    readTrailer(length, start);
                    readSimplePacket(bodyLength, start, packet);
                    return true;
                }
                default -> {
                    long skipped = input.skip(bodyLength);
                    if (skipped < bodyLength) {
                        throw truncated("block body needs " + bodyLength + " bytes, got " + skipped, start);
                    }
                    readTrailer(length, start);
                }
            }
        }
    }

    private void readSectionHeader(long start, boolean first) throws IOException {
        int read = input.read(head, 4, 8);
        if (read < 8) {
            throw truncated("section header needs 12 bytes, got " + (read + 4), start);
        }
        int magic = Bytes.intBE(head, 8);
        if (magic == BYTE_ORDER_MAGIC) {
            swapped = false;
        } else if (Bytes.intLE(head, 8) == BYTE_ORDER_MAGIC) {
            swapped = true;
        } else {
            throw new CaptureFileException(
                    String.format("not a pcapng section header: byte-order magic 0x%08x", magic), start, packets + 1);
        }
        int length = checkBlockLength(int32(head, 4), 28, start);
        // Version (4 bytes), section length (8), options: nothing Ferry needs.
        int rest = length - 12 - 4;
        if (input.skip(rest) < rest) {
            throw truncated("section header needs " + length + " bytes", start);
        }
        readTrailer(length, start);
        interfaces.clear();
    }

    private void readInterface(int bodyLength, long start) throws CaptureFileException {
        if (bodyLength < 8) {
            throw new CaptureFileException(
                    "interface description body: " + bodyLength + " bytes (expected: >= 8)", start, packets + 1);
        }
        if (interfaces.size() >= MAX_INTERFACES) {
            throw new CaptureFileException(
                    "interfaces: " + (interfaces.size() + 1) + " (expected: <= " + MAX_INTERFACES + ")",
                    start,
                    packets + 1);
        }
        int linkType = short16(body, 0);
        int snapLength = int32(body, 4);
        boolean binary = false;
        int exponent = 6;
        long offsetSeconds = 0;
        int at = 8;
        while (at + 4 <= bodyLength) {
            int code = short16(body, at);
            int optionLength = short16(body, at + 2);
            at += 4;
            if (code == OPTION_END) {
                break;
            }
            if (at + optionLength > bodyLength) {
                throw new CaptureFileException(
                        "interface option length: " + optionLength + " (expected: <= " + (bodyLength - at) + ")",
                        start,
                        packets + 1);
            }
            if (code == OPTION_TSRESOL && optionLength >= 1) {
                int value = body[at] & 0xFF;
                binary = (value & 0x80) != 0;
                exponent = value & 0x7F;
                if (binary ? exponent > 62 : exponent > 18) {
                    throw new CaptureFileException(
                            "if_tsresol exponent: " + exponent + " (expected: <= " + (binary ? 62 : 18) + ")",
                            start,
                            packets + 1);
                }
            } else if (code == OPTION_TSOFFSET && optionLength >= 8) {
                long high = int32(body, at) & 0xFFFF_FFFFL;
                long low = int32(body, at + 4) & 0xFFFF_FFFFL;
                offsetSeconds = swapped ? (low << 32) | high : (high << 32) | low;
            }
            at += (optionLength + 3) & ~3;
        }
        interfaces.add(new Interface(linkType, snapLength, binary, exponent, offsetSeconds));
    }

    private void readEnhancedPacket(int bodyLength, long start, Packet packet) throws CaptureFileException {
        long number = packets + 1;
        if (bodyLength < 20) {
            throw new CaptureFileException(
                    "enhanced packet body: " + bodyLength + " bytes (expected: >= 20)", start, number);
        }
        Interface itf = interfaceOf(int32(body, 0) & 0xFFFF_FFFFL, start, number);
        long units = ((int32(body, 4) & 0xFFFF_FFFFL) << 32) | (int32(body, 8) & 0xFFFF_FFFFL);
        long captured = int32(body, 12) & 0xFFFF_FFFFL;
        long original = int32(body, 16) & 0xFFFF_FFFFL;
        if (captured > MAX_PACKET_LENGTH) {
            throw new CaptureFileException(
                    "captured length: " + captured + " (expected: <= " + MAX_PACKET_LENGTH + ")", start, number);
        }
        if (captured > bodyLength - 20) {
            throw new CaptureFileException(
                    "captured length: " + captured + " (expected: <= " + (bodyLength - 20) + ", the block's room)",
                    start,
                    number);
        }
        int length = (int) captured;
        System.arraycopy(body, 20, packet.ensureCapacity(length), 0, length);
        lastTimestampNanos = itf.nanos(units);
        packets = number;
        packet.set(itf.linkType, lastTimestampNanos, length, (int) Math.min(original, Integer.MAX_VALUE), number);
    }

    private void readSimplePacket(int bodyLength, long start, Packet packet) throws CaptureFileException {
        long number = packets + 1;
        if (bodyLength < 4) {
            throw new CaptureFileException(
                    "simple packet body: " + bodyLength + " bytes (expected: >= 4)", start, number);
        }
        Interface itf = interfaceOf(0, start, number);
        long original = int32(body, 0) & 0xFFFF_FFFFL;
        long captured = Math.min(original, bodyLength - 4);
        if (itf.snapLength > 0) {
            captured = Math.min(captured, itf.snapLength);
        }
        if (captured > MAX_PACKET_LENGTH) {
            throw new CaptureFileException(
                    "captured length: " + captured + " (expected: <= " + MAX_PACKET_LENGTH + ")", start, number);
        }
        int length = (int) captured;
        System.arraycopy(body, 4, packet.ensureCapacity(length), 0, length);
        packets = number;
        packet.set(itf.linkType, lastTimestampNanos, length, (int) Math.min(original, Integer.MAX_VALUE), number);
    }

    private Interface interfaceOf(long id, long start, long number) throws CaptureFileException {
        if (id >= interfaces.size()) {
            throw new CaptureFileException(
                    "interface id: " + id + " (expected: < " + interfaces.size() + ", the interfaces described)",
                    start,
                    number);
        }
        return interfaces.get((int) id);
    }

    private int checkBlockLength(int value, int min, long start) throws CaptureFileException {
        long length = value & 0xFFFF_FFFFL;
        if (length > MAX_BLOCK_LENGTH) {
            throw new CaptureFileException(
                    "block length: " + length + " (expected: <= " + MAX_BLOCK_LENGTH + ")", start, packets + 1);
        }
        if (length < min || length % 4 != 0) {
            throw new CaptureFileException(
                    "block length: " + length + " (expected: a multiple of 4, >= " + min + ")", start, packets + 1);
        }
        return (int) length;
    }

    private void readBody(int length, long start) throws IOException {
        if (body.length < length) {
            body = new byte[Math.max(length, Math.min(body.length * 2, MAX_BLOCK_LENGTH))];
        }
        int read = input.read(body, 0, length);
        if (read < length) {
            throw truncated("block body needs " + length + " bytes, got " + read, start);
        }
    }

    private void readTrailer(int length, long start) throws IOException {
        int read = input.read(head, 8, 4);
        if (read < 4) {
            throw truncated("block trailer needs 4 bytes, got " + read, start);
        }
        int trailer = int32(head, 8);
        if (trailer != length) {
            throw new CaptureFileException(
                    "block trailer length: " + (trailer & 0xFFFF_FFFFL) + " (expected: " + length + ", as its header)",
                    start,
                    packets + 1);
        }
    }

    private CaptureFileException truncated(String what, long start) {
        return new CaptureFileException("truncated capture: " + what, start, packets + 1);
    }

    private int int32(byte[] b, int at) {
        return swapped ? Bytes.intLE(b, at) : Bytes.intBE(b, at);
    }

    private int short16(byte[] b, int at) {
        return swapped ? Bytes.shortLE(b, at) : Bytes.shortBE(b, at);
    }

    @Override
    public long offset() {
        return input.offset();
    }

    @Override
    public void close() throws IOException {
        input.close();
    }

    private static long[] powers() {
        long[] powers = new long[19];
        powers[0] = 1;
        for (int i = 1; i < powers.length; i++) {
            powers[i] = powers[i - 1] * 10;
        }
        return powers;
    }
}
