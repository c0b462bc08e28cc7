package io.ferry.capture.net;

/** What {@link PacketDecoder#decode} made of a frame: a TCP segment, or why not. */
public enum Decoded {
    /** A whole TCP segment: the {@link TcpSegment} is filled. */
    TCP,
    /** A link type Ferry does not read. */
    UNSUPPORTED_LINK,
    /** Not IPv4 or IPv6 (ARP, LLDP...). */
    NOT_IP,
    /** IP, but not TCP (UDP, ICMP...). */
    NOT_TCP,
    /** A fragment of an IP datagram: not reassembled, dropped. */
    FRAGMENT,
    /** Cut by the snapshot length before the end of the segment: its payload is incomplete. */
    TRUNCATED,
    /** Headers that contradict themselves or the frame's length. */
    MALFORMED
}
