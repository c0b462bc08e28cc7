package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.stats.StatsPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A one-shot historical copy in one process: the scanner and {@code workers} mover workers, joined
 * through Kafka as separate processes would be (with 0 workers, {@code ferry mover} processes do the
 * copying and this one scans and waits for them). {@link #run} returns when every database was
 * scanned to its end and the workers committed every task the scan published, or when {@link
 * #stop} is called; run again with the same run id and Kafka, it resumes where it stopped. Thread-safe
 * for {@link #stop}; {@link #run} once.
 */
public final class CopyRun {
    private static final Logger log = LoggerFactory.getLogger(CopyRun.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    /** What a run needs. */
    public record Options(
            String runId,
            RedisEndpoint source,
            RedisEndpoint target,
            Map<String, Object> kafka,
            String topicPrefix,
            ScanOptions scan,
            CopyOptions copy,
            int workers,
            boolean followWrites,
            Duration clockSkew,
            Throttle.Options throttle) {
        /** Without following the writes log. */
        public Options(
                String runId,
                RedisEndpoint source,
                RedisEndpoint target,
                Map<String, Object> kafka,
                String topicPrefix,
                ScanOptions scan,
                CopyOptions copy,
                int workers) {
            this(runId, source, target, kafka, topicPrefix, scan, copy, workers, false, Duration.ofSeconds(1), null);
        }

        /** Without a throttle: the workers copy as fast as they can. */
        public Options(
                String runId,
                RedisEndpoint source,
                RedisEndpoint target,
                Map<String, Object> kafka,
                String topicPrefix,
                ScanOptions scan,
                CopyOptions copy,
                int workers,
                boolean followWrites,
                Duration clockSkew) {
            this(runId, source, target, kafka, topicPrefix, scan, copy, workers, followWrites, clockSkew, null);
        }

        public Options {
            Objects.requireNonNull(clockSkew, "clockSkew");
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            kafka = Map.copyOf(kafka);
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(scan, "scan");
            Objects.requireNonNull(copy, "copy");
            if (runId.isBlank() || runId.contains(":")) {
                throw new IllegalArgumentException("runId: '" + runId + "' (expected: not empty, without ':')");
            }
            if (workers < 0 || workers > 64) {
                throw new IllegalArgumentException("workers: " + workers + " (expected: 0 to 64)");
            }
        }
    }

    /**
     * How a run ended. {@code complete}: scanned to the end, every task done and, when following the
     * writes log, every write since the run started handled; {@code reconciled}: the reconciler's
     * totals, null when not following.
     */
    public record Outcome(boolean complete, MoveProgress.Snapshot totals, Reconciler.Totals reconciled) {}

    private final Options options;
    private final MoveProgress progress;
    private final MeterRegistry meters;
    private volatile boolean stopping;
    private volatile Duration statsInterval = Duration.ofSeconds(5);
    private volatile Reconciler reconciler;
    private volatile boolean startOver;

    public CopyRun(Options options, MeterRegistry meters) {
        this.options = options;
        this.meters = meters;
        this.progress = new MoveProgress(meters);
    }

    /** Publishes {@code stats.mover} events every {@code interval} (zero: none; five seconds unless told); before {@link #run}. */
    public CopyRun statsInterval(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("stats interval: " + interval + " (expected: >= 0)");
        }
        this.statsInterval = interval;
        return this;
    }

    /**
     * Copies everything again, ignoring the run's checkpoints: for a target that lost what it held (restarted empty).
     * The run's window starts anew, so the reconcilers handle again every write from now on once this copy is done;
     * before {@link #run}.
     */
    public CopyRun startOver() {
        this.startOver = true;
        return this;
    }

    public MoveProgress progress() {
        return progress;
    }

    public void stop() {
        stopping = true;
    }

    /**
     * Copies until done or stopped; {@code onTick} is called about every {@code tick} with the totals.
     *
     * @throws io.ferry.endpoint.EndpointException when the source or target cannot be reached
     */
    public Outcome run(Duration tick, Consumer<MoveProgress.Snapshot> onTick) throws InterruptedException {
        WorkerPool workers = new WorkerPool();
        try (MoverContext context = MoverContext.open(
                options.source(),
                options.target(),
                options.kafka(),
                options.topicPrefix(),
                options.workers(),
                options.throttle(),
                meters)) {
            log.info(
                    "copying from the {} (Redis {}, {} keys) to the {}",
                    options.source(),
                    context.sourceFacts.version(),
                    context.sourceFacts.keys(),
                    options.target());
            progress.follow(context.throttle);
            try (StatsPublisher stats = MoverStats.publish(
                    options.runId(),
                    statsInterval,
                    options.kafka(),
                    context.topics,
                    progress,
                    context.throttle,
                    () -> reconciler == null ? null : reconciler.totals())) {
                return copy(context, workers, tick, onTick);
            } finally {
                // Before the clients close: a worker cut off from Redis would report its keys as failed.
                workers.stop();
            }
        }
    }

    private Outcome copy(
            MoverContext context, WorkerPool workers, Duration tick, Consumer<MoveProgress.Snapshot> onTick)
            throws InterruptedException {
        context.startWorkers(workers, options.workers(), options.runId(), options.copy(), options.kafka(), progress);
        RedisEndpoint.Client source = context.source;
        ServerFacts sourceFacts = context.sourceFacts;
        TopicRegistry topics = context.topics;
        Admin admin = context.admin;
        // A cluster has database 0 only; its masters are scanned at once (ClusterScan).
        List<Integer> dbs = sourceFacts.cluster()
                ? List.of(0)
                : options.scan().dbs().isEmpty()
                        ? new ArrayList<>(sourceFacts.keysPerDb().keySet())
                        : options.scan().dbs();
        boolean scanned = true;
        try (Checkpoints checkpoints = new Checkpoints(options.kafka(), topics);
                ProgressEvents events = new ProgressEvents(options.runId(), "copy", options.kafka(), topics)) {
            Reconciler.RunWindow window = checkpoints.runWindow(options.runId()).orElse(null);
            if (window == null || startOver) {
                if (window != null) {
                    log.warn(
                            "run {}: the historical copy starts over; what earlier copies scanned does not count",
                            options.runId());
                }
                window = new Reconciler.RunWindow(System.currentTimeMillis(), Reconciler.RunWindow.NOT_COMPLETE);
                checkpoints.saveRunWindow(options.runId(), window);
            }
            if (options.scan().selectsEverything() && !sourceFacts.cluster()) {
                progress.expect(dbs.stream()
                        .mapToLong(db -> sourceFacts.keysPerDb().getOrDefault(db, 0L))
                        .sum());
            }
            events.publish(
                    "started",
                    EventLevel.INFO,
                    "copying " + dbs.size() + " databases from the " + options.source() + " to the " + options.target(),
                    progress.snapshot());
            Ticker ticker = new Ticker(tick, onTick.andThen(events::maybeProgress));
            BooleanSupplier stop = () -> {
                ticker.maybeTick(progress);
                return stopping || workers.firstFailure() != null;
            };
            if (sourceFacts.cluster()) {
                scanned = new ClusterScan(
                                options.runId(),
                                source,
                                options.scan(),
                                options.kafka(),
                                topics,
                                checkpoints,
                                progress,
                                window.startedMs())
                        .scan(stop);
            } else {
                Scanner scanner = new Scanner(
                        options.runId(),
                        source,
                        options.scan(),
                        options.kafka(),
                        topics,
                        checkpoints,
                        progress,
                        false,
                        window.startedMs());
                for (int db : dbs) {
                    scanned &= scanner.scan(db, stop);
                    if (!scanned) {
                        break;
                    }
                }
            }
            if (scanned) {
                progress.scanComplete();
            }
            boolean done = false;
            while (scanned && !stopping && workers.firstFailure() == null) {
                if (tasksCommitted(admin, topics)) {
                    done = true;
                    break;
                }
                ticker.maybeTick(progress);
                TimeUnit.MILLISECONDS.sleep(100);
            }
            Throwable failure = workers.firstFailure();
            if (failure != null) {
                throw new IllegalStateException("a mover worker failed: " + failure.getMessage(), failure);
            }
            workers.stop();
            onTick.accept(progress.snapshot());
            MoveProgress.Snapshot totals = progress.snapshot();
            events.publish(
                    done ? "completed" : "stopped",
                    done && totals.failed() == 0 ? EventLevel.INFO : EventLevel.WARN,
                    done
                            ? String.format(
                                    "copy complete: %,d keys handled, %,d failed", totals.handled(), totals.failed())
                            : "copy stopped before the end; running it again resumes",
                    totals);
            if (done && !window.complete()) {
                window = new Reconciler.RunWindow(window.startedMs(), System.currentTimeMillis());
                checkpoints.saveRunWindow(options.runId(), window);
            }
            if (!done || !options.followWrites()) {
                return new Outcome(done, progress.snapshot(), null);
            }
            return reconcile(context, window);
        }
    }

    /** Handles the writes logged since the run started, until none is left. */
    private Outcome reconcile(MoverContext context, Reconciler.RunWindow window) throws InterruptedException {
        Reconciler reconciler = context.reconciler(
                options.runId(), options.copy(), options.clockSkew(), options.kafka(), () -> window, meters);
        this.reconciler = reconciler;
        Thread thread = new Thread(reconciler, "ferry-reconciler");
        thread.setDaemon(true);
        thread.start();
        try {
            while (!stopping && reconciler.failure() == null && !reconciler.caughtUp()) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } finally {
            reconciler.stop();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (reconciler.failure() != null) {
            throw new IllegalStateException(
                    "the reconciler failed: " + reconciler.failure().getMessage(), reconciler.failure());
        }
        return new Outcome(reconciler.caughtUp(), progress.snapshot(), reconciler.totals());
    }

    /** True when the run's group has committed up to the end of every move tasks partition. */
    private boolean tasksCommitted(Admin admin, TopicRegistry topics) throws InterruptedException {
        String topic = topics.name(TypedTopic.MOVE_TASKS.topic());
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            MoveWorker.groupId(options.runId()))
                    .partitionsToOffsetAndMetadata()
                    .get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int partitions = topics.partitions(TypedTopic.MOVE_TASKS.topic());
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (var end : ends.entrySet()) {
                long endOffset = end.getValue().offset();
                OffsetAndMetadata done = committed.get(end.getKey());
                if (endOffset > 0 && (done == null || done.offset() < endOffset)) {
                    return false;
                }
            }
            return true;
        } catch (ExecutionException | TimeoutException e) {
            log.warn("could not read the mover group's progress: {}", e.toString());
            return false;
        }
    }

    /** Calls the progress callback at most once per tick. */
    private static final class Ticker {
        private final long tickNanos;
        private final Consumer<MoveProgress.Snapshot> onTick;
        private long last = System.nanoTime();

        Ticker(Duration tick, Consumer<MoveProgress.Snapshot> onTick) {
            this.tickNanos = tick.toNanos();
            this.onTick = onTick;
        }

        /** Called by every scanner thread of a cluster source. */
        synchronized void maybeTick(MoveProgress progress) {
            long now = System.nanoTime();
            if (now - last >= tickNanos) {
                last = now;
                onTick.accept(progress.snapshot());
            }
        }
    }
}
