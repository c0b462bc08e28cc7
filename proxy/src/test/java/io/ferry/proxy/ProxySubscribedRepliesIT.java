package io.ferry.proxy;

import io.ferry.testkit.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that subscribed and unsubscribed is owed its replies like any other: a bad frame, a
 * shutdown or the idle timeout treat it exactly as Redis would.
 */
class ProxySubscribedRepliesIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static final String SUBSCRIBED_AND_UNSUBSCRIBED =
            "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n";

    static ProxyServer proxy;

    @BeforeAll
    static void start() throws InterruptedException {
        proxy = ProxyServer.start(ProxyHarness.config(redis.source()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    /** Everything the server sends until it closes the connection (or 5 s pass). */
    private static String readToEnd(Socket socket) throws IOException {
        StringBuilder out = new StringBuilder();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            out.append("<still open>");
        }
        return out.toString();
    }

    private static String subscribeUnsubscribeThenBadFrame(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("SUBSCRIBE ch\r\nUNSUBSCRIBE ch\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(
                            socket.getInputStream().readNBytes(SUBSCRIBED_AND_UNSUBSCRIBED.length()),
                            StandardCharsets.ISO_8859_1))
                    .isEqualTo(SUBSCRIBED_AND_UNSUBSCRIBED);
            socket.getOutputStream().write("PING\r\nBLPOP q 1\r\n*abc\r\n".getBytes(StandardCharsets.US_ASCII));
            return readToEnd(socket);
        }
    }

    @Test
    void aBadFrameAfterUnsubscribingComesAfterTheRepliesOwedAsWithRedis() throws Exception {
        String direct = subscribeUnsubscribeThenBadFrame(redis.source().port());
        String proxied = subscribeUnsubscribeThenBadFrame(proxy.address().getPort());

        assertThat(direct).isEqualTo("+PONG\r\n*-1\r\n-ERR Protocol error: invalid multibulk length\r\n");
        assertThat(proxied).isEqualTo(direct);
    }

    @Test
    void shutdownDeliversTheReplyOwedToAClientThatUnsubscribed() throws Exception {
        ProxyServer draining = ProxyServer.start(ProxyHarness.config(redis.source()));
        try (Socket socket = new Socket()) {
            socket.connect(draining.address(), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("SUBSCRIBE ch\r\nUNSUBSCRIBE ch\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getInputStream().readNBytes(SUBSCRIBED_AND_UNSUBSCRIBED.length());
            socket.getOutputStream().write("BLPOP drain-after-unsubscribe 1\r\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> redis.source().info("blocked_clients").equals("1"));
            Thread closer = new Thread(draining::close);
            closer.start();

            assertThat(readToEnd(socket)).isEqualTo("*-1\r\n");
            closer.join(15_000);
            assertThat(closer.isAlive()).isFalse();
        }
    }

    @Test
    void anUnsubscribedClientIsIdleAgainButASubscribedOneIsNot() throws Exception {
        try (ProxyServer idleProxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                        .idleTimeout(Duration.ofMillis(300))
                        .build());
                ProxyHarness.RawClient unsubscribed = new ProxyHarness.RawClient(idleProxy);
                ProxyHarness.RawClient subscribed = new ProxyHarness.RawClient(idleProxy)) {
            unsubscribed.send("SUBSCRIBE ch\r\nUNSUBSCRIBE ch\r\n");
            assertThat(unsubscribed.readLines(12)).endsWith("unsubscribe", "$2", "ch", ":0");
            subscribed.send("SUBSCRIBE ch\r\n");
            assertThat(subscribed.readLines(3)).containsExactly("*3", "$9", "subscribe");

            assertThat(unsubscribed.closedByPeer(Duration.ofSeconds(5))).isTrue();
            // Several idle periods later the subscriber is still there and gets messages.
            assertThat(redis.source().command("PUBLISH ch hello")).isEqualTo(":1");
            assertThat(subscribed.readLines(10)).contains("message", "hello");
        }
    }
}
