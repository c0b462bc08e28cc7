package io.ferry.capture.pcap;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the packets of a capture, in file order, into a reused {@link Packet}. Opened with {@link
 * #open}, which tells classic pcap from pcapng by the first four bytes. Not thread-safe: one thread
 * reads.
 */
public interface PacketReader extends Closeable {
    /** Largest packet accepted, captured bytes: tcpdump's own largest snapshot length. */
    int MAX_PACKET_LENGTH = 262_144;

    /**
     * Reads the next packet into {@code packet}.
     *
     * @return false at a clean end of the capture
     * @throws CaptureFileException when the capture is truncated or corrupt; the packets read before
     *     were complete
     */
    boolean next(Packet packet) throws IOException;

    /** Bytes of the capture consumed so far. */
    long offset();

    /** The reader for the capture on {@code in} (a file, or standard input); reads its first header. */
    static PacketReader open(InputStream in) throws IOException {
        ByteInput input = new ByteInput(in);
        byte[] magic = new byte[4];
        int read = input.read(magic, 0, 4);
        if (read == 0) {
            throw new CaptureFileException("empty capture: no pcap or pcapng header", 0, 0);
        }
        if (read < 4) {
            throw new CaptureFileException("truncated capture: " + read + " bytes, not a whole header", 0, 0);
        }
        if (PcapngReader.isSectionHeader(magic)) {
            return new PcapngReader(input, magic);
        }
        if (PcapReader.isPcapMagic(magic)) {
            return new PcapReader(input, magic);
        }
        throw new CaptureFileException(
                String.format(
                        "not a pcap or pcapng capture: magic 0x%02x%02x%02x%02x",
                        magic[0], magic[1], magic[2], magic[3]),
                0,
                0);
    }
}
