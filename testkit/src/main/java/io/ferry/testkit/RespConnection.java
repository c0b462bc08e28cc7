package io.ferry.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One plain RESP2 connection to a test's own redis-server, for the harness's administrative commands
 * (CLUSTER ..., MIGRATE): commands are sent as arrays of bulk strings (a {@code byte[]} argument as it
 * is, anything else as its UTF-8 text), replies read whole: a status as {@code String}, an integer as
 * {@code Long}, a bulk as {@code byte[]} (null for nil), an array as a {@code List}. An error reply
 * throws {@link ErrorReply}. Lengths are bounded, as they come from a server the test started. Not
 * thread-safe.
 */
final class RespConnection implements AutoCloseable {
    private static final int MAX_BULK = 64 << 20;
    private static final int MAX_ELEMENTS = 1 << 20;

    /** A {@code -ERR ...} reply, naming the command that got it. */
    static final class ErrorReply extends IllegalStateException {
        private final String reply;

        ErrorReply(String command, String reply) {
            super(command + " answered -" + reply);
            this.reply = reply;
        }

        /** The error text without its leading '-', e.g. {@code "ERR Unknown node ..."}. */
        String reply() {
            return reply;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String address;

    RespConnection(String host, int port) {
        this.address = host + ":" + port;
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(15_000);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to redis-server at " + address, e);
        }
    }

    /** Sends one command and returns its reply. */
    Object call(Object... args) {
        try {
            out.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object arg : args) {
                byte[] bytes =
                        arg instanceof byte[] raw ? raw : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
                out.write(('$' + Integer.toString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.write('\r');
                out.write('\n');
            }
            out.flush();
            return read(name(args));
        } catch (IOException e) {
            throw new UncheckedIOException(name(args) + " to " + address + " failed", e);
        }
    }

    /** A reply that is text (a status or a bulk), as a string. */
    String text(Object... args) {
        Object reply = call(args);
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    private Object read(String command) throws IOException {
        int type = in.read();
        if (type == -1) {
            throw new EOFException(address + " closed the connection");
        }
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ErrorReply(command, line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = bounded(Integer.parseInt(line), MAX_BULK, "bulk length");
                if (length < 0) {
                    return null;
                }
                byte[] bulk = in.readNBytes(length);
                if (bulk.length < length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException(address + ": a bulk reply was cut short");
                }
                return bulk;
            }
            case '*': {
                int count = bounded(Integer.parseInt(line), MAX_ELEMENTS, "array length");
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(command));
                }
                return elements;
            }
            default:
                throw new IOException(address + ": unexpected reply type '" + (char) type + "' (" + line + ")");
        }
    }

    private static int bounded(int length, int limit, String what) throws IOException {
        if (length > limit) {
            throw new IOException(what + ": " + length + " (expected: <= " + limit + ")");
        }
        return length;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new EOFException(address + " closed the connection mid-reply");
            }
            if (b != '\r') {
                line.write(b);
            }
            if (line.size() > 1 << 16) {
                throw new IOException(address + ": a reply line over 64 KiB");
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String name(Object[] args) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < Math.min(args.length, 2); i++) {
            name.append(i == 0 ? "" : " ").append(args[i] instanceof byte[] ? "<bytes>" : String.valueOf(args[i]));
        }
        return name.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing was pending on a connection the harness is done with.
        }
    }
}
