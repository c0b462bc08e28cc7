package io.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code redis-server} process on a loopback port, with its own data directory.
 *
 * <p>Faults for later tests: {@link #kill()} (SIGKILL, unsaved data lost), {@link #stop()} (a clean
 * {@code SHUTDOWN SAVE}, data kept in the directory), {@link #pause()} / {@link #resume()} (SIGSTOP /
 * SIGCONT: the port stays open but nothing answers), {@link #restart()} (same port, same directory),
 * {@link #restartEmpty()} (same port, data wiped). Not thread-safe: one test thread drives it.
 */
public final class RedisServer {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Path dir;
    private final List<String> extraArgs;
    private final int port;
    private final int tlsPort;
    private Process process;
    private boolean paused;

    RedisServer(String name, Path dir, int port, int tlsPort, List<String> extraArgs) {
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.tlsPort = tlsPort;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** The name the test gave this server ("source", "target", ...). */
    public String name() {
        return name;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT}, the form Ferry's settings take. */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    /**
     * The TLS port of a server started with {@link RedisServers#startWithTls}.
     *
     * @throws IllegalStateException when this server has none
     */
    public int tlsPort() {
        if (tlsPort == 0) {
            throw new IllegalStateException(this + " was not started with TLS (RedisServers.startWithTls)");
        }
        return tlsPort;
    }

    /** {@code rediss://127.0.0.1:TLSPORT}, for a server started with {@link RedisServers#startWithTls}. */
    public String tlsUri() {
        return "rediss://" + host() + ":" + tlsPort();
    }

    public Path dir() {
        return dir;
    }

    /** The OS process id, while running. */
    public long pid() {
        requireRunning();
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    void start() {
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(
                RedisServers.redisServerBinary(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--protected-mode",
                "no",
                "--logfile",
                dir.resolve("redis.log").toString()));
        if (tlsPort != 0) {
            command.addAll(List.of("--tls-port", Integer.toString(tlsPort)));
        }
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start redis-server for " + name, e);
        }
        paused = false;
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "redis-server " + name + " on port " + port + " exited with " + process.exitValue() + ": "
                                + tail(dir.resolve("redis.log")) + tail(dir.resolve("stdout.log")));
            }
            try {
                // Any answer but LOADING means the server is serving (NOAUTH too, with requirepass).
                String reply = command("PING");
                if (!reply.isEmpty() && !reply.startsWith("-LOADING")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.onSpinWait();
            sleepQuietly(20);
        }
        throw new IllegalStateException(
                "redis-server " + name + " did not answer PING on port " + port + " within " + START_TIMEOUT, last);
    }

    /**
     * Sends one inline command and returns the first line of the reply (for example {@code +OK},
     * {@code :3}, {@code $5}). Enough for test set-up and fault steps; tests check data with a real
     * client (Lettuce or redis-cli).
     */
    public String command(String inline) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), port), 1000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readLine(socket.getInputStream());
        }
    }

    /**
     * Returns one field of {@code INFO} (for example {@code blocked_clients}), or an empty string
     * when the server does not report it.
     */
    public String info(String field) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), port), 1000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("INFO\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String header = readLine(in);
            if (!header.startsWith("$")) {
                throw new IOException("INFO on " + name + " answered " + header);
            }
            int length = Integer.parseInt(header.substring(1));
            byte[] body = in.readNBytes(length);
            String prefix = field + ":";
            for (String line : new String(body, StandardCharsets.UTF_8).split("\r\n")) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
            return "";
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
            if (line.length() > 4096) {
                break;
            }
        }
        return line.toString();
    }

    /** Deletes every key in every database. */
    public void flushAll() {
        try {
            String reply = command("FLUSHALL");
            if (!"+OK".equals(reply)) {
                throw new IllegalStateException("FLUSHALL on " + name + " answered " + reply);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clean shutdown that saves the dataset to the server's directory, as an operator's stop would. */
    public void stop() {
        requireRunning();
        resumeIfPaused();
        try {
            command("SHUTDOWN SAVE");
        } catch (IOException e) {
            // The server closes the connection as it exits; the wait below is what counts.
        }
        awaitExit();
    }

    /** SIGKILL: the process dies at once, unsaved data is lost. */
    public void kill() {
        requireRunning();
        process.destroyForcibly();
        awaitExit();
        paused = false;
    }

    /** SIGSTOP: connections stay open and nothing answers, like a frozen or partitioned host. */
    public void pause() {
        requireRunning();
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        requireRunning();
        signal("CONT");
        paused = false;
    }

    /** Stops cleanly (saving) if running, then starts again on the same port with the same directory. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        start();
    }

    /** Kills the server if running, wipes its data and starts it again empty on the same port. */
    public void restartEmpty() {
        if (isRunning()) {
            kill();
        }
        try {
            Files.deleteIfExists(dir.resolve("dump.rdb"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    void destroy() {
        if (process != null && process.isAlive()) {
            resumeIfPaused();
            process.destroyForcibly();
            awaitExit();
        }
    }

    private void resumeIfPaused() {
        if (paused) {
            resume();
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server " + name + " to exit", e);
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void requireRunning() {
        if (!isRunning()) {
            throw new IllegalStateException("redis-server " + name + " is not running");
        }
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "redis-server " + name + " at " + host() + ":" + port;
    }
}
