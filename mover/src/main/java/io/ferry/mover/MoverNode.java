package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.stats.StatsPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A long-running mover process ({@code ferry mover}): {@code workers} members of run {@code runId}'s
 * consumer group on the move tasks (start more processes for more throughput; a process that dies has
 * its tasks taken over by the others within the group's session timeout), and, when asked, the
 * run's reconciler on the writes log, which waits for the historical copy to complete before it
 * repairs. The scanner runs elsewhere ({@code ferry copy}, with or without workers of its own). Runs
 * until {@link #stop}; thread-safe for {@link #stop}, {@link #run} once.
 */
public final class MoverNode {
    private static final Logger log = LoggerFactory.getLogger(MoverNode.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WINDOW_REFRESH = Duration.ofSeconds(2);
    private static final Duration COMPLETE_WINDOW_REFRESH = Duration.ofSeconds(10);

    /** What a mover process needs. */
    public record Options(
            String runId,
            RedisEndpoint source,
            RedisEndpoint target,
            Map<String, Object> kafka,
            String topicPrefix,
            CopyOptions copy,
            int workers,
            boolean reconcile,
            Duration clockSkew,
            Throttle.Options throttle) {
        public Options {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            kafka = Map.copyOf(kafka);
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(copy, "copy");
            Objects.requireNonNull(clockSkew, "clockSkew");
            if (workers < 0 || workers > 64) {
                throw new IllegalArgumentException("workers: " + workers + " (expected: 0 to 64)");
            }
            if (workers == 0 && !reconcile) {
                throw new IllegalArgumentException("a mover with no workers and no reconciler has nothing to do");
            }
        }
    }

    private final Options options;
    private final MoveProgress progress;
    private final MeterRegistry meters;
    private volatile boolean stopping;
    private volatile Reconciler reconciler;
    private volatile Duration statsInterval = Duration.ofSeconds(5);

    public MoverNode(Options options, MeterRegistry meters) {
        this.options = options;
        this.meters = meters;
        this.progress = new MoveProgress(meters);
    }

    public MoveProgress progress() {
        return progress;
    }

    /** The reconciler's totals, or null when this node does not reconcile (or has not started). */
    public Reconciler.Totals reconciled() {
        Reconciler current = reconciler;
        return current == null ? null : current.totals();
    }

    public void stop() {
        stopping = true;
    }

    /** Publishes {@code stats.mover} events every {@code interval} (zero: none; five seconds unless told); before {@link #run}. */
    public MoverNode statsInterval(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("stats interval: " + interval + " (expected: >= 0)");
        }
        this.statsInterval = interval;
        return this;
    }

    /**
     * Moves keys until stopped; {@code onTick} gets the totals about every {@code tick}.
     *
     * @throws io.ferry.endpoint.EndpointException when the source or target cannot be reached
     * @throws IllegalStateException when a worker or the reconciler fails
     */
    public void run(Duration tick, Consumer<MoveProgress.Snapshot> onTick) throws InterruptedException {
        WorkerPool workers = new WorkerPool();
        try (MoverContext context = MoverContext.open(
                options.source(),
                options.target(),
                options.kafka(),
                options.topicPrefix(),
                options.workers(),
                options.throttle(),
                meters)) {
            TopicRegistry topics = context.topics;
            progress.follow(context.throttle);
            context.startWorkers(
                    workers, options.workers(), options.runId(), options.copy(), options.kafka(), progress);
            if (options.reconcile()) {
                Reconciler started = context.reconciler(
                        options.runId(),
                        options.copy(),
                        options.clockSkew(),
                        options.kafka(),
                        new CheckpointedWindow(options.kafka(), topics, options.runId()),
                        meters);
                reconciler = started;
                workers.start("ferry-reconciler", started);
            }
            log.info(
                    "mover for run {}: {} workers{}, from the {} (Redis {}) to the {} (Redis {})",
                    options.runId(),
                    options.workers(),
                    options.reconcile() ? " and the reconciler" : "",
                    options.source(),
                    context.sourceFacts.version(),
                    options.target(),
                    context.targetFacts.version());
            try (ProgressEvents events = new ProgressEvents(options.runId(), "mover", options.kafka(), topics);
                    StatsPublisher stats = MoverStats.publish(
                            options.runId(),
                            statsInterval,
                            options.kafka(),
                            topics,
                            progress,
                            context.throttle,
                            this::reconciled)) {
                long last = System.nanoTime();
                while (!stopping) {
                    Throwable failure = workers.firstFailure();
                    if (failure != null) {
                        throw new IllegalStateException(
                                "a mover worker or the reconciler failed: " + failure.getMessage(), failure);
                    }
                    if (System.nanoTime() - last >= tick.toNanos()) {
                        last = System.nanoTime();
                        onTick.accept(progress.snapshot());
                    }
                    events.maybeProgress(progress.snapshot());
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            } finally {
                // Before the clients close: a worker cut off from Redis would report its keys as failed.
                workers.stop();
            }
        }
    }

    /**
     * The run's window as the scanner's process checkpointed it, read again every couple of seconds until
     * it is complete (then it cannot change). Before the run ever started: not complete, from now.
     */
    private static final class CheckpointedWindow implements java.util.function.Supplier<Reconciler.RunWindow> {
        private final Map<String, Object> kafka;
        private final TopicRegistry topics;
        private final String runId;
        private Reconciler.RunWindow last;
        private long readAt;

        CheckpointedWindow(Map<String, Object> kafka, TopicRegistry topics, String runId) {
            this.kafka = kafka;
            this.topics = topics;
            this.runId = runId;
        }

        @Override
        public synchronized Reconciler.RunWindow get() {
            // A complete window is read again too, less often: a run that starts over (its target restarted)
            // saves a new one, which the reconciler must follow.
            Duration refresh = last != null && last.complete() ? COMPLETE_WINDOW_REFRESH : WINDOW_REFRESH;
            if (last == null || System.nanoTime() - readAt > refresh.toNanos()) {
                try (Checkpoints checkpoints = new Checkpoints(kafka, topics)) {
                    // Until the run saves its window, the first stand-in is kept: a new "now" at each refresh would
                    // look like a run that started over.
                    Reconciler.RunWindow standIn = last != null
                            ? last
                            : new Reconciler.RunWindow(System.currentTimeMillis(), Reconciler.RunWindow.NOT_COMPLETE);
                    last = checkpoints.runWindow(runId).orElse(standIn);
                }
                readAt = System.nanoTime();
            }
            return last;
        }
    }
}
