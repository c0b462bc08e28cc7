package io.ferry.capture.net;

import io.ferry.capture.pcap.Bytes;

/**
 * Decodes a captured frame down to its TCP segment: link layer ({@link LinkLayer}), IPv4 with
 * options or IPv6 with extension headers, then the TCP header. Fragments are not reassembled (Redis
 * traffic is not fragmented on a sane network); they are reported, and dropped by the caller.
 * Stateless apart from the segment it fills; no allocation.
 */
public final class PacketDecoder {
    private static final int PROTOCOL_TCP = 6;
    private static final int IPV6_HOP_BY_HOP = 0;
    private static final int IPV6_ROUTING = 43;
    private static final int IPV6_FRAGMENT = 44;
    private static final int IPV6_AUTHENTICATION = 51;
    private static final int IPV6_NO_NEXT = 59;
    private static final int IPV6_DESTINATION = 60;
    private static final int IPV6_MOBILITY = 135;
    /** Most IPv6 extension headers followed before giving up on a packet. */
    static final int MAX_EXTENSION_HEADERS = 8;

    private PacketDecoder() {}

    /** Decodes {@code frame[0 .. length)} of {@code linkType} into {@code out}. */
    public static Decoded decode(int linkType, byte[] frame, int length, TcpSegment out) {
        int start = LinkLayer.networkStart(linkType, frame, length);
        if (start == LinkLayer.UNSUPPORTED) {
            return Decoded.UNSUPPORTED_LINK;
        }
        if (start == LinkLayer.NOT_IP) {
            return Decoded.NOT_IP;
        }
        if (start < 0 || start >= length) {
            return Decoded.TRUNCATED;
        }
        int version = (frame[start] & 0xFF) >>> 4;
        if (version == 4) {
            return ipv4(frame, start, length, out);
        }
        if (version == 6) {
            return ipv6(frame, start, length, out);
        }
        return Decoded.NOT_IP;
    }

    private static Decoded ipv4(byte[] frame, int start, int length, TcpSegment out) {
        if (length - start < 20) {
            return Decoded.TRUNCATED;
        }
        int headerLength = (frame[start] & 0x0F) * 4;
        int totalLength = Bytes.shortBE(frame, start + 2);
        if (headerLength < 20 || totalLength < headerLength) {
            return Decoded.MALFORMED;
        }
        int flagsAndOffset = Bytes.shortBE(frame, start + 6);
        boolean moreFragments = (flagsAndOffset & 0x2000) != 0;
        if (moreFragments || (flagsAndOffset & 0x1FFF) != 0) {
            return Decoded.FRAGMENT;
        }
        if ((frame[start + 9] & 0xFF) != PROTOCOL_TCP) {
            return Decoded.NOT_TCP;
        }
        // A total length of 0 is TCP segmentation offload on the capturing host: the frame's length
        // is the packet's.
        int end = totalLength == 0 ? length : start + totalLength;
        if (end > length) {
            return Decoded.TRUNCATED;
        }
        out.ipv6 = false;
        out.sourceHigh = 0;
        out.sourceLow = Bytes.intBE(frame, start + 12) & 0xFFFF_FFFFL;
        out.destinationHigh = 0;
        out.destinationLow = Bytes.intBE(frame, start + 16) & 0xFFFF_FFFFL;
        return tcp(frame, start + headerLength, end, out);
    }

    private static Decoded ipv6(byte[] frame, int start, int length, TcpSegment out) {
        if (length - start < 40) {
            return Decoded.TRUNCATED;
        }
        int payloadLength = Bytes.shortBE(frame, start + 4);
        int end = payloadLength == 0 ? length : start + 40 + payloadLength;
        if (end > length) {
            return Decoded.TRUNCATED;
        }
        int next = frame[start + 6] & 0xFF;
        int at = start + 40;
        for (int headers = 0; next != PROTOCOL_TCP; headers++) {
            if (headers == MAX_EXTENSION_HEADERS) {
                return Decoded.MALFORMED;
            }
            switch (next) {
                case IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_DESTINATION, IPV6_MOBILITY -> {
                    if (at + 2 > end) {
                        return Decoded.MALFORMED;
                    }
                    next = frame[at] & 0xFF;
                    at += ((frame[at + 1] & 0xFF) + 1) * 8;
                }
                case IPV6_AUTHENTICATION -> {
                    if (at + 2 > end) {
                        return Decoded.MALFORMED;
                    }
                    next = frame[at] & 0xFF;
                    at += ((frame[at + 1] & 0xFF) + 2) * 4;
                }
                case IPV6_FRAGMENT -> {
                    return Decoded.FRAGMENT;
                }
                case IPV6_NO_NEXT -> {
                    return Decoded.NOT_TCP;
                }
                default -> {
                    return Decoded.NOT_TCP;
                }
            }
            if (at > end) {
                return Decoded.MALFORMED;
            }
        }
        out.ipv6 = true;
        out.sourceHigh = long64(frame, start + 8);
        out.sourceLow = long64(frame, start + 16);
        out.destinationHigh = long64(frame, start + 24);
        out.destinationLow = long64(frame, start + 32);
        return tcp(frame, at, end, out);
    }

    private static Decoded tcp(byte[] frame, int start, int end, TcpSegment out) {
        if (end - start < 20) {
            return Decoded.MALFORMED;
        }
        int headerLength = ((frame[start + 12] & 0xFF) >>> 4) * 4;
        if (headerLength < 20 || start + headerLength > end) {
            return Decoded.MALFORMED;
        }
        out.sourcePort = Bytes.shortBE(frame, start);
        out.destinationPort = Bytes.shortBE(frame, start + 2);
        out.sequence = Bytes.intBE(frame, start + 4);
        out.acknowledgment = Bytes.intBE(frame, start + 8);
        out.flags = frame[start + 13] & 0xFF;
        out.payloadOffset = start + headerLength;
        out.payloadLength = end - start - headerLength;
        return Decoded.TCP;
    }

    private static long long64(byte[] b, int at) {
        return ((long) Bytes.intBE(b, at) << 32) | (Bytes.intBE(b, at + 4) & 0xFFFF_FFFFL);
    }
}
