package io.ferry.workload;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Appends {@link HistoryRecord}s to a history file, one line each, from any number of threads. A bounded queue sits
 * between the connections and the one thread that writes the file: when the disk falls behind, {@link #append} waits
 * (the workload slows down rather than holding an unbounded backlog in memory or dropping a record). {@link #close}
 * writes everything queued, flushes and closes the file; a failure to write is rethrown there. Thread-safe.
 */
public final class HistoryWriter implements AutoCloseable {
    private static final HistoryRecord END =
            new HistoryRecord(-1, -1, 0, 0, HistoryRecord.Outcome.NO_REPLY, "", List.of("END", "-"));

    private final BlockingQueue<HistoryRecord> queue;
    private final BufferedWriter file;
    private final Thread writer;
    private volatile IOException failure;
    private boolean closed;

    /** Opens {@code path} (created or truncated) with room for {@code capacity} records in flight. */
    public HistoryWriter(Path path, int capacity, String description) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        queue = new ArrayBlockingQueue<>(capacity);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        file = Files.newBufferedWriter(
                path,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        file.write(HistoryRecord.HEADER + (description.isEmpty() ? "" : " " + description.replace('\n', ' ')));
        file.newLine();
        writer = new Thread(this::drain, "ferry-workload-history");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues {@code record}, waiting while the queue is full. */
    public void append(HistoryRecord record) throws InterruptedException {
        if (failure != null) {
            throw new UncheckedIOException("the history file cannot be written", failure);
        }
        queue.put(record);
    }

    private void drain() {
        List<HistoryRecord> batch = new ArrayList<>(512);
        try {
            while (true) {
                HistoryRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    file.flush();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 511);
                for (HistoryRecord record : batch) {
                    if (record == END) {
                        file.flush();
                        return;
                    }
                    file.write(record.toLine());
                    file.newLine();
                }
                batch.clear();
            }
        } catch (IOException e) {
            failure = e;
            queue.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued, flushes and closes the file. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (failure == null) {
                queue.put(END);
            }
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            file.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Reads every record of the history file at {@code path}, in file order, skipping comment lines.
     *
     * @throws IllegalArgumentException naming the line that cannot be read
     */
    public static long read(Path path, Consumer<HistoryRecord> records) throws IOException {
        long count = 0;
        long lineNumber = 0;
        try (var reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            boolean first = true;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (first && !line.startsWith(HistoryRecord.HEADER)) {
                    throw new IllegalArgumentException(
                            path + " is not a workload history (its first line is not '" + HistoryRecord.HEADER + "')");
                }
                first = false;
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                try {
                    records.accept(HistoryRecord.parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(path + " line " + lineNumber + ": " + e.getMessage(), e);
                }
                count++;
            }
        }
        return count;
    }
}
