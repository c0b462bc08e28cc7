package io.ferry.resp.command;

import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A plain blocking socket to a redis-server whose replies are decoded by Ferry's own {@link
 * RespDecoder} in an {@link EmbeddedChannel}: the path a live source's COMMAND reply takes. One test
 * thread; not thread-safe.
 */
final class RespSocket implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final EmbeddedChannel decoder = new EmbeddedChannel(RespDecoder.forReplies(RespLimits.DEFAULTS));
    private final byte[] chunk = new byte[64 * 1024];

    RespSocket(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        in = socket.getInputStream();
    }

    /** Sends {@code args} as a RESP array of bulk strings and returns the decoded reply; the caller releases it. */
    RespMessage call(List<String> args) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        socket.getOutputStream().write(request.toByteArray());
        socket.getOutputStream().flush();
        for (; ; ) {
            RespMessage reply = decoder.readInbound();
            if (reply != null) {
                return reply;
            }
            int read = in.read(chunk);
            if (read < 0) {
                throw new IOException("redis-server closed the connection before replying to " + args);
            }
            decoder.writeInbound(Unpooled.copiedBuffer(chunk, 0, read));
        }
    }

    RespMessage call(String... args) throws IOException {
        return call(List.of(args));
    }

    @Override
    public void close() throws IOException {
        decoder.finishAndReleaseAll();
        socket.close();
    }
}
