package io.ferry.capture;

import io.ferry.capture.net.Decoded;
import io.ferry.capture.net.PacketDecoder;
import io.ferry.capture.net.TcpSegment;
import io.ferry.capture.pcap.CaptureFileException;
import io.ferry.schemas.TrafficRecord;
import io.ferry.testkit.RedisCli;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.Tcpdump;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real captures, damaged on purpose: truncated, corrupt headers, absurd lengths, and TCP segments
 * reordered, duplicated, overlapping or lost, as a busy capture host loses them. The capture must say
 * where a file went wrong after publishing what came before, and must never pair a reply with the
 * wrong command.
 */
class DamagedCaptureTest {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    static Path dir;

    static RedisServer server;
    static Path file;
    static List<Captures.Frame> frames;
    static Captures.Result original;

    @BeforeAll
    static void capture() throws Exception {
        server = redis.source();
        file = dir.resolve("benchmark.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            // One connection, pipelines of 4: many client segments of several commands each.
            RedisCli.benchmark(server.port(), "-t", "set,get", "-n", "400", "-P", "4", "-c", "1", "-q");
            tcpdump.finish();
        }
        frames = Captures.frames(file);
        original = Captures.read(file, server.port());
        assertThat(original.count(Counter.PAIRING_LOST)).isZero();
        assertThat(original.records()).hasSizeGreaterThan(800);
    }

    @Test
    void aTruncatedFileSaysWhereItStoppedAfterPublishingWhatCameBefore() throws Exception {
        byte[] whole = Files.readAllBytes(file);
        int cut = whole.length / 2;
        Captures.Result result = Captures.read(Arrays.copyOf(whole, cut), server.port());

        assertThat(result.failure()).isInstanceOf(CaptureFileException.class);
        CaptureFileException failure = (CaptureFileException) result.failure();
        assertThat(failure.getMessage()).startsWith("truncated capture: ").contains("(at byte offset ");
        assertThat(failure.offset()).isLessThan(cut).isGreaterThan(cut - 16 - 262_144L);
        assertThat(failure.packet()).isEqualTo(result.count(Counter.PACKETS) + 1);
        assertThat(result.records())
                .isNotEmpty()
                .hasSizeLessThan(original.records().size());
        // Commands that waited for a reply beyond the cut are published without one.
        assertThat(result.records()).allSatisfy(r -> assertThat(r.getCommand()).isIn("SET", "GET", "CONFIG GET"));
    }

    @Test
    void notACaptureIsRefusedByItsMagic() throws Exception {
        Captures.Result result = Captures.read("hello, this is no capture".getBytes(StandardCharsets.UTF_8), 6379);

        assertThat(result.failure())
                .isInstanceOf(CaptureFileException.class)
                .hasMessage("not a pcap or pcapng capture: magic 0x68656c6c (at byte offset 0, packet 0)");
        assertThat(Captures.read(new byte[0], 6379).failure()).hasMessageStartingWith("empty capture");
    }

    @Test
    void anAbsurdPacketLengthIsRefusedWithTheLimit() throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        // The third packet's captured length: after the file header and two whole packets.
        int at = 24;
        for (int i = 0; i < 2; i++) {
            at += 16
                    + ByteBuffer.wrap(bytes, at + 8, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt();
        }
        int third = at;
        ByteBuffer.wrap(bytes, third + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7FFF_FFF0);

        Captures.Result result = Captures.read(bytes, server.port());

        assertThat(result.failure())
                .hasMessage(
                        "captured length: 2147483632 (expected: <= 262144) (at byte offset " + third + ", packet 3)");
        assertThat(result.count(Counter.PACKETS)).isEqualTo(2);
    }

    @Test
    void anAbsurdPcapngBlockLengthIsRefusedWithTheLimit() throws Exception {
        byte[] bytes = CaptureWriter.pcapng(frames, ByteOrder.BIG_ENDIAN, 6);
        // The section header is 28 bytes, the interface description 32: the first packet block follows.
        ByteBuffer.wrap(bytes, 28 + 32 + 4, 4).putInt(0x4000_0000);

        Captures.Result result = Captures.read(bytes, server.port());

        assertThat(result.failure())
                .hasMessage("block length: 1073741824 (expected: <= 16777216) (at byte offset 60, packet 1)");
    }

    @Test
    void reorderedDuplicatedAndOverlappingSegmentsGiveTheSameRecords() throws Exception {
        List<Captures.Frame> damaged = new ArrayList<>(frames);
        List<Integer> requests = dataFrames(damaged, true, "SET");
        List<Integer> replies = dataFrames(damaged, false, "SET");
        // Retransmitted: a reply sent twice (changes no index before it).
        int again = replies.get(replies.size() / 2);
        damaged.add(again + 1, damaged.get(again));
        // Overlap: a request split in two pieces that share 4 bytes.
        int split = requests.get(requests.size() / 3);
        Captures.Frame whole = damaged.get(split);
        int length = segment(whole).payloadLength();
        damaged.set(split, piece(whole, 0, length / 2 + 4));
        damaged.add(split + 1, piece(whole, length / 2 - 4, length));
        // Reordered: the two halves of an earlier request, second half first.
        int swap = requests.get(5);
        Captures.Frame request = damaged.get(swap);
        int size = segment(request).payloadLength();
        damaged.set(swap, piece(request, size / 2, size));
        damaged.add(swap + 1, piece(request, 0, size / 2));

        Captures.Result result =
                Captures.read(CaptureWriter.pcap(damaged, ByteOrder.LITTLE_ENDIAN, false), server.port());

        assertThat(result.count(Counter.OUT_OF_ORDER)).isPositive();
        assertThat(result.count(Counter.RETRANSMITTED)).isPositive();
        assertThat(result.count(Counter.OVERLAPS_TRIMMED)).isPositive();
        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(digests(result.records())).isEqualTo(digests(original.records()));
    }

    @Test
    void aLostRequestSegmentResynchronisesAtTheNextCommandWithoutPairing() throws Exception {
        List<Captures.Frame> damaged = new ArrayList<>(frames);
        List<Integer> requests = dataFrames(damaged, true, "SET");
        int lost = requests.get(requests.size() / 2);
        int lostCommands = commandsIn(damaged.get(lost));
        damaged.remove(lost);

        Captures.Result result =
                Captures.read(CaptureWriter.pcap(damaged, ByteOrder.LITTLE_ENDIAN, false), server.port());

        assertThat(result.count(Counter.GAPS_REQUESTS)).isEqualTo(1);
        assertThat(result.count(Counter.PAIRING_LOST)).isEqualTo(1);
        assertThat(result.records()).hasSize(original.records().size() - lostCommands);
        assertThat(result.records())
                .allSatisfy(r -> assertThat(r.getCommand()).isIn("SET", "GET", "CONFIG GET", "ECHO"));
        // Before the gap, the same pairs; after it, commands without replies, never another's reply.
        String connection = result.connectionOf("SET").get(0).getConnection();
        List<TrafficRecord> flow = result.connection(connection);
        int firstUnanswered = indexOfFirstUnanswered(flow);
        assertThat(firstUnanswered).isPositive();
        assertThat(flow.subList(firstUnanswered, flow.size()))
                .allSatisfy(r -> assertThat(r.getResponseType()).isNull());
        List<TrafficRecord> before = original.connection(connection).subList(0, firstUnanswered);
        assertThat(digests(flow.subList(0, firstUnanswered))).isEqualTo(digests(before));
    }

    @Test
    void aLostReplySegmentStopsPairingButKeepsEveryCommand() throws Exception {
        List<Captures.Frame> damaged = new ArrayList<>(frames);
        List<Integer> replies = dataFrames(damaged, false, "SET");
        damaged.remove((int) replies.get(replies.size() / 2));

        Captures.Result result =
                Captures.read(CaptureWriter.pcap(damaged, ByteOrder.LITTLE_ENDIAN, false), server.port());

        assertThat(result.count(Counter.GAPS_REPLIES)).isEqualTo(1);
        assertThat(result.count(Counter.PAIRING_LOST)).isEqualTo(1);
        assertThat(result.commandCounts()).isEqualTo(original.commandCounts());
        assertThat(result.count(Counter.UNANSWERED)).isPositive();
    }

    @Test
    void aConnectionOpenedBeforeTheCaptureStartsAtACommandBoundary() throws Exception {
        List<Captures.Frame> damaged = new ArrayList<>(frames);
        List<Integer> requests = dataFrames(damaged, true, "SET");
        // Start the capture in the middle of the benchmark's connection: no SYN.
        Captures.Frame start = damaged.get(requests.get(requests.size() / 2));
        List<Captures.Frame> late = damaged.subList(damaged.indexOf(start), damaged.size());

        Captures.Result result = Captures.read(CaptureWriter.pcap(late, ByteOrder.LITTLE_ENDIAN, false), server.port());

        assertThat(result.count(Counter.FLOWS_MIDSTREAM)).isPositive();
        // The second half of the SETs (less those the first boundary cut), and every GET.
        assertThat(result.commandCounts().get("SET")).isBetween(150L, 200L);
        assertThat(result.commandCounts()).containsEntry("GET", 400L);
        assertThat(result.records()).allSatisfy(r -> assertThat(r.getCommand()).isIn("SET", "GET", "ECHO"));
        assertThat(result.connectionOf("SET"))
                .allSatisfy(r -> assertThat(r.getResponseType()).isNull());
        // The GET connection opened after the capture started: paired.
        assertThat(result.connectionOf("GET"))
                .allSatisfy(r -> assertThat(r.getResponseType()).isNotNull());
    }

    @Test
    void memoryBoundsHoldAndOverflowsAreCounted() throws Exception {
        Path big = dir.resolve("big.pcap");
        String value = "x".repeat(300_000);
        try (Tcpdump tcpdump = Tcpdump.start(big, "lo", server.port());
                RawClient one = new RawClient(server.port());
                RawClient two = new RawClient(server.port())) {
            one.send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + value.length() + "\r\n" + value + "\r\n");
            one.awaitReplies("+OK", 1);
            // After a resynchronisation only RESP arrays mark a command boundary, not inline commands.
            one.send("*3\r\n$3\r\nSET\r\n$5\r\nsmall\r\n$1\r\n1\r\n");
            one.awaitReplies("+OK", 2);
            two.send("GET small\r\n");
            two.awaitReplies("$1\r\n1\r\n", 1);
            tcpdump.finish();
        }
        CaptureLimits tight = new CaptureLimits(2, 64 * 1024, 128 * 1024, 100, Duration.ofMinutes(1));

        Captures.Result result =
                Captures.read(Files.newInputStream(big), new CaptureOptions(Set.of(server.port()), "test-node", tight));

        assertThat(result.failure()).isNull();
        // The 300 kB command is over the flow's bound: dropped, counted; the next command is read.
        assertThat(result.count(Counter.REQUEST_ERRORS) + result.count(Counter.OVER_BUDGET))
                .isPositive();
        assertThat(result.records())
                .noneMatch(r -> r.getCommand().equals("SET")
                        && CaptureTrafficTest.text(r.getKeys().get(0)).equals("big"));
        assertThat(CaptureTrafficTest.find(result.records(), "SET", "small")).isNotNull();
        // Two flows at most: the third connection (the ECHO marker) is refused and counted.
        assertThat(result.count(Counter.FLOW_TABLE_FULL)).isPositive();
        assertThat(result.records()).noneMatch(r -> r.getCommand().equals("ECHO"));
    }

    // ---- helpers

    private static List<String> digests(List<TrafficRecord> records) {
        return records.stream()
                .map(r -> r.getConnection() + " " + r.getSequence() + " " + r.getCommand() + " "
                        + (r.getResponseDigest() == null ? "-" : Arrays.toString(bytes(r.getResponseDigest()))))
                .toList();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] array = new byte[copy.remaining()];
        copy.get(array);
        return array;
    }

    private static int indexOfFirstUnanswered(List<TrafficRecord> flow) {
        for (int i = 0; i < flow.size(); i++) {
            if (flow.get(i).getResponseType() == null) {
                return i;
            }
        }
        return -1;
    }

    private static TcpSegment segment(Captures.Frame frame) {
        TcpSegment segment = new TcpSegment();
        Decoded decoded = PacketDecoder.decode(frame.linkType(), frame.data(), frame.data().length, segment);
        assertThat(decoded).isEqualTo(Decoded.TCP);
        return segment;
    }

    /** Indexes of the frames with payload to (or from) the server on the connection that sent {@code command}. */
    private static List<Integer> dataFrames(List<Captures.Frame> frames, boolean toServer, String command) {
        String connection = original.connectionOf(command).get(0).getConnection();
        int clientPort = Integer.parseInt(connection.substring(connection.lastIndexOf(':') + 1));
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            TcpSegment segment = segment(frames.get(i));
            int port = toServer ? segment.sourcePort() : segment.destinationPort();
            if (segment.payloadLength() > 0 && port == clientPort) {
                indexes.add(i);
            }
        }
        return indexes;
    }

    private static String payload(Captures.Frame frame) {
        TcpSegment segment = segment(frame);
        return new String(frame.data(), segment.payloadOffset(), segment.payloadLength(), StandardCharsets.ISO_8859_1);
    }

    private static int commandsIn(Captures.Frame frame) {
        String text = payload(frame);
        int count = 0;
        for (int at = text.indexOf("*3\r\n"); at >= 0; at = text.indexOf("*3\r\n", at + 1)) {
            count++;
        }
        for (int at = text.indexOf("*2\r\n"); at >= 0; at = text.indexOf("*2\r\n", at + 1)) {
            count++;
        }
        return count;
    }

    /** The frame with only payload bytes {@code [from, to)}: IPv4 length and TCP sequence adjusted. */
    private static Captures.Frame piece(Captures.Frame frame, int from, int to) {
        TcpSegment segment = segment(frame);
        int ipStart = 14; // Ethernet, as tcpdump captures lo
        byte[] data = new byte[segment.payloadOffset() + (to - from)];
        System.arraycopy(frame.data(), 0, data, 0, segment.payloadOffset());
        System.arraycopy(frame.data(), segment.payloadOffset() + from, data, segment.payloadOffset(), to - from);
        ByteBuffer buffer = ByteBuffer.wrap(data);
        buffer.putShort(ipStart + 2, (short) (data.length - ipStart));
        int tcpStart = ipStart + (data[ipStart] & 0x0F) * 4;
        buffer.putInt(tcpStart + 4, segment.sequence() + from);
        return new Captures.Frame(frame.linkType(), frame.timestampNanos(), data, data.length);
    }
}
