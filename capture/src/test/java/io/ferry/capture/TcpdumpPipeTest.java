package io.ferry.capture;

import io.ferry.capture.pcap.PacketReader;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.TrafficRecord;
import io.ferry.testkit.RedisCli;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.Tcpdump;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Reading as {@code tcpdump -w - | ferry capture --pcap -} does: from a live pipe, in whatever pieces it comes. */
class TcpdumpPipeTest {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @TempDir
    Path dir;

    @Test
    void aLiveTcpdumpPipeIsReadAsItComes() throws Exception {
        RedisServer server = redis.source();
        Path log = dir.resolve("tcpdump.log");
        Process tcpdump = new ProcessBuilder(
                        "timeout", "60", "tcpdump", "-i", "lo", "-U", "-w", "-", "port", String.valueOf(server.port()))
                .redirectError(log.toFile())
                .start();
        List<TrafficRecord> records = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        PcapCapture capture = new PcapCapture(
                new CaptureOptions(Set.of(server.port()), "pipe", CaptureLimits.DEFAULTS), CommandTable.bundled());
        Thread reader = new Thread(() -> {
            try (PacketReader packets = PacketReader.open(tcpdump.getInputStream())) {
                capture.run(packets, records::add);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readString(log).contains("listening on"));
            reader.start();
            RedisCli.benchmark(server.port(), "-t", "incr", "-n", "1000", "-P", "10", "-c", "2", "-q");
            RedisCli.run(server.port(), "SET", "piped", "yes");
            // Records come while tcpdump still runs: the reader follows the pipe.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> records.stream().anyMatch(r -> r.getCommand().equals("INCR")));
            // SIGTERM through timeout, not Process.destroy(), which would also close the pipe we read.
            new ProcessBuilder("kill", "-TERM", String.valueOf(tcpdump.pid()))
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(30));
        } finally {
            if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly();
            }
        }

        assertThat(reader.isAlive()).isFalse();
        // tcpdump stopped by a signal ends the pipe between packets: a clean end.
        assertThat(failure.get()).isNull();
        assertThat(records.stream().filter(r -> r.getCommand().equals("INCR"))).hasSizeGreaterThanOrEqualTo(1000);
        assertThat(records).anyMatch(r -> r.getCommand().equals("SET") && r.getResponseType() != null);
    }

    @Test
    void aCaptureArrivingInTinyPiecesGivesTheSameRecords() throws Exception {
        RedisServer server = redis.source();
        Path file = dir.resolve("pieces.pcap");
        try (Tcpdump tcpdump = Tcpdump.start(file, "lo", server.port())) {
            RedisCli.benchmark(server.port(), "-t", "set,get", "-n", "400", "-P", "4", "-c", "2", "-q");
            tcpdump.finish();
        }
        Captures.Result whole = Captures.read(file, server.port());

        Captures.Result pieces;
        try (InputStream in = new Trickle(Files.newInputStream(file))) {
            pieces = Captures.read(in, server.port());
        }

        assertThat(pieces.failure()).isNull();
        assertThat(pieces.records()).hasSameSizeAs(whole.records()).hasSizeGreaterThan(800);
        for (int i = 0; i < whole.records().size(); i++) {
            assertThat(pieces.records().get(i).getResponseDigest())
                    .isEqualTo(whole.records().get(i).getResponseDigest());
        }
    }

    /** Hands out 1 to 7 bytes per read, as a slow pipe may. */
    private static final class Trickle extends FilterInputStream {
        Trickle(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(
                    b, off, Math.min(len, 1 + ThreadLocalRandom.current().nextInt(7)));
        }
    }
}
