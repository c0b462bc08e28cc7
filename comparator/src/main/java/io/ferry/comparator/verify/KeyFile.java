package io.ferry.comparator.verify;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The keys one round found different, on disk rather than in memory, so a verify of a keyspace where
 * every key differs still runs in a bounded heap: records of (database, key length, key). The next
 * round reads them back in order.
 */
final class KeyFile {
    /** Redis's own limit on a key (proto-max-bulk-len's default); a longer record means a corrupt file. */
    static final int MAX_KEY_BYTES = 512 << 20;

    private KeyFile() {}

    /** Appends records to {@code path}, first cut back to {@code length} bytes (what a checkpoint covered). */
    static final class Writer implements AutoCloseable {
        private final DataOutputStream out;
        private long length;
        private long records;

        Writer(Path path, long length) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.truncate(length);
            }
            this.out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.APPEND), 64 << 10));
            this.length = length;
        }

        void write(int db, byte[] key) {
            try {
                out.writeInt(db);
                out.writeInt(key.length);
                out.write(key);
                length += 8 + key.length;
                records++;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the keys to check again", e);
            }
        }

        /** Flushes and returns the file's length. */
        long flush() {
            try {
                out.flush();
                return length;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the keys to check again", e);
            }
        }

        long records() {
            return records;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** One record read back. */
    record Entry(int db, byte[] key) {}

    /** Reads records in the order they were written. */
    static final class Reader implements AutoCloseable {
        private final DataInputStream in;
        private final Path path;

        Reader(Path path) throws IOException {
            this.path = path;
            this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 64 << 10));
        }

        /** The next record, or null at the end of the file. */
        Entry next() throws IOException {
            int db;
            try {
                db = in.readInt();
            } catch (EOFException e) {
                return null;
            }
            int length = in.readInt();
            if (length < 0 || length > MAX_KEY_BYTES || db < 0) {
                throw new IOException(path + ": corrupt record (db " + db + ", key length " + length + ", expected: <= "
                        + MAX_KEY_BYTES + ")");
            }
            byte[] key = new byte[length];
            in.readFully(key);
            return new Entry(db, key);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
