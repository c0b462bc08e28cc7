package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.Outcome;
import io.ferry.schemas.Stage;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Keeps the target right while the source takes live writes: consumes the writes log (keyed by Redis
 * key, so one key's writes arrive in order) and copies again from the source every key the target may
 * hold wrong, replacing the target's value, and deleting it from the target when the source no longer
 * has it. A key is copied again when its write:
 *
 * <ul>
 *   <li>happened while the historical copy ran (up to its completion plus the clock skew): a RESTORE of
 *       a value read before the write could have landed after it. These are copied only once the
 *       historical copy is complete, so no RESTORE of it can follow;
 *   <li>carries any flag (REPAIR, TARGET_FAILED, MISMATCH, NONDETERMINISTIC, MULTI_KEY, ...), or did not
 *       succeed on both sides (a target not written, failed or timed out; a source error);
 *   <li>happened while this reconciler was itself copying that key (its read may predate the write);
 *   <li>happened before this reconciler started (plus the skew): the one before it, stopped or crashed,
 *       may have been copying those keys, and which ones is not kept.
 * </ul>
 *
 * <p>A write made while the target was authoritative (after commit: the record's {@code authority}) is repaired the
 * other way: the key is copied from the target to the source, which is kept as the fallback, never over the target's
 * value. For a mirror target, which the proxy never writes ({@link CopyOptions.Resync#EVERY_WRITE}), every key written
 * is copied again.
 *
 * <p>Until the run's marker says the historical copy is complete, the reconciler holds its partitions
 * paused. A new consumer group starts at the writes of the run's start time (less the clock skew). Keys
 * that still fail after the retries go to the errors topic (stage RECONCILE); a side that stops answering is waited
 * out for the outage limit ({@link Outage}), its keys copied again once it is back. Its lag (seconds between
 * a write and its handling) is a metric. {@link #run} is the loop, on a caller's thread; {@link #stop}
 * may be called from any thread.
 */
public final class Reconciler implements WorkerPool.Loop {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int RECENT_KEYS = 100_000;

    /** When the run's historical copy started and, once it is complete, when it completed (epoch ms). */
    public record RunWindow(long startedMs, long completedMs) {
        public static final long NOT_COMPLETE = Long.MAX_VALUE;

        public boolean complete() {
            return completedMs != NOT_COMPLETE;
        }
    }

    /** How long after the copy completed its last writes may still be on their way to the log (publishing is asynchronous). */
    private static final long MARK_DELAY_MS = 2000;

    private final String runId;
    private final CopyOptions options;
    private final long skewMs;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final Supplier<RunWindow> window;
    private final DbCopiers copiers;
    /** From the target to the source: for writes made while the target was authoritative (after commit). */
    private final DbCopiers reverseCopiers;

    private final Outage outage;
    private final Outage reverseOutage;

    private final Map<ByteBuffer, Long> recentCopies = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Long> eldest) {
            return size() > RECENT_KEYS;
        }
    };
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong recopied = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong keyless = new AtomicLong();
    private final AtomicLong lagMs = new AtomicLong();
    /** Writes from before this reconciler started may have raced a copy of the one before it: all suspect. */
    private final long createdMs = System.currentTimeMillis();

    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<byte[], WriteRecord> consumer;
    private volatile Throwable failure;

    public Reconciler(
            String runId,
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options,
            Duration clockSkew,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Supplier<RunWindow> window,
            MeterRegistry meters) {
        this.runId = runId;
        // The source's value is the truth for a written key, whatever the historical copy's policy.
        this.options = options.withConflictPolicy(ConflictPolicy.REPLACE);
        this.copiers = new DbCopiers(source, target, sourceFacts, targetFacts, this.options, Throttle.NONE);
        this.reverseCopiers = new DbCopiers(target, source, targetFacts, sourceFacts, this.options, Throttle.NONE);
        this.outage = new Outage(copiers, options.outageLimit());
        this.reverseOutage = new Outage(reverseCopiers, options.outageLimit());
        this.skewMs = clockSkew.toMillis();
        this.kafka = Map.copyOf(kafka);
        this.topics = topics;
        this.window = window;
        counter(meters, "ferry.reconciler.writes", records, "Writes-log records the reconciler read");
        counter(meters, "ferry.reconciler.keys.recopied", recopied, "Keys copied again from the source");
        counter(meters, "ferry.reconciler.keys.deleted", deleted, "Keys deleted from the target, gone from the source");
        counter(meters, "ferry.reconciler.keys.failed", failed, "Keys reported to the errors topic");
        counter(meters, "ferry.reconciler.writes.keyless", keyless, "Writes without keys (e.g. FLUSHDB): not repaired");
        Gauge.builder("ferry.reconciler.lag.seconds", lagMs, v -> v.get() / 1000.0)
                .description("Seconds between the newest write handled and its handling; 0 when caught up")
                .register(meters);
    }

    private static void counter(MeterRegistry meters, String name, AtomicLong value, String description) {
        FunctionCounter.builder(name, value, AtomicLong::doubleValue)
                .description(description)
                .register(meters);
    }

    /** The consumer group of run {@code runId}'s reconcilers on the writes log. */
    public static String groupId(String runId) {
        return "ferry-reconciler." + runId;
    }

    /** Totals so far. */
    public record Totals(long records, long recopied, long deleted, long failed, long keyless, long lagMs) {}

    public Totals totals() {
        return new Totals(records.get(), recopied.get(), deleted.get(), failed.get(), keyless.get(), lagMs.get());
    }

    /**
     * True once the historical copy is complete and the reconciler has handled every write logged until then (a poll
     * found none left, or it read past the log's end as it stood just after the copy completed); stays true.
     */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Why the reconciler stopped on its own, or null. */
    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<byte[], WriteRecord> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    @Override
    public void run() {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(runId));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        String topic = topics.name(TypedTopic.WRITES.topic());
        try (KafkaConsumer<byte[], WriteRecord> writes = new KafkaConsumer<>(
                        config,
                        TypedTopic.WRITES.keySerde().deserializer(),
                        TypedTopic.WRITES.valueSerde().deserializer());
                ErrorReporter errors = new ErrorReporter(runId, kafka, topics, "ferry-reconciler-errors")) {
            consumer = writes;
            RunWindow[] current = {window.get()};
            Map<TopicPartition, Long> mark = null;
            writes.subscribe(List.of(topic), new StartAtRun(writes, () -> current[0]));
            long refreshed = System.nanoTime();
            while (running) {
                if (System.nanoTime() - refreshed > POLL.toNanos() * 5) {
                    RunWindow latest = window.get();
                    refreshed = System.nanoTime();
                    if (latest.startedMs() != current[0].startedMs()) {
                        // The run started over (its target restarted and may have lost what it held): a new
                        // historical copy runs, and every write from its start is handled again once it is done.
                        // Before a complete copy this may also be the run's first saved window replacing a stand-in.
                        String message =
                                "the historical copy of run {} {}: handling the writes since {} once it is complete";
                        Object since = java.time.Instant.ofEpochMilli(latest.startedMs());
                        if (current[0].complete()) {
                            log.warn(message, runId, "started over", since);
                        } else {
                            log.info(message, runId, "started (or started over)", since);
                        }
                        rewindTo(writes, latest.startedMs() - skewMs);
                        mark = null;
                        caughtUp = false;
                    }
                    current[0] = latest;
                }
                if (current[0].complete()) {
                    writes.resume(writes.paused());
                } else {
                    writes.pause(writes.assignment());
                }
                ConsumerRecords<byte[], WriteRecord> batch;
                try {
                    batch = writes.poll(POLL);
                } catch (WakeupException e) {
                    break;
                }
                if (!current[0].complete()) {
                    rewind(writes, batch);
                    continue;
                }
                if (batch.isEmpty()) {
                    lagMs.set(0);
                    caughtUp = caughtUp || atEnd(writes);
                    continue;
                }
                handle(batch, current[0], errors);
                writes.commitSync();
                // Under a steady stream of writes a poll is never empty: caught up is then having read past the
                // end of the log as it stood once the copy was complete (and its last writes published). What is
                // written later reached the target by dual-write; its repair flags are the live reconciler's.
                if (mark != null && !mark.keySet().equals(writes.assignment())) {
                    mark = null; // partitions moved: mark the end of the ones held now
                }
                if (mark == null && System.currentTimeMillis() > current[0].completedMs() + skewMs + MARK_DELAY_MS) {
                    mark = writes.endOffsets(writes.assignment());
                }
                // Latched: once caught up, later writes do not make the copy's catch-up unfinished again.
                caughtUp = caughtUp || mark != null && reached(writes, mark);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // stopped
        } catch (RuntimeException e) {
            failure = e;
            log.error("reconciler stopped: {}", e.toString(), e);
        } finally {
            copiers.close();
            reverseCopiers.close();
        }
    }

    private void handle(ConsumerRecords<byte[], WriteRecord> batch, RunWindow run, ErrorReporter errors)
            throws InterruptedException {
        Map<Integer, Map<ByteBuffer, Boolean>> due = new LinkedHashMap<>();
        long newest = 0;
        for (ConsumerRecord<byte[], WriteRecord> record : batch) {
            records.incrementAndGet();
            WriteRecord write = record.value();
            if (write == null) {
                continue;
            }
            long at = write.getTimestampMicros().toEpochMilli();
            newest = Math.max(newest, at);
            if (write.getKeys().isEmpty()) {
                if (keyless.getAndIncrement() == 0) {
                    log.warn(
                            "a {} without keys is on the writes log: the reconciler cannot repair it; "
                                    + "verify the keyspace before commit",
                            write.getCommand());
                }
                continue;
            }
            boolean suspect = options.resync() == CopyOptions.Resync.EVERY_WRITE
                    || at - skewMs <= Math.max(run.completedMs(), createdMs)
                    || !write.getFlags().isEmpty()
                    || !clean(write);
            // After commit the target is authoritative: its value is the truth and the source, kept as the
            // fallback, is what gets repaired. A mirror leg always copies from the source (its only other side).
            boolean fromTarget = options.resync() != CopyOptions.Resync.EVERY_WRITE
                    && write.getAuthority() == io.ferry.schemas.Side.TARGET;
            for (ByteBuffer key : write.getKeys()) {
                ByteBuffer ref = ref(write.getDb(), key);
                Long copiedUntil = recentCopies.get(ref);
                if (suspect || (copiedUntil != null && at - skewMs <= copiedUntil)) {
                    Map<ByteBuffer, Boolean> keys = due.computeIfAbsent(write.getDb(), db -> new LinkedHashMap<>());
                    keys.remove(key); // the latest write decides the direction
                    keys.put(key.duplicate(), fromTarget);
                }
            }
        }
        for (Map.Entry<Integer, Map<ByteBuffer, Boolean>> db : due.entrySet()) {
            List<ByteBuffer> forward = new ArrayList<>();
            List<ByteBuffer> reverse = new ArrayList<>();
            db.getValue().forEach((key, fromTarget) -> (fromTarget ? reverse : forward).add(key));
            recopy(db.getKey(), forward, copiers, outage, errors);
            recopy(db.getKey(), reverse, reverseCopiers, reverseOutage, errors);
        }
        lagMs.set(Math.max(0, System.currentTimeMillis() - newest));
    }

    /** True when this consumer has partitions and has read each to its end offset. */
    private static boolean reached(KafkaConsumer<byte[], WriteRecord> writes, Map<TopicPartition, Long> mark) {
        for (Map.Entry<TopicPartition, Long> end : mark.entrySet()) {
            if (writes.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static boolean atEnd(KafkaConsumer<byte[], WriteRecord> writes) {
        Set<TopicPartition> assigned = writes.assignment();
        if (assigned.isEmpty()) {
            return false;
        }
        for (Map.Entry<TopicPartition, Long> end : writes.endOffsets(assigned).entrySet()) {
            if (writes.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Moves every assigned partition back to its first write at or after {@code atMs} (or its end), if past it. */
    private static void rewindTo(KafkaConsumer<byte[], WriteRecord> writes, long atMs) {
        Map<TopicPartition, Long> times = new HashMap<>();
        for (TopicPartition partition : writes.assignment()) {
            times.put(partition, atMs);
        }
        if (times.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> offsets = writes.offsetsForTimes(times);
        for (TopicPartition partition : times.keySet()) {
            OffsetAndTimestamp offset = offsets.get(partition);
            if (offset != null && offset.offset() < writes.position(partition)) {
                writes.seek(partition, offset.offset());
            }
        }
    }

    /** Puts back records a poll returned before the gate opened (partitions are paused, so it should not). */
    private static void rewind(KafkaConsumer<byte[], WriteRecord> writes, ConsumerRecords<byte[], WriteRecord> batch) {
        for (TopicPartition partition : batch.partitions()) {
            writes.seek(partition, batch.records(partition).get(0).offset());
        }
    }

    private static boolean clean(WriteRecord write) {
        return write.getSource() != null
                && write.getSource().getOutcome() == Outcome.OK
                && write.getTarget() != null
                && write.getTarget().getOutcome() == Outcome.OK;
    }

    /** Copies {@code keySet} again with {@code copiers} (source to target, or target to source after commit). */
    private void recopy(int db, Collection<ByteBuffer> keySet, DbCopiers copiers, Outage outage, ErrorReporter errors)
            throws InterruptedException {
        if (keySet.isEmpty()) {
            return;
        }
        List<byte[]> keys = DbCopiers.bytes(keySet);
        List<byte[]> gone = new ArrayList<>();
        RetryingCopy.copy(
                () -> copiers.copier(db), keys, options, "the writes log", outage, (result, attempts, firstFailure) -> {
                    switch (result.outcome()) {
                        case FAILED -> {
                            failed.incrementAndGet();
                            KeyCopier.Result reconcile =
                                    KeyCopier.Result.failed(result.key(), Stage.RECONCILE, result.error());
                            errors.report(reconcile, db, attempts, firstFailure, null, Map.of("reason", "writes log"));
                        }
                        case VANISHED -> gone.add(result.key());
                        default -> recopied.incrementAndGet();
                    }
                    recentCopies.put(ref(db, ByteBuffer.wrap(result.key())), System.currentTimeMillis());
                });
        // Gone from the side copied from (deleted or expired): the other must not keep it.
        while (!gone.isEmpty()) {
            try {
                Side to = copiers.target(db);
                deleted.addAndGet(to.sync().del(gone.get(gone.size() - 1)));
                gone.remove(gone.size() - 1);
            } catch (RuntimeException e) {
                if (!Outage.sign(e)) {
                    throw e;
                }
                outage.waitOut("the writes log's deletes", e.getMessage());
            }
        }
    }

    /** A key qualified by its database, for the map of keys this reconciler copied lately. */
    private static ByteBuffer ref(int db, ByteBuffer key) {
        ByteBuffer ref = ByteBuffer.allocate(4 + key.remaining());
        ref.putInt(db).put(key.duplicate()).flip();
        return ref;
    }

    /** A partition the group never committed starts at the writes of the run's start (less the skew). */
    private final class StartAtRun implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], WriteRecord> writes;
        private final Supplier<RunWindow> run;

        StartAtRun(KafkaConsumer<byte[], WriteRecord> writes, Supplier<RunWindow> run) {
            this.writes = writes;
            this.run = run;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!run.get().complete()) {
                writes.pause(partitions);
            }
            Map<TopicPartition, OffsetAndMetadata> committed = writes.committed(Set.copyOf(partitions));
            Map<TopicPartition, Long> fresh = new HashMap<>();
            for (TopicPartition partition : partitions) {
                if (committed.get(partition) == null) {
                    fresh.put(partition, run.get().startedMs() - skewMs);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndTimestamp> offsets = writes.offsetsForTimes(fresh);
            for (TopicPartition partition : fresh.keySet()) {
                OffsetAndTimestamp offset = offsets.get(partition);
                if (offset == null) {
                    writes.seekToEnd(List.of(partition));
                } else {
                    writes.seek(partition, offset.offset());
                }
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
    }
}
