package io.ferry.capture;

/** What a capture counts, each with the name the summary prints and what it means. */
public enum Counter {
    PACKETS("packets", "packets read from the capture"),
    TCP_SEGMENTS("tcp.segments", "TCP segments to or from a server port"),
    OTHER_PORTS("packets.other-ports", "TCP segments between ports none of which is a server port: ignored"),
    NOT_IP("packets.not-ip", "frames that hold no IPv4 or IPv6 packet (ARP, ...): ignored"),
    NOT_TCP("packets.not-tcp", "IP packets that are not TCP: ignored"),
    UNSUPPORTED_LINK("packets.unsupported-link", "frames of a link type Ferry does not read: ignored"),
    FRAGMENTS("packets.fragments", "IP fragments: not reassembled, dropped (a gap in their flow)"),
    TRUNCATED("packets.truncated", "packets cut by the snapshot length: dropped (a gap in their flow)"),
    MALFORMED("packets.malformed", "packets whose IP or TCP headers contradict themselves: dropped"),
    FLOWS("flows", "TCP connections seen"),
    FLOWS_MIDSTREAM(
            "flows.midstream",
            "connections opened before the capture: commands from the first command" + " boundary on, without replies"),
    FLOW_TABLE_FULL(
            "packets.flow-table-full", "packets of connections not followed: the flow table was full (max-flows)"),
    FLOWS_IDLE("flows.idle-closed", "connections closed after no packet for flow-idle-timeout"),
    OVER_BUDGET(
            "flows.over-budget",
            "times a connection held more than max-flow-bytes, or pushed the capture"
                    + " past max-total-bytes: what it held was let go (a gap), pairing given up"),
    OUT_OF_ORDER("segments.out-of-order", "segments that came before the bytes preceding them: buffered"),
    RETRANSMITTED("segments.retransmitted", "segments holding only bytes already seen: skipped"),
    OVERLAPS_TRIMMED("segments.overlap-trimmed", "segments partly made of bytes already seen: trimmed"),
    GAPS_REQUESTS("gaps.requests", "gaps in what clients sent: resynchronised at the next command boundary"),
    GAPS_REPLIES("gaps.replies", "gaps in what servers sent"),
    PAIRING_LOST(
            "pairing.lost",
            "connections whose replies could no longer be paired with their commands"
                    + " (a gap, an unexpected reply, too many commands waiting): commands from then on have no reply"),
    RESYNC_ATTEMPTS_FAILED("resync.failed", "command boundaries that did not parse as a known command"),
    BYTES_SKIPPED(
            "bytes.skipped",
            "payload bytes not parsed: before a command boundary, or replies that" + " could not be paired"),
    REQUEST_ERRORS("errors.requests", "client byte streams that were not valid RESP: resynchronised"),
    REPLY_ERRORS("errors.replies", "server byte streams that were not valid RESP: pairing lost"),
    COMMANDS("commands", "commands parsed"),
    REPLIES("replies", "replies paired with their command"),
    UNANSWERED("commands.unanswered", "commands published without a reply (none seen, none sent, or lost)"),
    PUSHES("pushes", "Pub/Sub messages and other pushes: not replies to a command"),
    RECORDS("records", "traffic records handed to the publisher");

    private final String label;
    private final String description;

    Counter(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** The name in the summary: {@code "gaps.requests"}. */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }
}
