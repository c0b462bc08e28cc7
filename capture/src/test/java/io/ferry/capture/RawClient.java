package io.ferry.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** A plain socket to a server, for traffic redis-cli cannot send (inline commands, pipelined Pub/Sub). */
final class RawClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final Thread reader;

    RawClient(int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        InputStream in = socket.getInputStream();
        reader = new Thread(
                () -> {
                    byte[] buffer = new byte[4096];
                    try {
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            synchronized (received) {
                                received.write(buffer, 0, n);
                            }
                        }
                    } catch (IOException e) {
                        // The socket was closed by the test: the end of what it reads.
                    }
                },
                "raw-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** Waits until {@code text} occurs at least {@code times} times in what the server sent. */
    void awaitReplies(String text, int times) {
        await().atMost(Duration.ofSeconds(10)).until(() -> count(text) >= times);
    }

    private int count(String text) {
        String all;
        synchronized (received) {
            all = received.toString(StandardCharsets.UTF_8);
        }
        int count = 0;
        for (int at = all.indexOf(text); at >= 0; at = all.indexOf(text, at + 1)) {
            count++;
        }
        return count;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
