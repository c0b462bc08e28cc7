package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.MoveReason;
import io.ferry.schemas.MoveTask;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Walks one source database with SCAN and publishes its keys to the move tasks topic, a task per
 * {@link ScanOptions#taskKeys} keys. About once a second, at the end and when stopped, once Kafka has
 * acknowledged the tasks before it, the cursor is saved to the checkpoints topic under {@code
 * scan:<run>:<node>:<db>}, so a scanner started again resumes from there (the keys scanned after the
 * last save are published again; copying a key twice is harmless) and a finished one does nothing.
 * Runs on the caller's thread.
 */
final class Scanner {
    private static final Logger log = LoggerFactory.getLogger(Scanner.class);
    static final String KIND = "scan";
    /** How often the cursor is saved while scanning; at most this much scanning is repeated after a crash. */
    private static final long CHECKPOINT_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final String runId;
    private final RedisEndpoint.Client source;
    private final ScanOptions options;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final Checkpoints checkpoints;
    private final MoveProgress progress;
    /** Scanning one node of a cluster: tasks name it, so workers read their keys from it. */
    private final boolean clusterNode;
    /** Checkpoints saved before this (epoch ms: the run's start, or its start over) belong to an earlier copy. */
    private final long notBeforeMs;
    /** The first task Kafka refused, set by the producer's thread; the checkpoint then does not move. */
    private volatile Exception sendFailure;
    /** Only keys of these cluster slots are published (null: every key). */
    private BitSet slots;
    /** What the checkpoint id names instead of the node's {@code host:port} (null: the node). */
    private String checkpointNode;

    Scanner(
            String runId,
            RedisEndpoint.Client source,
            ScanOptions options,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Checkpoints checkpoints,
            MoveProgress progress,
            boolean clusterNode,
            long notBeforeMs) {
        this.clusterNode = clusterNode;
        this.notBeforeMs = notBeforeMs;
        this.runId = runId;
        this.source = source;
        this.options = options;
        this.kafka = kafka;
        this.topics = topics;
        this.checkpoints = checkpoints;
        this.progress = progress;
    }

    /**
     * Publishes only the keys of {@code slots} (a cluster node's rescan of slots that moved), and checkpoints under
     * {@code checkpointNode} rather than the node's address; before {@link #scan}.
     */
    Scanner onlySlots(BitSet slots, String checkpointNode) {
        this.slots = slots;
        this.checkpointNode = checkpointNode;
        return this;
    }

    static String checkpointId(String runId, String node, int db) {
        return KIND + ":" + runId + ":" + node + ":" + db;
    }

    /**
     * Scans {@code db} to the end, or until {@code stop} says so.
     *
     * @return true when the database was scanned to its end (now or by an earlier run)
     */
    boolean scan(int db, BooleanSupplier stop) throws InterruptedException {
        String node =
                source.endpoint().uri().host() + ":" + source.endpoint().uri().port();
        String id = checkpointId(runId, checkpointNode == null ? node : checkpointNode, db);
        Optional<io.ferry.schemas.Checkpoint> saved = checkpoints.load(id);
        if (saved.isPresent() && saved.get().getUpdatedMicros().toEpochMilli() < notBeforeMs) {
            log.info("db {} of the {}: the copy started over, its earlier scan does not count", db, source.endpoint());
            saved = Optional.empty();
        }
        long tasks = 0;
        long keys = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        if (saved.isPresent()) {
            if (saved.get().getComplete()) {
                log.info("db {} of the {} was scanned to its end by an earlier run", db, source.endpoint());
                progress.scanned(saved.get().getCounters().getOrDefault("keys", 0L));
                return true;
            }
            tasks = saved.get().getCounters().getOrDefault("tasks", 0L);
            keys = saved.get().getCounters().getOrDefault("keys", 0L);
            progress.scanned(keys);
            if (saved.get().getPosition() != null) {
                cursor = ScanCursor.of(saved.get().getPosition());
                log.info(
                        "resuming the scan of db {} at cursor {} ({} keys already published)",
                        db,
                        cursor.getCursor(),
                        keys);
            }
        }
        KeyScanArgs args = new KeyScanArgs();
        args.limit(options.scanCount());
        options.match().ifPresent(match -> args.match(match, StandardCharsets.UTF_8));
        options.type().ifPresent(args::type);
        Map<String, Object> config = ProducerSettings.durable(kafka, "ferry-scanner");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (StatefulRedisConnection<byte[], byte[]> connection = source.connect();
                KafkaProducer<String, MoveTask> producer = new KafkaProducer<>(
                        config,
                        TypedTopic.MOVE_TASKS.keySerde().serializer(),
                        TypedTopic.MOVE_TASKS.valueSerde().serializer())) {
            RedisCommands<byte[], byte[]> redis = connection.sync();
            redis.select(db);
            List<ByteBuffer> batch = new ArrayList<>(options.taskKeys());
            long lastSaved = System.nanoTime();
            while (!stop.getAsBoolean()) {
                KeyScanCursor<byte[]> page = redis.scan(cursor, args);
                int selected = 0;
                for (byte[] key : page.getKeys()) {
                    if (!options.selects(key) || (slots != null && !slots.get(SlotHash.getSlot(key)))) {
                        continue;
                    }
                    selected++;
                    batch.add(ByteBuffer.wrap(key));
                    if (batch.size() == options.taskKeys()) {
                        send(producer, db, node, tasks++, batch);
                        batch = new ArrayList<>(options.taskKeys());
                    }
                }
                keys += selected;
                progress.scanned(selected);
                if (!batch.isEmpty()) {
                    // Keys not yet in a task are published before the cursor moves past them.
                    send(producer, db, node, tasks++, batch);
                    batch = new ArrayList<>(options.taskKeys());
                }
                cursor = page;
                long now = System.nanoTime();
                if (page.isFinished() || now - lastSaved >= CHECKPOINT_INTERVAL_NANOS) {
                    // The tasks before the cursor are in Kafka before the cursor is saved.
                    producer.flush();
                    Exception failure = sendFailure;
                    if (failure != null) {
                        throw new IllegalStateException(
                                "Kafka did not take the move tasks of db " + db + ": " + failure, failure);
                    }
                    checkpoints.save(
                            id, runId, KIND, page.getCursor(), page.isFinished(), Map.of("keys", keys, "tasks", tasks));
                    lastSaved = now;
                }
                if (page.isFinished()) {
                    log.info("scanned db {} of the {}: {} keys in {} tasks", db, source.endpoint(), keys, tasks);
                    return true;
                }
            }
            // Stopped: what was published since the last checkpoint is saved too.
            producer.flush();
            if (sendFailure == null && !ScanCursor.INITIAL.getCursor().equals(cursor.getCursor())) {
                checkpoints.save(id, runId, KIND, cursor.getCursor(), false, Map.of("keys", keys, "tasks", tasks));
            }
            return false;
        }
    }

    private void send(
            KafkaProducer<String, MoveTask> producer, int db, String node, long sequence, List<ByteBuffer> keys) {
        MoveTask task = new MoveTask(
                runId + ":" + (checkpointNode == null ? node : checkpointNode) + ":" + db + ":" + sequence,
                runId,
                clusterNode ? node : null,
                db,
                keys,
                MoveReason.HISTORICAL,
                1,
                Instant.now());
        producer.send(TypedTopic.MOVE_TASKS.producerRecord(topics, task), (metadata, error) -> {
            if (error != null) {
                sendFailure = error;
            }
        });
        progress.tasksPublished(1);
    }
}
