package io.ferry.app;

import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code ferry proxy} process held to a small heap and direct-memory budget, attacked from many connections at once
 * (random and mutated frames, huge declared lengths, deep nesting, slow-drip senders, clients that never read a big
 * reply, connections reset mid-command, thousands of idle connections) while a well-behaved Lettuce client writes
 * and reads through it. The proxy must stay up inside its memory bound, answer every hostile frame with an error or
 * a closed connection, forward nothing malformed, and serve the well-behaved client without a single error or wrong
 * value. Its latency before and under attack is printed (the figures are a benchmark's, not asserted:
 * docs/reliability.md). {@code -Dhostile.seconds=N} makes the attack longer (bench/hostile.sh).
 */
class HostileClientsIT {
    private static final int ATTACK_SECONDS = Integer.getInteger("hostile.seconds", 8);
    private static final int IDLE_CONNECTIONS = Integer.getInteger("hostile.idle", 10_000);
    private static final String HEAP = "192m";
    private static final String DIRECT = "128m";
    private static final byte[] BIG_VALUE = new byte[256 * 1024];

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();

    @Test
    void theProxyStaysUpWithinItsMemoryAndServesWellBehavedClientsUnderHostileInput() throws Exception {
        RedisServer source = redis.start("hostile-source");
        RedisServer target = redis.start("hostile-target");
        Arrays.fill(BIG_VALUE, (byte) 'x');
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(List.of(
                "proxy",
                "--listen",
                "127.0.0.1:" + port,
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--write-policy",
                "SOURCE_AUTHORITATIVE",
                "--read-mode",
                "SOURCE",
                "--max-connections",
                String.valueOf(IDLE_CONNECTIONS + 1_000),
                "--client.max-bulk-length",
                String.valueOf(8 * 1024 * 1024),
                "--client.output-buffer-limit",
                String.valueOf(4 * 1024 * 1024)));
        String extra = System.getProperty("hostile.proxy-args", "");
        if (!extra.isBlank()) {
            args.addAll(List.of(extra.split(" ")));
        }
        FerryProcess proxy = FerryProcess.start(
                List.of(
                        "-Xmx" + HEAP,
                        "-XX:MaxDirectMemorySize=" + DIRECT,
                        "-Xlog:gc:file=target/hostile-proxy-gc.log"),
                args.toArray(String[]::new));
        Path log = proxy.log();
        List<SocketChannel> idle = new ArrayList<>();
        ExecutorService attackers = Executors.newFixedThreadPool(12);
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        try {
            RedisURI uri = RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(port)
                    .withTimeout(Duration.ofSeconds(10))
                    .build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try (StatefulRedisConnection<String, String> probe = client.connect(uri)) {
                    return probe.sync().ping().equals("PONG");
                }
            });
            try (StatefulRedisConnection<byte[], byte[]> seed =
                    client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE, uri)) {
                seed.sync().set(bytes("big"), BIG_VALUE);
            }

            WellBehaved app = new WellBehaved(client.connect(uri));
            Thread appThread = new Thread(app, "well-behaved");
            appThread.start();
            TimeUnit.SECONDS.sleep(2); // the baseline: the well-behaved client alone
            long[] baseline = app.takeLatencies();

            System.out.println("idle connections from " + java.time.Instant.now());
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                idle.add(channel);
            }
            System.out.println("attack starts at " + java.time.Instant.now());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ATTACK_SECONDS);
            List<Future<?>> attacks = new ArrayList<>();
            long seed = new Random().nextLong();
            System.out.println("hostile input seed: " + seed);
            String only = System.getProperty("hostile.attacks", "random,mutated,huge,reset,drip,never");
            for (int i = 0; i < 2; i++) {
                int n = i;
                if (only.contains("random"))
                    attacks.add(attackers.submit(() -> randomBytes(port, deadline, new Random(seed + n))));
                if (only.contains("mutated"))
                    attacks.add(attackers.submit(() -> mutatedFrames(port, deadline, new Random(seed + 10 + n))));
            }
            if (only.contains("huge")) attacks.add(attackers.submit(() -> hugeLengthsAndDeepNesting(port, deadline)));
            if (only.contains("reset"))
                attacks.add(attackers.submit(() -> resetMidCommand(port, deadline, new Random(seed + 20))));
            for (int i = 0; i < 3; i++) {
                if (only.contains("drip")) attacks.add(attackers.submit(() -> slowDrip(port, deadline)));
                if (only.contains("never")) attacks.add(attackers.submit(() -> neverReads(port, deadline)));
            }
            for (Future<?> attack : attacks) {
                attack.get(ATTACK_SECONDS + 60L, TimeUnit.SECONDS);
            }
            long[] underAttack = app.takeLatencies();
            assertThat(proxy.isAlive())
                    .as("the proxy process is up (its log: %s)", log)
                    .isTrue();
            long rssKb = rssKb(proxy.pid());
            TimeUnit.SECONDS.sleep(1);
            app.stop();
            appThread.join(30_000);

            System.out.printf(
                    "hostile input: %d idle connections held, attacks %s; proxy RSS %d MB (heap %s, direct %s);"
                            + " well-behaved client: %d ops, %d errors, %d wrong values; latency p50/p99/max"
                            + " alone %s, under attack %s%n",
                    IDLE_CONNECTIONS,
                    outcomes,
                    rssKb / 1024,
                    HEAP,
                    DIRECT,
                    app.ops.get(),
                    app.errors.get(),
                    app.wrong.get(),
                    percentiles(baseline),
                    percentiles(underAttack));
            assertThat(app.errors.get())
                    .as("errors seen by the well-behaved client: %s", app.lastError)
                    .isZero();
            assertThat(app.wrong.get()).as("wrong values read").isZero();
            assertThat(underAttack.length)
                    .as("the well-behaved client kept being served during the attack")
                    .isGreaterThan(ATTACK_SECONDS * 10);
            // Every kind of attack really ran and got an error or a closed connection, never a hang.
            assertThat(outcomes.keySet())
                    .contains(
                            "random:closed",
                            "mutated:answered",
                            "huge-bulk:refused",
                            "huge-array:refused",
                            "nested:refused",
                            "drip:pong",
                            "reset:done");
            assertThat(outcomes.keySet())
                    .as("a client that never reads is disconnected or held back, never buffered without bound")
                    .containsAnyOf("never-reads:disconnected", "never-reads:held");
            assertThat(outcomes).doesNotContainKeys("huge-bulk:accepted", "nested:accepted", "drip:wrong");
            assertThat(Files.readString(log))
                    .as("the proxy logged no out-of-memory or leak")
                    .doesNotContain("OutOfMemoryError")
                    .doesNotContain("LEAK:");

            // What the well-behaved client wrote is on both sides, unharmed by the hostile frames.
            for (int i = 0; i < Math.min(app.ops.get() / 2, 500); i++) {
                String key = "app:" + i;
                String expected = "$" + ("value-" + i).length();
                assertThat(source.command("GET " + key)).as(key).isEqualTo(expected);
                assertThat(target.command("GET " + key)).as(key).isEqualTo(expected);
            }
            // The idle connections are still served: a few of them answer a PING.
            for (SocketChannel channel : idle.subList(0, 5)) {
                channel.write(ByteBuffer.wrap(bytes("PING\r\n")));
                channel.socket().setSoTimeout(10_000);
                assertThat(firstLine(channel.socket())).isEqualTo("+PONG");
            }
        } finally {
            attackers.shutdownNow();
            for (SocketChannel channel : idle) {
                channel.close();
            }
            client.shutdown();
            proxy.stop();
        }
    }

    /** A client that writes and reads its own keys through the proxy and checks every reply. */
    private static final class WellBehaved implements Runnable {
        private final StatefulRedisConnection<String, String> connection;
        private final AtomicLong ops = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong wrong = new AtomicLong();
        private volatile String lastError;
        private volatile boolean running = true;
        private final List<Long> latencies = new ArrayList<>();

        WellBehaved(StatefulRedisConnection<String, String> connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            RedisCommands<String, String> redis = connection.sync();
            int i = 0;
            while (running) {
                String key = "app:" + (i % 1000);
                String value = "value-" + (i % 1000);
                try {
                    long start = System.nanoTime();
                    redis.set(key, value);
                    String read = redis.get(key);
                    long took = System.nanoTime() - start;
                    synchronized (latencies) {
                        latencies.add(took / 2);
                    }
                    if (took > 400_000_000L) {
                        System.out.printf(
                                "slow well-behaved SET+GET: %d ms, at %s%n", took / 1_000_000, java.time.Instant.now());
                    }
                    if (!value.equals(read)) {
                        wrong.incrementAndGet();
                    }
                    ops.addAndGet(2);
                } catch (RuntimeException e) {
                    errors.incrementAndGet();
                    lastError = e.toString();
                }
                i++;
                try {
                    TimeUnit.MILLISECONDS.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
            connection.close();
        }

        long[] takeLatencies() {
            synchronized (latencies) {
                long[] taken = latencies.stream().mapToLong(Long::longValue).toArray();
                latencies.clear();
                return taken;
            }
        }

        void stop() {
            running = false;
        }
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(2_000);
        return socket;
    }

    /** Random bytes: a protocol error and a closed connection (or, rarely, something that parses). */
    private void randomBytes(int port, long deadline, Random random) {
        while (System.nanoTime() < deadline) {
            try (Socket socket = connect(port)) {
                byte[] garbage = new byte[1 + random.nextInt(4096)];
                random.nextBytes(garbage);
                String firsts = "*$+-:_#,(!=%~>|\u0000\u00ff";
                garbage[0] = (byte) firsts.charAt(random.nextInt(firsts.length()));
                socket.getOutputStream().write(garbage);
                count(drain(socket) ? "random:closed" : "random:open");
            } catch (IOException e) {
                count("random:closed");
            }
        }
    }

    /** Valid commands with bytes flipped, inserted or cut: any answer, then a closed or usable connection. */
    private void mutatedFrames(int port, long deadline, Random random) {
        byte[][] valid = {
            bytes("*3\r\n$3\r\nSET\r\n$5\r\nfuzz:" + "a" + "\r\n$5\r\nvalue\r\n"),
            bytes("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"),
            bytes("*4\r\n$5\r\nHMSET\r\n$6\r\nfuzz:h\r\n$1\r\nf\r\n$1\r\nv\r\n"),
            bytes("*1\r\n$4\r\nPING\r\n"),
            bytes("*3\r\n$5\r\nLPUSH\r\n$6\r\nfuzz:l\r\n$3\r\nabc\r\n"),
        };
        while (System.nanoTime() < deadline) {
            try (Socket socket = connect(port)) {
                socket.setSoTimeout(300);
                byte[] frame = valid[random.nextInt(valid.length)].clone();
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits; e++) {
                    int at = random.nextInt(frame.length);
                    switch (random.nextInt(3)) {
                        case 0 -> frame[at] = (byte) random.nextInt(256);
                        case 1 -> frame = Arrays.copyOf(frame, at + 1);
                        default -> {
                            byte[] longer = new byte[frame.length + 1];
                            System.arraycopy(frame, 0, longer, 0, at);
                            longer[at] = (byte) random.nextInt(256);
                            System.arraycopy(frame, at, longer, at + 1, frame.length - at);
                            frame = longer;
                        }
                    }
                }
                socket.getOutputStream().write(frame);
                drain(socket);
                count("mutated:answered");
            } catch (IOException e) {
                count("mutated:answered");
            }
        }
    }

    /** Declared lengths far beyond the limits and aggregates nested deeper than allowed: refused at once. */
    private void hugeLengthsAndDeepNesting(int port, long deadline) {
        String[][] cases = {
            {"huge-bulk", "*2\r\n$3\r\nGET\r\n$2147483647\r\n"},
            {"huge-bulk", "*2\r\n$3\r\nGET\r\n$1099511627776\r\n"},
            {"huge-array", "*2147483647\r\n"},
            {"huge-array", "*1099511627776\r\n"},
            {"nested", "*1\r\n".repeat(100_000)},
        };
        while (System.nanoTime() < deadline) {
            for (String[] attack : cases) {
                try (Socket socket = connect(port)) {
                    socket.getOutputStream().write(bytes(attack[1]));
                    String reply = firstLine(socket);
                    count(attack[0]
                            + (reply != null && reply.startsWith("-ERR Protocol error") ? ":refused" : ":accepted"));
                } catch (IOException e) {
                    count(attack[0] + ":refused");
                }
            }
        }
    }

    /** A valid command sent one byte at a time: answered correctly once complete. */
    private void slowDrip(int port, long deadline) {
        byte[] ping = bytes("*2\r\n$4\r\nECHO\r\n$4\r\ndrip\r\n");
        while (System.nanoTime() < deadline) {
            try (Socket socket = connect(port)) {
                OutputStream out = socket.getOutputStream();
                for (byte b : ping) {
                    out.write(b);
                    out.flush();
                    TimeUnit.MILLISECONDS.sleep(15);
                }
                socket.setSoTimeout(10_000);
                String first = firstLine(socket);
                String second = firstLine(socket);
                count("$4".equals(first) && "drip".equals(second) ? "drip:pong" : "drip:wrong");
            } catch (IOException e) {
                count("drip:io-error " + e.getMessage());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Pipelines 64 reads of a big value (16 MB of replies) and never reads one: the proxy must not queue them without
     * bound (it disconnects the client at its output buffer limit, or stops reading from it).
     */
    private void neverReads(int port, long deadline) {
        byte[] gets = bytes("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".repeat(64));
        byte[] ping = bytes("PING\r\n");
        while (System.nanoTime() < deadline) {
            try (SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                channel.configureBlocking(false);
                channel.write(ByteBuffer.wrap(gets));
                TimeUnit.SECONDS.sleep(2);
                boolean closed = false;
                for (int i = 0; i < 10 && !closed; i++) {
                    try {
                        channel.write(ByteBuffer.wrap(ping));
                    } catch (IOException e) {
                        closed = true; // reset by the proxy
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                count(closed ? "never-reads:disconnected" : "never-reads:held");
            } catch (IOException e) {
                count("never-reads:disconnected");
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Half a command, then a reset (RST, no FIN): the proxy drops the connection and forwards nothing. */
    private void resetMidCommand(int port, long deadline, Random random) {
        while (System.nanoTime() < deadline) {
            try {
                Socket socket = connect(port);
                socket.setSoLinger(true, 0);
                byte[] half =
                        bytes("*3\r\n$3\r\nSET\r\n$10\r\nfuzz:reset\r\n$100\r\n" + "y".repeat(random.nextInt(99)));
                socket.getOutputStream().write(half);
                socket.close();
                count("reset:done");
                TimeUnit.MILLISECONDS.sleep(1);
            } catch (IOException e) {
                count("reset:io-error");
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads what the proxy sends until it closes the connection (true) or goes quiet (false). */
    private static boolean drain(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    private static String firstLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                return line.toString().replace("\r", "");
            }
            if (line.length() < 512) {
                line.append((char) b);
            }
        }
        return line.length() == 0 ? null : line.toString();
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static String percentiles(long[] nanos) {
        if (nanos.length == 0) {
            return "(none)";
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                "%.2f/%.2f/%.2f ms",
                sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
