package io.ferry.capture;

import io.ferry.capture.net.TcpSegment;
import io.ferry.resp.RespLimits;
import io.ferry.resp.command.CommandTable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The connections being followed, by {@link FlowKey}: routes each TCP segment to its flow's stream,
 * opens flows (from a SYN, or mid-stream), closes them (FIN both ways, RST, idle, end of capture), and
 * keeps the memory they hold within {@link CaptureLimits}. Not thread-safe: the capture's thread owns
 * it.
 */
final class FlowTable {
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

    private final boolean[] serverPorts = new boolean[65_536];
    private final CaptureOptions options;
    private final CaptureLimits limits;
    private final RespLimits respLimits;
    private final CommandTable table;
    private final CaptureCounters counters;
    private final RecordSink sink;
    private final Map<FlowKey, Flow> flows = new HashMap<>();
    private long totalBytes;
    private long lastSweepNanos = Long.MIN_VALUE;

    FlowTable(CaptureOptions options, CommandTable table, CaptureCounters counters, RecordSink sink) {
        for (int port : options.serverPorts()) {
            serverPorts[port] = true;
        }
        this.options = options;
        this.limits = options.limits();
        int largest = (int) limits.maxFlowBytes();
        this.respLimits = RespLimits.builder()
                .maxBulkLength(largest)
                .maxFrameSize(largest)
                .build();
        this.table = table;
        this.counters = counters;
        this.sink = sink;
    }

    int size() {
        return flows.size();
    }

    /** Bytes all flows hold, as last checked. */
    long totalBytes() {
        return totalBytes;
    }

    /** Takes one TCP segment whose payload lies in {@code frame}. */
    void segment(TcpSegment segment, byte[] frame, long timestampNanos) {
        boolean toServer = serverPorts[segment.destinationPort()];
        if (!toServer && !serverPorts[segment.sourcePort()]) {
            counters.increment(Counter.OTHER_PORTS);
            return;
        }
        counters.increment(Counter.TCP_SEGMENTS);
        sweep(timestampNanos);
        FlowKey key = toServer
                ? new FlowKey(
                        segment.ipv6(),
                        segment.sourceHigh(),
                        segment.sourceLow(),
                        segment.sourcePort(),
                        segment.destinationHigh(),
                        segment.destinationLow(),
                        segment.destinationPort())
                : new FlowKey(
                        segment.ipv6(),
                        segment.destinationHigh(),
                        segment.destinationLow(),
                        segment.destinationPort(),
                        segment.sourceHigh(),
                        segment.sourceLow(),
                        segment.sourcePort());
        boolean syn = segment.has(TcpSegment.SYN);
        boolean opening = syn && !segment.has(TcpSegment.ACK) && toServer;
        Flow flow = flows.get(key);
        if (flow != null && opening && flow.clientIsn != (segment.sequence() & 0xFFFF_FFFFL)) {
            close(flow); // the same ports, a new connection
            flow = null;
        }
        if (flow == null) {
            if (segment.has(TcpSegment.RST) || (segment.has(TcpSegment.FIN) && segment.payloadLength() == 0)) {
                return; // the end of a connection never followed
            }
            if (!opening && !syn && segment.payloadLength() == 0) {
                return; // a bare ACK: wait for bytes before following a connection opened earlier
            }
            if (flows.size() >= limits.maxFlows()) {
                counters.increment(Counter.FLOW_TABLE_FULL);
                return;
            }
            flow = open(key, opening, segment.sequence());
        }
        flow.lastSeenNanos = timestampNanos;
        TcpStream stream = toServer ? flow.toServer : flow.toClient;
        TcpStream.Receiver receiver = toServer ? flow.conversation.fromClient : flow.conversation.fromServer;
        if (syn) {
            if (!stream.started()) {
                stream.start(segment.sequence() + 1);
            }
        } else if (segment.payloadLength() > 0) {
            if (!stream.started()) {
                stream.start(segment.sequence());
                if (!toServer) {
                    // The server's first bytes without its SYN-ACK: they may answer commands never seen.
                    receiver.gap();
                }
            }
            stream.segment(
                    segment.sequence(),
                    frame,
                    segment.payloadOffset(),
                    segment.payloadLength(),
                    timestampNanos,
                    receiver);
            account(flow);
        }
        if (segment.has(TcpSegment.RST)) {
            close(flow);
        } else if (segment.has(TcpSegment.FIN)) {
            stream.finish(segment.sequence() + segment.payloadLength(), receiver);
            if (flow.toServer.finished() && flow.toClient.finished()) {
                close(flow);
            }
        }
    }

    /** The end of the capture: every flow is closed, its waiting commands published. */
    void closeAll() {
        for (Flow flow : new ArrayList<>(flows.values())) {
            close(flow);
        }
    }

    private Flow open(FlowKey key, boolean fromStart, int sequence) {
        counters.increment(Counter.FLOWS);
        if (!fromStart) {
            counters.increment(Counter.FLOWS_MIDSTREAM);
        }
        RespPairer conversation = new RespPairer(
                table,
                respLimits,
                counters,
                sink,
                options.nodeId(),
                address(key.ipv6(), key.clientHigh(), key.clientLow(), key.clientPort()),
                limits.maxPendingCommands(),
                fromStart);
        Flow flow = new Flow(key, counters, conversation, fromStart ? sequence & 0xFFFF_FFFFL : -1);
        flows.put(key, flow);
        return flow;
    }

    private void close(Flow flow) {
        flows.remove(flow.key);
        totalBytes -= flow.accountedBytes;
        flow.accountedBytes = 0;
        flow.close();
    }

    /** Brings the flow's share of the total up to date, and sheds what it holds when over a bound. */
    private void account(Flow flow) {
        long held = flow.bufferedBytes();
        totalBytes += held - flow.accountedBytes;
        flow.accountedBytes = held;
        if (held > limits.maxFlowBytes() || totalBytes > limits.maxTotalBytes()) {
            counters.increment(Counter.OVER_BUDGET);
            flow.shed();
            held = flow.bufferedBytes();
            totalBytes += held - flow.accountedBytes;
            flow.accountedBytes = held;
        }
    }

    private void sweep(long nowNanos) {
        if (nowNanos - lastSweepNanos < SWEEP_INTERVAL_NANOS && lastSweepNanos != Long.MIN_VALUE) {
            return;
        }
        lastSweepNanos = nowNanos;
        long idleNanos = limits.flowIdleTimeout().toNanos();
        List<Flow> idle = new ArrayList<>();
        for (Iterator<Flow> it = flows.values().iterator(); it.hasNext(); ) {
            Flow flow = it.next();
            if (nowNanos - flow.lastSeenNanos > idleNanos) {
                idle.add(flow);
            }
        }
        for (Flow flow : idle) {
            counters.increment(Counter.FLOWS_IDLE);
            close(flow);
        }
    }

    /** {@code "10.0.0.7:51234"}, {@code "[::1]:51234"}. */
    static String address(boolean ipv6, long high, long low, int port) {
        if (!ipv6) {
            return ((low >>> 24) & 0xFF) + "." + ((low >>> 16) & 0xFF) + "." + ((low >>> 8) & 0xFF) + "." + (low & 0xFF)
                    + ":" + port;
        }
        return "[" + ipv6Text(high, low) + "]:" + port;
    }

    /** An IPv6 address as RFC 5952 writes it: lower case, the longest run of zero groups as "::". */
    static String ipv6Text(long high, long low) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
            groups[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
