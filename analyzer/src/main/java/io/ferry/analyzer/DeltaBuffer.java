package io.ferry.analyzer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The traffic profiles a stream task has folded since it last saved them, per window, as live
 * objects: folding a record costs no serialization. Registered as a state store for one reason: Kafka
 * Streams commits every store of a task before it commits the task's input offsets, and this store's
 * {@link #commit} hands the buffered profiles to the spill action (which saves them in a logged
 * store). So no input offset is ever committed while its record lives only in this buffer: a restart
 * neither loses nor (with exactly-once processing) repeats a record. Holds nothing itself across
 * restarts; not logged.
 *
 * <p>Not thread-safe: owned by its stream task's thread.
 */
final class DeltaBuffer implements StateStore {
    private final String name;
    private final Map<Long, ProfileSketch> byWindow = new TreeMap<>();
    private Consumer<Map<Long, ProfileSketch>> spill;
    private boolean open;

    DeltaBuffer(String name) {
        this.name = name;
        this.spill = buffered -> {
            throw new IllegalStateException("DeltaBuffer " + name + " holds profiles but no processor took them");
        };
    }

    /** Where the buffered profiles go on commit; the processor owning this buffer sets it at init. */
    void onSpill(Consumer<Map<Long, ProfileSketch>> action) {
        this.spill = action;
    }

    /** The buffered profile of the window starting at {@code windowStart}, made empty when there is none. */
    ProfileSketch window(long windowStart, AnalyzerConfig config) {
        return byWindow.computeIfAbsent(windowStart, w -> ProfileSketch.empty(config));
    }

    int windows() {
        return byWindow.size();
    }

    /** Hands every buffered profile to the spill action and empties the buffer. */
    void spill() {
        if (!byWindow.isEmpty()) {
            spill.accept(Map.copyOf(byWindow));
            byWindow.clear();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {
            throw new IllegalStateException("DeltaBuffer " + name + " has no changelog to restore from");
        });
        open = true;
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        spill();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        spill();
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Builds one buffer per task; logging and caching do not apply and are refused. */
    static final class Builder implements StoreBuilder<DeltaBuffer> {
        private final String name;

        Builder(String name) {
            this.name = name;
        }

        @Override
        public StoreBuilder<DeltaBuffer> withCachingEnabled() {
            throw new UnsupportedOperationException("DeltaBuffer is a buffer: no cache");
        }

        @Override
        public StoreBuilder<DeltaBuffer> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<DeltaBuffer> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException("DeltaBuffer is spilled into a logged store: no changelog");
        }

        @Override
        public StoreBuilder<DeltaBuffer> withLoggingDisabled() {
            return this;
        }

        @Override
        public DeltaBuffer build() {
            return new DeltaBuffer(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
