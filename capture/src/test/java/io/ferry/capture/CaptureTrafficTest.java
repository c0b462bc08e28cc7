package io.ferry.capture;

import io.ferry.capture.net.LinkLayer;
import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TrafficRecord;
import io.ferry.testkit.RedisCli;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.Tcpdump;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Captures of real traffic: a real redis-server, real redis-cli and redis-benchmark, a real tcpdump on
 * the loopback interface; the capture files are then read by {@link PcapCapture}.
 */
class CaptureTrafficTest {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    static Path dir;

    static RedisServer server;

    @BeforeAll
    static void start() {
        server = redis.source();
    }

    @Test
    void redisCliCommandsBecomeRecordsWithTheirReplies() throws Exception {
        Path file = dir.resolve("cli.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.run(server.port(), "SET", "greeting", "hello");
            RedisCli.run(server.port(), "GET", "greeting");
            RedisCli.run(server.port(), "-n", "3", "SET", "in-three", "v");
            tcpdump.finish();
        }

        Captures.Result result = Captures.read(file, server.port());

        assertThat(result.failure()).isNull();
        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(result.count(Counter.FLOWS_MIDSTREAM)).isZero();
        TrafficRecord set = find(result.records(), "SET", "greeting");
        assertThat(set.getOrigin()).isEqualTo(Origin.PCAP);
        assertThat(set.getNode()).isEqualTo("test-node");
        assertThat(set.getConnection()).startsWith("127.0.0.1:").doesNotEndWith(":" + server.port());
        assertThat(set.getCommandClass()).isEqualTo(CommandClass.WRITE);
        assertThat(text(set.getArgs().get(1))).isEqualTo("hello");
        assertThat(set.getResponseType()).isEqualTo("simple-string");
        assertThat(text(set.getResponseBody())).isEqualTo("+OK\r\n");
        assertThat(set.getLatencyMicros()).isBetween(0L, 5_000_000L);
        assertThat(set.getSide()).isEqualTo(Side.SOURCE);
        assertThat(set.getDb()).isZero();

        TrafficRecord get = find(result.records(), "GET", "greeting");
        assertThat(get.getCommandClass()).isEqualTo(CommandClass.READ);
        assertThat(text(get.getResponseBody())).isEqualTo("$5\r\nhello\r\n");
        assertThat(get.getResponseSize()).isEqualTo(11);
        assertThat(get.getResponseDigest()).isNotNull();

        // redis-cli -n 3 sends SELECT 3 first: the SET after it is in db 3.
        List<TrafficRecord> selected = result.connectionOf("SELECT");
        assertThat(selected).extracting(TrafficRecord::getCommand).contains("SELECT", "SET");
        assertThat(find(selected, "SET", "in-three").getDb()).isEqualTo(3);
        assertThat(selected).extracting(TrafficRecord::getSequence).startsWith(0L, 1L);
    }

    @Test
    void passwordsSeenOnTheWireNeverReachARecord() throws Exception {
        RedisServer guarded = redis.start("guarded", "--requirepass", "s3cret-pa55");
        Path file = dir.resolve("auth.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", guarded.port())) {
            RedisCli.run(guarded.port(), "--no-auth-warning", "-a", "s3cret-pa55", "SET", "guarded", "1");
            RedisCli.run(guarded.port(), "--no-auth-warning", "-a", "s3cret-pa55", "-3", "GET", "guarded");
            tcpdump.finish("-a", "s3cret-pa55", "--no-auth-warning");
        }
        assertThat(new String(java.nio.file.Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                .contains("s3cret-pa55");

        Captures.Result result = Captures.read(file, guarded.port());

        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(result.commandCounts()).containsKeys("AUTH", "HELLO", "SET", "GET");
        assertThat(result.records()).allSatisfy(r -> assertThat(r.getArgs())
                .extracting(CaptureTrafficTest::text)
                .doesNotContain("s3cret-pa55"));
        assertThat(result.records())
                .filteredOn(r -> r.getCommand().equals("AUTH"))
                .allSatisfy(r -> {
                    assertThat(r.getArgs()).extracting(CaptureTrafficTest::text).containsExactly("<redacted>");
                    assertThat(r.getResponseType()).isEqualTo("simple-string");
                });
        assertThat(find(result.records(), "GET", "guarded").getProtocol()).isEqualTo(3);
    }

    @Test
    void pipelinedBenchmarkIsPairedCommandForCommand() throws Exception {
        Path file = dir.resolve("pipelined.pcap");
        server.command("CONFIG RESETSTAT");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,get", "-n", "3000", "-P", "16", "-c", "5", "-q");
            tcpdump.finish();
        }

        Captures.Result result = Captures.read(file, server.port());

        assertThat(result.failure()).isNull();
        // redis-benchmark completes 3000 of each, and sends the rest of its last pipelines too: the
        // server's own count is the truth.
        Map<String, Long> counts = result.commandCounts();
        assertThat(counts.get("SET")).isGreaterThanOrEqualTo(3000L).isEqualTo(serverCalls("set"));
        assertThat(counts.get("GET")).isGreaterThanOrEqualTo(3000L).isEqualTo(serverCalls("get"));
        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        assertThat(result.count(Counter.GAPS_REQUESTS) + result.count(Counter.GAPS_REPLIES))
                .isZero();
        assertThat(result.records())
                .filteredOn(r -> r.getCommand().equals("SET"))
                .allSatisfy(r -> assertThat(r.getResponseType()).isEqualTo("simple-string"));
        assertThat(result.records())
                .filteredOn(r -> r.getCommand().equals("GET"))
                .allSatisfy(r -> assertThat(r.getResponseType()).isEqualTo("bulk-string"));
        // Per connection, the sequence counts commands without a hole.
        for (String connection : result.records().stream()
                .map(TrafficRecord::getConnection)
                .distinct()
                .toList()) {
            List<TrafficRecord> records = result.connection(connection);
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).getSequence()).isEqualTo(i);
            }
        }
    }

    @Test
    void resp3RepliesAreReadAsRESP3() throws Exception {
        Path file = dir.resolve("resp3.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.run(server.port(), "HSET", "profile", "name", "ada");
            RedisCli.run(server.port(), "-3", "HGETALL", "profile");
            tcpdump.finish();
        }

        Captures.Result result = Captures.read(file, server.port());

        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        TrafficRecord hgetall = find(result.records(), "HGETALL", "profile");
        assertThat(hgetall.getProtocol()).isEqualTo(3);
        assertThat(hgetall.getResponseType()).isEqualTo("map");
        assertThat(result.connectionOf("HGETALL").get(0).getCommand()).isEqualTo("HELLO");
    }

    @Test
    void pubSubMessagesAreCountedAsPushesNotReplies() throws Exception {
        Path file = dir.resolve("pubsub.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port());
                RawClient subscriber = new RawClient(server.port());
                RawClient resp3 = new RawClient(server.port())) {
            subscriber.send("SUBSCRIBE news sport\r\n");
            subscriber.awaitReplies("*3\r\n$9\r\nsubscribe\r\n", 2);
            resp3.send("HELLO 3\r\n");
            resp3.awaitReplies("%", 1);
            resp3.send("SUBSCRIBE news\r\n");
            resp3.awaitReplies(">3\r\n$9\r\nsubscribe\r\n", 1);
            RedisCli.run(server.port(), "PUBLISH", "news", "first");
            RedisCli.run(server.port(), "PUBLISH", "sport", "second");
            subscriber.awaitReplies("$6\r\nsecond\r\n", 1);
            resp3.awaitReplies("$5\r\nfirst\r\n", 1);
            subscriber.send("PING\r\nUNSUBSCRIBE\r\n");
            subscriber.awaitReplies("$11\r\nunsubscribe\r\n", 2);
            resp3.send("PING\r\n");
            resp3.awaitReplies("+PONG", 1);
            tcpdump.finish();
        }

        Captures.Result result = Captures.read(file, server.port());

        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        // Two messages to the RESP2 subscriber, one to the RESP3 one.
        assertThat(result.count(Counter.PUSHES)).isEqualTo(3);
        List<TrafficRecord> resp2 = result.connectionOf("UNSUBSCRIBE");
        assertThat(resp2).extracting(TrafficRecord::getCommand).containsExactly("SUBSCRIBE", "PING", "UNSUBSCRIBE");
        assertThat(resp2).allSatisfy(r -> assertThat(r.getResponseType()).isEqualTo("array"));
        // In subscribe mode a RESP2 PING is answered with an array.
        assertThat(text(resp2.get(1).getResponseBody())).isEqualTo("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        List<TrafficRecord> pushed = result.connectionOf("HELLO");
        assertThat(pushed).extracting(TrafficRecord::getCommand).containsExactly("HELLO", "SUBSCRIBE", "PING");
        assertThat(pushed.get(1).getResponseType()).isEqualTo("push");
        assertThat(pushed.get(2).getResponseType()).isEqualTo("simple-string");
        assertThat(result.commandCounts()).containsEntry("PUBLISH", 2L);
    }

    @Test
    void transactionsInlineCommandsAndClientReplyOff() throws Exception {
        Path file = dir.resolve("multi.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port());
                RawClient client = new RawClient(server.port())) {
            client.send("MULTI\r\nSET counter 1\r\nINCR counter\r\nEXEC\r\n");
            client.awaitReplies("*2\r\n+OK\r\n:2\r\n", 1);
            client.send("CLIENT REPLY OFF\r\nSET silent 1\r\nCLIENT REPLY ON\r\nGET silent\r\n");
            client.awaitReplies("$1\r\n1\r\n", 1);
            tcpdump.finish();
        }

        Captures.Result result = Captures.read(file, server.port());

        assertThat(result.count(Counter.PAIRING_LOST)).isZero();
        List<TrafficRecord> records = result.connectionOf("MULTI");
        assertThat(records)
                .extracting(TrafficRecord::getCommand)
                .containsExactly("MULTI", "SET", "INCR", "EXEC", "CLIENT REPLY", "SET", "CLIENT REPLY", "GET");
        assertThat(records)
                .extracting(r -> r.getResponseBody() == null ? null : text(r.getResponseBody()))
                .containsExactly(
                        "+OK\r\n",
                        "+QUEUED\r\n",
                        "+QUEUED\r\n",
                        "*2\r\n+OK\r\n:2\r\n",
                        null,
                        null,
                        "+OK\r\n",
                        "$1\r\n1\r\n");
        assertThat(records.get(5).getLatencyMicros()).isEqualTo(-1);
    }

    @Test
    void linuxCookedCapturesAreRead() throws Exception {
        Path sll2 = dir.resolve("any.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(sll2, "any", server.port())) {
            RedisCli.run(server.port(), "SET", "cooked", "2");
            tcpdump.finish();
        }
        Path sll = dir.resolve("sll.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(sll, "any", server.port(), "-y", "LINUX_SLL")) {
            RedisCli.run(server.port(), "SET", "cooked", "1");
            tcpdump.finish();
        }

        assertThat(Captures.frames(sll2).get(0).linkType()).isEqualTo(LinkLayer.LINUX_SLL2);
        assertThat(Captures.frames(sll).get(0).linkType()).isEqualTo(LinkLayer.LINUX_SLL);
        for (Path file : List.of(sll2, sll)) {
            Captures.Result result = Captures.read(file, server.port());
            assertThat(result.count(Counter.PAIRING_LOST)).as(file.toString()).isZero();
            TrafficRecord set = find(result.records(), "SET", "cooked");
            assertThat(set.getResponseType()).isEqualTo("simple-string");
        }
    }

    @Test
    void pcapngAndEveryPcapVariantGiveTheSameRecords() throws Exception {
        Path file = dir.resolve("variants.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,lpush", "-n", "500", "-P", "8", "-c", "2", "-q");
            tcpdump.finish();
        }
        Captures.Result original = Captures.read(file, server.port());
        List<Captures.Frame> frames = Captures.frames(file);
        assertThat(original.commandCounts().get("SET")).isGreaterThanOrEqualTo(500L);
        assertThat(original.commandCounts().get("LPUSH")).isGreaterThanOrEqualTo(500L);

        for (byte[] variant : List.of(
                CaptureWriter.pcap(frames, ByteOrder.LITTLE_ENDIAN, true),
                CaptureWriter.pcap(frames, ByteOrder.BIG_ENDIAN, false),
                CaptureWriter.pcapng(frames, ByteOrder.BIG_ENDIAN, 9),
                CaptureWriter.pcapng(frames, ByteOrder.LITTLE_ENDIAN, 6),
                CaptureWriter.pcapng(frames, ByteOrder.LITTLE_ENDIAN, 0x80 | 20))) {
            Captures.Result result = Captures.read(variant, server.port());
            assertThat(result.failure()).isNull();
            assertThat(result.records()).hasSameSizeAs(original.records());
            for (int i = 0; i < result.records().size(); i++) {
                TrafficRecord expected = original.records().get(i);
                TrafficRecord actual = result.records().get(i);
                assertThat(actual.getCommand()).isEqualTo(expected.getCommand());
                assertThat(actual.getResponseDigest()).isEqualTo(expected.getResponseDigest());
                assertThat(actual.getTimestampMicros())
                        .isBetween(expected.getTimestampMicros().minusNanos(2000), expected.getTimestampMicros());
            }
        }
    }

    /** {@code calls} of {@code cmdstat_NAME} in the server's INFO commandstats. */
    static long serverCalls(String name) throws IOException, InterruptedException {
        return serverCalls(server, name);
    }

    /** {@code calls} of {@code cmdstat_NAME} in {@code server}'s INFO commandstats. */
    static long serverCalls(RedisServer server, String name) throws IOException, InterruptedException {
        String stats = RedisCli.run(server.port(), "INFO", "commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + name + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        throw new AssertionError("no cmdstat_" + name + " in " + stats);
    }

    static TrafficRecord find(List<TrafficRecord> records, String command, String key) {
        return records.stream()
                .filter(r -> r.getCommand().equals(command)
                        && !r.getKeys().isEmpty()
                        && text(r.getKeys().get(0)).equals(key))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + command + " " + key + " among " + records.size()));
    }

    static String text(ByteBuffer bytes) {
        ByteBuffer copy = bytes.duplicate();
        byte[] array = new byte[copy.remaining()];
        copy.get(array);
        return new String(array, StandardCharsets.UTF_8);
    }
}
