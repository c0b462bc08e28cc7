package io.ferry.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code redis-cli} and {@code redis-benchmark} against a local port, bounded in time. */
public final class RedisCli {
    private RedisCli() {}

    /** {@code redis-cli -p PORT args...}: its output; fails when it fails or takes over a minute. */
    public static String run(int port, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("timeout", "60", "redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        return exec(command, null);
    }

    /** {@code redis-cli -p PORT [options]} fed {@code input} on standard input (one command per line). */
    public static String pipe(int port, String input, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("timeout", "60", "redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(options));
        return exec(command, input);
    }

    /** {@code redis-benchmark -p PORT args...}: its output. */
    public static String benchmark(int port, String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("timeout", "120", "redis-benchmark", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        return exec(command, null);
    }

    private static String exec(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (input != null) {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(command + " failed: " + output);
            }
            return output;
        } finally {
            process.destroyForcibly();
        }
    }
}
