package io.ferry.capture.pcap;

import java.io.IOException;

/**
 * Reads a classic pcap capture (libpcap's format, as {@code tcpdump -w} writes it): either byte
 * order, microsecond or nanosecond timestamps (told apart by the magic number). Not thread-safe.
 */
final class PcapReader implements PacketReader {
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;

    private final ByteInput input;
    private final boolean swapped;
    private final boolean nanos;
    private final int linkType;
    private final byte[] header = new byte[FILE_HEADER_LENGTH];
    private long packets;

    PcapReader(ByteInput input, byte[] magic) throws IOException {
        this.input = input;
        int big = Bytes.intBE(magic, 0);
        int little = Bytes.intLE(magic, 0);
        this.swapped = !(big == MAGIC_MICROS || big == MAGIC_NANOS);
        int value = swapped ? little : big;
        this.nanos = value == MAGIC_NANOS;
        System.arraycopy(magic, 0, header, 0, 4);
        int read = input.read(header, 4, FILE_HEADER_LENGTH - 4);
        if (read < FILE_HEADER_LENGTH - 4) {
            throw new CaptureFileException(
                    "truncated capture: the pcap file header needs " + FILE_HEADER_LENGTH + " bytes, got " + (read + 4),
                    0,
                    0);
        }
        int major = short16(4);
        if (major != 2) {
            throw new CaptureFileException("unsupported pcap version: " + major + " (expected: 2)", 0, 0);
        }
        // The upper bits of the link-type field may carry FCS information (pcap-linktype(7)).
        this.linkType = int32(20) & 0x03FF_FFFF;
    }

    static boolean isPcapMagic(byte[] magic) {
        int big = Bytes.intBE(magic, 0);
        int little = Bytes.intLE(magic, 0);
        return big == MAGIC_MICROS || big == MAGIC_NANOS || little == MAGIC_MICROS || little == MAGIC_NANOS;
    }

    @Override
    public boolean next(Packet packet) throws IOException {
        long start = input.offset();
        long number = packets + 1;
        int read = input.read(header, 0, RECORD_HEADER_LENGTH);
        if (read == 0) {
            return false;
        }
        if (read < RECORD_HEADER_LENGTH) {
            throw new CaptureFileException(
                    "truncated capture: packet record header needs " + RECORD_HEADER_LENGTH + " bytes, got " + read,
                    start,
                    number);
        }
        long seconds = int32(0) & 0xFFFF_FFFFL;
        long fraction = int32(4) & 0xFFFF_FFFFL;
        long capturedLength = int32(8) & 0xFFFF_FFFFL;
        long originalLength = int32(12) & 0xFFFF_FFFFL;
        if (capturedLength > MAX_PACKET_LENGTH) {
            throw new CaptureFileException(
                    "captured length: " + capturedLength + " (expected: <= " + MAX_PACKET_LENGTH + ")", start, number);
        }
        if (fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
            throw new CaptureFileException(
                    "timestamp fraction: " + fraction + " (expected: < " + (nanos ? "1000000000" : "1000000") + ")",
                    start,
                    number);
        }
        int length = (int) capturedLength;
        byte[] data = packet.ensureCapacity(length);
        int got = input.read(data, 0, length);
        if (got < length) {
            throw new CaptureFileException(
                    "truncated capture: packet data needs " + length + " bytes, got " + got, start, number);
        }
        packets = number;
        packet.set(
                linkType,
                seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000),
                length,
                (int) Math.min(originalLength, Integer.MAX_VALUE),
                number);
        return true;
    }

    @Override
    public long offset() {
        return input.offset();
    }

    private int int32(int at) {
        return swapped ? Bytes.intLE(header, at) : Bytes.intBE(header, at);
    }

    private int short16(int at) {
        return swapped ? Bytes.shortLE(header, at) : Bytes.shortBE(header, at);
    }

    @Override
    public void close() throws IOException {
        input.close();
    }
}
