package io.ferry.capture;

import io.ferry.capture.net.Decoded;
import io.ferry.capture.net.PacketDecoder;
import io.ferry.capture.net.TcpSegment;
import io.ferry.capture.pcap.Packet;
import io.ferry.capture.pcap.PacketReader;
import io.ferry.resp.command.CommandTable;

import java.io.IOException;

/**
 * Passive capture, from packets to traffic records: each packet of a {@link PacketReader} is decoded
 * to its TCP segment ({@link PacketDecoder}), put in order in its connection's stream ({@link
 * FlowTable}, {@link TcpStream}), parsed and paired ({@link RespPairer}), and each command becomes a
 * record handed to a {@link RecordSink}, on the calling thread, in the order the commands complete.
 *
 * <p>When the capture ends, cleanly or not, every connection still open is closed and its waiting
 * commands are published (without replies) before {@link #run} returns or throws. One instance runs
 * one capture; not thread-safe, except {@link #counters()}, readable from any thread.
 */
public final class PcapCapture {
    private final CaptureOptions options;
    private final CommandTable table;
    private final CaptureCounters counters = new CaptureCounters();

    public PcapCapture(CaptureOptions options, CommandTable table) {
        this.options = options;
        this.table = table;
    }

    /** The counts so far: live while {@link #run} runs, final after. */
    public CaptureCounters counters() {
        return counters;
    }

    /**
     * Reads every packet of {@code reader} and hands the records to {@code sink}.
     *
     * @throws io.ferry.capture.pcap.CaptureFileException when the capture is truncated or corrupt,
     *     after the records of what was read before were handed over
     * @throws IOException when reading fails
     */
    public void run(PacketReader reader, RecordSink sink) throws IOException {
        FlowTable flows = new FlowTable(options, table, counters, sink);
        Packet packet = new Packet();
        TcpSegment segment = new TcpSegment();
        Throwable failure = null;
        try {
            while (reader.next(packet)) {
                counters.increment(Counter.PACKETS);
                Decoded decoded = PacketDecoder.decode(packet.linkType(), packet.data(), packet.length(), segment);
                switch (decoded) {
                    case TCP -> flows.segment(segment, packet.data(), packet.timestampNanos());
                    case NOT_IP -> counters.increment(Counter.NOT_IP);
                    case NOT_TCP -> counters.increment(Counter.NOT_TCP);
                    case UNSUPPORTED_LINK -> counters.increment(Counter.UNSUPPORTED_LINK);
                    case FRAGMENT -> counters.increment(Counter.FRAGMENTS);
                    case TRUNCATED -> counters.increment(Counter.TRUNCATED);
                    case MALFORMED -> counters.increment(Counter.MALFORMED);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            // What was read before the end (or the failure) is published: the connections still
            // open are closed, their waiting commands published without replies.
            try {
                flows.closeAll();
            } catch (RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }
}
