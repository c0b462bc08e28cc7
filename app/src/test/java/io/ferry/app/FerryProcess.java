package io.ferry.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@code ferry} subcommand in a JVM of its own (the packaged {@code target/ferry.jar}, as an operator runs it), its
 * output in a log file under {@code target/}. For the tests that kill, pause or measure a service as a process.
 */
final class FerryProcess {
    private final Process process;
    private final Path log;

    private FerryProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code ferry args...} with {@code jvmOptions} (heap, GC log, ...). */
    static FerryProcess start(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(Path.of("target", "ferry.jar").toAbsolutePath().toString());
        command.addAll(List.of(args));
        Path log = Path.of("target", "ferry-" + args[0] + "-" + System.nanoTime() + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new FerryProcess(process, log);
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Until the process's output holds {@code text}; fails at once if the process exited. */
    void awaitLine(String text, Duration timeout) {
        await().atMost(timeout).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("ferry exited " + process.exitValue() + "; its log: " + log);
            }
            return Files.readString(log).contains(text);
        });
    }

    /** SIGKILL: no shutdown, no goodbye. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
