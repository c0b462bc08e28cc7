package io.ferry.analyzer;

import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first stage, one per traffic partition: decodes each traffic record and folds it into the
 * profile of its window ({@link TrafficRecord#getTimestampMicros()}, else the Kafka timestamp) in the
 * {@link DeltaBuffer}; every commit saves the buffer into the logged {@link AnalyzerStores#PENDING}
 * store; every emit interval (wall clock) the pending profiles are forwarded, keyed by window start,
 * to the merging stage, and removed. A record that is not a traffic record is counted ({@code
 * records.bad}) and logged (the first ones, then every {@value #LOG_EVERY_BAD}th), never fatal.
 *
 * <p>Runs on its stream task's thread only.
 */
final class TrafficFolder implements Processor<String, byte[], Long, ProfileSketch> {
    private static final Logger log = LoggerFactory.getLogger(TrafficFolder.class);
    private static final int LOG_EVERY_BAD = 1000;
    /** Windows buffered at most; a replay of old traffic spanning more is saved early. */
    private static final int MAX_BUFFERED_WINDOWS = 16;

    private final AnalyzerConfig config;
    private final CommandCatalog catalog;
    private final KeyPrefix prefix;
    private ProcessorContext<Long, ProfileSketch> context;
    private DeltaBuffer buffer;
    private KeyValueStore<Long, ProfileSketch> pending;
    private long badRecords;

    TrafficFolder(AnalyzerConfig config) {
        this.config = config;
        this.catalog = new CommandCatalog(CommandTable.bundled(), config.target());
        this.prefix = new KeyPrefix(config.prefixSeparators());
    }

    @Override
    public void init(ProcessorContext<Long, ProfileSketch> context) {
        this.context = context;
        this.buffer = context.getStateStore(AnalyzerStores.BUFFER);
        this.pending = context.getStateStore(AnalyzerStores.PENDING);
        buffer.onSpill(this::save);
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::forwardPending);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        TrafficRecord traffic = decode(record);
        if (traffic == null) {
            buffer.window(config.windowStart(record.timestamp()), config).observeBadRecord();
        } else {
            long micros = ProfileSketch.micros(traffic.getTimestampMicros());
            long millis = micros > 0 ? micros / 1000 : record.timestamp();
            ProfileSketch window = buffer.window(config.windowStart(millis), config);
            try {
                window.observe(traffic, catalog.facts(traffic.getCommand()), prefix, config.bigValueBytes());
            } catch (RuntimeException e) {
                // A record that decodes but that the analysis cannot take (a bug, or input no test foresaw):
                // counted and logged with its stack trace, so one record cannot stop the analyzer for good.
                window.observeBadRecord();
                badRecords++;
                log.warn(
                        "Skipped a traffic record the analysis failed on ({} skipped so far in this task), at {}",
                        badRecords,
                        where(),
                        e);
            }
        }
        if (buffer.windows() > MAX_BUFFERED_WINDOWS) {
            buffer.spill();
        }
    }

    private TrafficRecord decode(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("traffic");
        try {
            TrafficRecord traffic = TypedTopic.TRAFFIC.valueSerde().deserialize(topic, record.value());
            if (traffic != null) {
                return traffic;
            }
            bad(record, "an empty value (tombstone)");
        } catch (SerializationException e) {
            bad(record, e.getMessage());
        }
        return null;
    }

    private void bad(Record<String, byte[]> record, String why) {
        badRecords++;
        if (badRecords <= 10 || badRecords % LOG_EVERY_BAD == 0) {
            log.warn(
                    "Skipped a traffic record that is not one ({} so far in this task), at {}: {}",
                    badRecords,
                    where(),
                    why);
        }
    }

    private String where() {
        return context.recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("?");
    }

    /** Adds buffered profiles into the pending ones: the logged copy an input offset commit relies on. */
    private void save(Map<Long, ProfileSketch> buffered) {
        buffered.forEach((window, profile) -> {
            ProfileSketch saved = pending.get(window);
            pending.put(window, saved == null ? profile : saved.merge(profile));
        });
    }

    private void forwardPending(long now) {
        buffer.spill();
        List<KeyValue<Long, ProfileSketch>> all = new ArrayList<>();
        try (KeyValueIterator<Long, ProfileSketch> iterator = pending.all()) {
            iterator.forEachRemaining(all::add);
        }
        for (KeyValue<Long, ProfileSketch> entry : all) {
            context.forward(new Record<>(entry.key, entry.value, now));
            pending.delete(entry.key);
        }
    }
}
