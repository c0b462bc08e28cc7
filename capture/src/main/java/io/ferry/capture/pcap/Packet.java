package io.ferry.capture.pcap;

/**
 * One captured packet, as a reader fills it: link type, timestamp and the captured bytes. Reused from
 * one packet to the next by its reader: copy what must outlive the next {@link PacketReader#next}.
 * Not thread-safe.
 */
public final class Packet {
    byte[] data = new byte[2048];
    int length;
    int originalLength;
    int linkType;
    long timestampNanos;
    long number;

    /** The captured bytes: {@code data()[0 .. length())}. The array is the reader's, reused. */
    public byte[] data() {
        return data;
    }

    /** Bytes captured (at most the snapshot length). */
    public int length() {
        return length;
    }

    /** Bytes the packet had on the wire; more than {@link #length()} when the snapshot length cut it. */
    public int originalLength() {
        return originalLength;
    }

    /** The link-layer header type ({@code LINKTYPE_*} of the tcpdump.org list). */
    public int linkType() {
        return linkType;
    }

    /** When the packet was captured, in nanoseconds since the Unix epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** Number of the packet in the capture, 1 for the first. */
    public long number() {
        return number;
    }

    /** Makes room for {@code size} bytes, keeping none. */
    byte[] ensureCapacity(int size) {
        if (data.length < size) {
            data = new byte[Math.max(size, Math.min(data.length * 2, PacketReader.MAX_PACKET_LENGTH))];
        }
        return data;
    }

    /** Sets every field but the bytes, for tests and readers. */
    public void set(int linkType, long timestampNanos, int length, int originalLength, long number) {
        this.linkType = linkType;
        this.timestampNanos = timestampNanos;
        this.length = length;
        this.originalLength = originalLength;
        this.number = number;
    }
}
