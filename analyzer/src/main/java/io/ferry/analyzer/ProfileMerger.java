package io.ferry.analyzer;

import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.AnalysisRecord;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;

/**
 * The second stage, a single task: merges the partial profiles of every traffic partition into the
 * profile of each window ({@link AnalyzerStores#WINDOWS}, the newest {@code windowsKept} kept) and into
 * the overall profile ({@link AnalyzerStores#OVERALL}), and every emit interval (wall clock) publishes
 * the records of what changed to the analysis topic. What changed is itself kept in a logged store, so
 * a restart publishes what its predecessor had not.
 *
 * <p>Runs on its stream task's thread only.
 */
final class ProfileMerger implements Processor<Long, ProfileSketch, String, AnalysisRecord> {
    /** The key of the overall profile in {@link AnalyzerStores#CHANGED}. */
    static final long OVERALL_MARK = -1L;

    private final AnalyzerConfig config;
    private final AnalysisRecords records;
    private ProcessorContext<String, AnalysisRecord> context;
    private KeyValueStore<Long, ProfileSketch> windows;
    private KeyValueStore<String, ProfileSketch> overall;
    private KeyValueStore<Long, Long> changed;
    /** The newest window start seen by this task since it started. */
    private long newestWindow;

    ProfileMerger(AnalyzerConfig config) {
        this.config = config;
        this.records = new AnalysisRecords(config, new CommandCatalog(CommandTable.bundled(), config.target()));
    }

    @Override
    public void init(ProcessorContext<String, AnalysisRecord> context) {
        this.context = context;
        this.windows = context.getStateStore(AnalyzerStores.WINDOWS);
        this.overall = context.getStateStore(AnalyzerStores.OVERALL);
        this.changed = context.getStateStore(AnalyzerStores.CHANGED);
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::publishChanged);
    }

    @Override
    public void process(Record<Long, ProfileSketch> record) {
        long windowStart = record.key();
        ProfileSketch delta = record.value();
        ProfileSketch window = windows.get(windowStart);
        boolean newWindow = window == null;
        window = (newWindow ? ProfileSketch.empty(config) : window).merge(delta);
        window.peakWindowOps = window.ops;
        windows.put(windowStart, window);
        ProfileSketch all = overall.get(AnalyzerStores.OVERALL_KEY);
        all = (all == null ? ProfileSketch.empty(config) : all).merge(delta);
        all.peakWindowOps = Math.max(all.peakWindowOps, window.ops);
        // A second's commands may come from several partitions: its busiest second is known in its window only.
        all.peakSecondOps = Math.max(all.peakSecondOps, window.busiestSecond());
        all.dropSeconds();
        overall.put(AnalyzerStores.OVERALL_KEY, all);
        changed.put(windowStart, windowStart);
        changed.put(OVERALL_MARK, OVERALL_MARK);
        if (newWindow) {
            dropOldWindows(windowStart);
        }
    }

    /**
     * Keeps the windows of the newest {@code windowsKept} window lengths: those starting before that are
     * deleted. Only the window starts to delete are read (keys are positive longs, big-endian, so the
     * store's order is time order).
     */
    private void dropOldWindows(long windowStart) {
        if (windowStart <= newestWindow) {
            return;
        }
        newestWindow = windowStart;
        long oldestKept =
                windowStart - (config.windowsKept() - 1) * config.window().toMillis();
        if (oldestKept <= 0) {
            return;
        }
        List<Long> old = new ArrayList<>();
        try (KeyValueIterator<Long, ProfileSketch> iterator = windows.range(0L, oldestKept - 1)) {
            iterator.forEachRemaining(entry -> old.add(entry.key));
        }
        for (long start : old) {
            windows.delete(start);
            changed.delete(start);
        }
    }

    private void publishChanged(long now) {
        List<Long> marks = new ArrayList<>();
        try (KeyValueIterator<Long, Long> iterator = changed.all()) {
            iterator.forEachRemaining(entry -> marks.add(entry.key));
        }
        for (long mark : marks) {
            List<AnalysisRecord> out;
            if (mark == OVERALL_MARK) {
                ProfileSketch all = overall.get(AnalyzerStores.OVERALL_KEY);
                out = all == null ? List.of() : records.overall(all);
            } else {
                ProfileSketch window = windows.get(mark);
                out = window == null ? List.of() : records.window(mark, window);
            }
            for (AnalysisRecord analysis : out) {
                context.forward(new Record<>(TypedTopic.ANALYSIS.keyOf(analysis), analysis, now));
            }
            changed.delete(mark);
        }
    }
}
