package io.ferry.capture.pcap;

import java.io.IOException;
import java.io.InputStream;

/**
 * A buffered input that counts the bytes it has handed out, so a reader can say at which offset a
 * capture went wrong. Reads through a fixed 64 KiB buffer. Not thread-safe.
 */
final class ByteInput implements AutoCloseable {
    private static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int position;
    private int limit;
    private long offset;

    ByteInput(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed so far. */
    long offset() {
        return offset;
    }

    /**
     * Reads {@code length} bytes into {@code target}, fewer only at the end of the input.
     *
     * @return the bytes read
     */
    int read(byte[] target, int at, int length) throws IOException {
        int done = 0;
        while (done < length) {
            if (position == limit && !fill()) {
                break;
            }
            int n = Math.min(length - done, limit - position);
            System.arraycopy(buffer, position, target, at + done, n);
            position += n;
            done += n;
        }
        offset += done;
        return done;
    }

    /**
     * Skips {@code length} bytes, fewer only at the end of the input.
     *
     * @return the bytes skipped
     */
    long skip(long length) throws IOException {
        long done = 0;
        while (done < length) {
            if (position == limit && !fill()) {
                break;
            }
            int n = (int) Math.min(length - done, limit - position);
            position += n;
            done += n;
        }
        offset += done;
        return done;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
