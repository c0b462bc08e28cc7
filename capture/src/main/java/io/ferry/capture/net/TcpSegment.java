package io.ferry.capture.net;

/**
 * One TCP segment, as {@link PacketDecoder} fills it: addresses (IPv4 in the low 32 bits of {@code
 * addressLow}, IPv6 as two longs), ports, sequence and acknowledgment numbers, flags, and where the
 * payload lies in the frame. Reused from one packet to the next. Not thread-safe.
 */
public final class TcpSegment {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int ACK = 0x10;

    boolean ipv6;
    long sourceHigh;
    long sourceLow;
    long destinationHigh;
    long destinationLow;
    int sourcePort;
    int destinationPort;
    int sequence;
    int acknowledgment;
    int flags;
    int payloadOffset;
    int payloadLength;

    public boolean ipv6() {
        return ipv6;
    }

    public long sourceHigh() {
        return sourceHigh;
    }

    public long sourceLow() {
        return sourceLow;
    }

    public long destinationHigh() {
        return destinationHigh;
    }

    public long destinationLow() {
        return destinationLow;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    public int sequence() {
        return sequence;
    }

    public int acknowledgment() {
        return acknowledgment;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Where the payload starts in the frame's bytes. */
    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }
}
