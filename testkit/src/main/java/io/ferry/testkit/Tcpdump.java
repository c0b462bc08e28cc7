package io.ferry.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code tcpdump} writing a capture file, for tests: started on an interface for one port,
 * bounded in time ({@code timeout}), stopped once a marker command was seen going both ways, so the
 * file holds every packet sent before it.
 */
public final class Tcpdump implements AutoCloseable {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private final Process process;
    private final Path file;
    private final Path log;
    private final int port;

    private Tcpdump(Process process, Path file, Path log, int port) {
        this.process = process;
        this.file = file;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code tcpdump -i IFACE -U -w FILE [extra] port PORT} and waits until it listens. */
    public static Tcpdump start(Path file, String iface, int port, String... extra) throws IOException {
        Path log = file.resolveSibling(file.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(
                "timeout",
                String.valueOf(LIMIT.toSeconds()),
                "tcpdump",
                "-Z",
                "root",
                "-i",
                iface,
                "-U",
                "-w",
                file.toString()));
        command.addAll(List.of(extra));
        command.addAll(List.of("port", String.valueOf(port)));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Tcpdump tcpdump = new Tcpdump(process, file, log, port);
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !process.isAlive() || Files.readString(log).contains("listening on"));
            if (!process.isAlive()) {
                throw new IllegalStateException("tcpdump exited: " + Files.readString(log));
            }
        } catch (RuntimeException e) {
            tcpdump.close();
            throw e;
        }
        return tcpdump;
    }

    /**
     * Sends a marker command through the server (with these redis-cli options, e.g. a password) and
     * waits until the capture holds it and its reply, then stops tcpdump: every packet before the
     * marker is then in the file.
     */
    public Path finish(String... cliOptions) throws IOException, InterruptedException {
        String marker = "ferry-capture-end-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of(cliOptions));
        args.addAll(List.of("ECHO", marker));
        RedisCli.run(port, args.toArray(String[]::new));
        byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
        await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(Files.readAllBytes(file), needle) >= 2);
        close();
        return file;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    private static int occurrences(byte[] haystack, byte[] needle) {
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
