package io.ferry.app;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code ferry capture} from the command line: a real tcpdump capture of real redis-cli traffic, a real broker. */
class CaptureCommandIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void withoutKafkaItSaysSoAndExitsNonZero() {
        int status = ferry("capture", "--pcap", "-", "--port", "6379,0");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("setting 'kafka' is required").contains("setting 'port'");
    }

    @Test
    void aCaptureFileIsPublishedAndSummed() throws Exception {
        RedisServer server = redis.source();
        Path file = dir.resolve("cli.pcap");
        Process tcpdump = new ProcessBuilder(
                        "timeout",
                        "60",
                        "tcpdump",
                        "-Z",
                        "root",
                        "-i",
                        "lo",
                        "-U",
                        "-w",
                        file.toString(),
                        "port",
                        String.valueOf(server.port()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("tcpdump.log").toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readString(dir.resolve("tcpdump.log")).contains("listening on"));
            for (int i = 0; i < 5; i++) {
                cli(server.port(), "SET", "key" + i, "value" + i);
            }
            cli(server.port(), "GET", "key1");
            byte[] marker = "capture-command-end".getBytes(StandardCharsets.US_ASCII);
            cli(server.port(), "ECHO", "capture-command-end");
            await().atMost(Duration.ofSeconds(20)).until(() -> count(Files.readAllBytes(file), marker) >= 2);
        } finally {
            tcpdump.destroy();
            if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly();
            }
        }

        int status = ferry(
                "capture",
                "--pcap",
                file.toString(),
                "--port",
                String.valueOf(server.port()),
                "--kafka",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.uniqueName("cli"));

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("7 connections, 7 commands, 7 records published to ")
                .containsPattern("replies\\s+7 ");

        // A truncated capture: what came before is published, the error says where, the exit is non-zero.
        byte[] whole = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.pcap");
        Files.write(truncated, Arrays.copyOf(whole, whole.length - 3));
        out.getBuffer().setLength(0);
        status = ferry(
                "capture",
                "--pcap",
                truncated.toString(),
                "--port",
                String.valueOf(server.port()),
                "--kafka",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.uniqueName("truncated"));

        assertThat(status).isEqualTo(Ferry.EXIT_FAILURE);
        assertThat(err.toString()).contains("ferry capture: truncated capture: packet data needs ");
        assertThat(out.toString()).contains("7 commands, 7 records published");
    }

    private static void cli(int port, String... args) throws Exception {
        List<String> command =
                new java.util.ArrayList<>(List.of("timeout", "30", "redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    private static int count(byte[] haystack, byte[] needle) {
        int count = 0;
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            count++;
        }
        return count;
    }
}
