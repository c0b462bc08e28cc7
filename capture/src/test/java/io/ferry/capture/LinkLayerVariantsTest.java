package io.ferry.capture;

import io.ferry.capture.net.LinkLayer;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The link layers and IP variants tcpdump on this machine's loopback does not produce (BSD loopback,
 * raw IP, VLAN tags, IPv4 options, IPv6 with extension headers, fragments), made from the frames of a
 * real capture by rewriting their headers: the records must be those of the original capture.
 */
class LinkLayerVariantsTest {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    static Path dir;

    static RedisServer server;
    static List<Captures.Frame> frames;
    static Captures.Result original;

    @BeforeAll
    static void capture() throws Exception {
        server = redis.source();
        Path file = dir.resolve("ethernet.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,get,lrange_100", "-n", "300", "-P", "4", "-c", "2", "-q");
            tcpdump.finish();
        }
        frames = Captures.frames(file);
        assertThat(frames).allSatisfy(f -> assertThat(f.linkType()).isEqualTo(LinkLayer.ETHERNET));
        original = Captures.read(file, server.port());
        assertThat(original.count(Counter.PAIRING_LOST)).isZero();
        assertThat(original.records()).hasSizeGreaterThan(900);
    }

    @Test
    void everyLinkLayerInOnePcapngGivesTheSameRecords() throws Exception {
        List<Captures.Frame> mixed = new ArrayList<>();
        List<UnaryOperator<Captures.Frame>> rewrites = List.of(
                f -> f,
                f -> link(f, LinkLayer.RAW, new byte[0]),
                f -> link(f, LinkLayer.IPV4, new byte[0]),
                f -> link(f, LinkLayer.NULL, new byte[] {2, 0, 0, 0}),
                f -> link(f, LinkLayer.LOOP, new byte[] {0, 0, 0, 2}),
                LinkLayerVariantsTest::vlan,
                LinkLayerVariantsTest::ipv4Options);
        for (int i = 0; i < frames.size(); i++) {
            mixed.add(rewrites.get(i % rewrites.size()).apply(frames.get(i)));
        }

        Captures.Result result = Captures.read(CaptureWriter.pcapng(mixed, ByteOrder.LITTLE_ENDIAN, 9), server.port());

        assertThat(result.failure()).isNull();
        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(result.count(Counter.MALFORMED)).isZero();
        assertSameRecords(result);
    }

    @Test
    void simplePacketBlocksAreRead() throws Exception {
        Captures.Result result =
                Captures.read(CaptureWriter.pcapng(frames, ByteOrder.BIG_ENDIAN, 6, true), server.port());

        assertThat(result.failure()).isNull();
        assertThat(result.count(Counter.PACKETS)).isEqualTo(frames.size());
        // No timestamps: every packet has the first one's, so latencies are 0.
        assertThat(result.records())
                .allSatisfy(r -> assertThat(r.getLatencyMicros()).isZero());
        assertSameRecords(result);
    }

    @Test
    void ipv6WithExtensionHeadersGivesTheSameRecords() throws Exception {
        List<Captures.Frame> v6 =
                frames.stream().map(LinkLayerVariantsTest::ipv6).toList();

        Captures.Result result = Captures.read(CaptureWriter.pcap(v6, ByteOrder.BIG_ENDIAN, true), server.port());

        assertThat(result.failure()).isNull();
        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(result.records())
                .allSatisfy(r -> assertThat(r.getConnection()).startsWith("[::1]:"));
        assertThat(result.records())
                .extracting(r -> r.getCommand())
                .isEqualTo(original.records().stream().map(r -> r.getCommand()).toList());
    }

    @Test
    void fragmentsAreCountedAndMakeAGap() throws Exception {
        List<Captures.Frame> fragmented = new ArrayList<>(frames);
        int index = lastRequestWithPayload();
        fragmented.set(index, moreFragments(fragmented.get(index)));

        Captures.Result result =
                Captures.read(CaptureWriter.pcap(fragmented, ByteOrder.LITTLE_ENDIAN, false), server.port());

        assertThat(result.count(Counter.FRAGMENTS)).isEqualTo(1);
        assertThat(result.count(Counter.GAPS_REQUESTS)).isEqualTo(1);
        assertThat(result.records().size()).isLessThan(original.records().size());
    }

    private static void assertSameRecords(Captures.Result result) {
        assertThat(result.records()).hasSameSizeAs(original.records());
        for (int i = 0; i < result.records().size(); i++) {
            assertThat(result.records().get(i).getCommand())
                    .isEqualTo(original.records().get(i).getCommand());
            assertThat(result.records().get(i).getResponseDigest())
                    .isEqualTo(original.records().get(i).getResponseDigest());
        }
    }

    /** The IP packet of an Ethernet frame under another link header. */
    private static Captures.Frame link(Captures.Frame frame, int linkType, byte[] header) {
        byte[] ip = Arrays.copyOfRange(frame.data(), 14, frame.data().length);
        byte[] data = new byte[header.length + ip.length];
        System.arraycopy(header, 0, data, 0, header.length);
        System.arraycopy(ip, 0, data, header.length, ip.length);
        return new Captures.Frame(linkType, frame.timestampNanos(), data, data.length);
    }

    /** Two 802.1Q tags (QinQ) between the MAC addresses and the EtherType. */
    private static Captures.Frame vlan(Captures.Frame frame) {
        byte[] in = frame.data();
        ByteBuffer out = ByteBuffer.allocate(in.length + 8);
        out.put(in, 0, 12);
        out.putShort((short) 0x88A8).putShort((short) 100);
        out.putShort((short) 0x8100).putShort((short) 200);
        out.put(in, 12, in.length - 12);
        return new Captures.Frame(LinkLayer.ETHERNET, frame.timestampNanos(), out.array(), in.length + 8);
    }

    /** Four bytes of IPv4 options (NOPs): header length 24. */
    private static Captures.Frame ipv4Options(Captures.Frame frame) {
        byte[] in = frame.data();
        ByteBuffer out = ByteBuffer.allocate(in.length + 4);
        out.put(in, 0, 14 + 20);
        out.put(new byte[] {1, 1, 1, 1});
        out.put(in, 14 + 20, in.length - 14 - 20);
        byte[] data = out.array();
        data[14] = 0x46;
        ByteBuffer.wrap(data).putShort(14 + 2, (short) (data.length - 14));
        return new Captures.Frame(LinkLayer.ETHERNET, frame.timestampNanos(), data, data.length);
    }

    /** The frame as IPv6 between ::1 and ::1, with a hop-by-hop and a destination-options header. */
    private static Captures.Frame ipv6(Captures.Frame frame) {
        byte[] in = frame.data();
        int ipHeader = (in[14] & 0x0F) * 4;
        byte[] tcp = Arrays.copyOfRange(in, 14 + ipHeader, in.length);
        ByteBuffer out = ByteBuffer.allocate(14 + 40 + 8 + 8 + tcp.length).order(ByteOrder.BIG_ENDIAN);
        out.put(in, 0, 12).putShort((short) 0x86DD);
        out.putInt(0x6000_0000)
                .putShort((short) (8 + 8 + tcp.length))
                .put((byte) 0)
                .put((byte) 64);
        out.putLong(0).putLong(1).putLong(0).putLong(1);
        out.put(new byte[] {60, 0, 1, 4, 0, 0, 0, 0}); // hop-by-hop, next: destination options; PadN
        out.put(new byte[] {6, 0, 1, 4, 0, 0, 0, 0}); // destination options, next: TCP
        out.put(tcp);
        return new Captures.Frame(LinkLayer.ETHERNET, frame.timestampNanos(), out.array(), out.capacity());
    }

    private static Captures.Frame moreFragments(Captures.Frame frame) {
        byte[] data = frame.data().clone();
        data[14 + 6] |= 0x20;
        return new Captures.Frame(frame.linkType(), frame.timestampNanos(), data, data.length);
    }

    private static int lastRequestWithPayload() {
        for (int i = frames.size() / 2; i >= 0; i--) {
            byte[] data = frames.get(i).data();
            int ipHeader = (data[14] & 0x0F) * 4;
            int tcp = 14 + ipHeader;
            int destination = ((data[tcp + 2] & 0xFF) << 8) | (data[tcp + 3] & 0xFF);
            int payload = data.length - tcp - ((data[tcp + 12] & 0xFF) >>> 4) * 4;
            if (destination == server.port() && payload > 0) {
                return i;
            }
        }
        throw new AssertionError("no request with payload");
    }
}
