package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ErrorRecord;
import io.ferry.schemas.MoveTask;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One mover worker: a member of the run's consumer group on the move tasks topic (start more, in
 * this process or others, and the partitions spread over them). It copies each task's keys with a
 * {@link KeyCopier}, retries the keys that failed with a doubling backoff, reports the ones that still
 * fail to the errors topic with their context, and commits the task's offset only then: a worker
 * killed mid-task leaves the task to be copied again by the next owner of its partition.
 *
 * <p>{@link #run} is the worker's loop, on a thread of the caller's; {@link #stop} may be called from
 * any thread.
 */
final class MoveWorker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(MoveWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String runId;
    private final RedisEndpoint.Client source;
    private final RedisEndpoint.Client target;
    private final ServerFacts sourceFacts;
    private final ServerFacts targetFacts;
    private final CopyOptions options;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final MoveProgress progress;
    private final Map<Integer, KeyCopier> copiers = new HashMap<>();
    private final List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, MoveTask> consumer;
    private volatile Throwable failure;

    MoveWorker(
            String runId,
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options,
            Map<String, Object> kafka,
            TopicRegistry topics,
            MoveProgress progress) {
        this.runId = runId;
        this.source = source;
        this.target = target;
        this.sourceFacts = sourceFacts;
        this.targetFacts = targetFacts;
        this.options = options;
        this.kafka = kafka;
        this.topics = topics;
        this.progress = progress;
    }

    static String groupId(String runId) {
        return "ferry-mover." + runId;
    }

    @Override
    public void run() {
        Map<String, Object> consumerConfig = new HashMap<>(kafka);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(runId));
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
        Map<String, Object> producerConfig = ProducerSettings.durable(kafka, "ferry-mover-errors");
        try (KafkaConsumer<String, MoveTask> tasks = new KafkaConsumer<>(
                        consumerConfig,
                        TypedTopic.MOVE_TASKS.keySerde().deserializer(),
                        TypedTopic.MOVE_TASKS.valueSerde().deserializer());
                KafkaProducer<byte[], ErrorRecord> errors = new KafkaProducer<>(
                        producerConfig,
                        TypedTopic.ERRORS.keySerde().serializer(),
                        TypedTopic.ERRORS.valueSerde().serializer())) {
            consumer = tasks;
            tasks.subscribe(List.of(topics.name(TypedTopic.MOVE_TASKS.topic())));
            while (running) {
                ConsumerRecords<String, MoveTask> records;
                try {
                    records = tasks.poll(POLL);
                } catch (WakeupException e) {
                    break;
                }
                for (ConsumerRecord<String, MoveTask> record : records) {
                    MoveTask task = record.value();
                    if (task != null && runId.equals(task.getRunId())) {
                        copy(task, errors);
                    }
                    progress.taskDone();
                }
                if (!records.isEmpty()) {
                    errors.flush();
                    tasks.commitSync();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // stopped
        } catch (RuntimeException e) {
            failure = e;
            log.error("mover worker stopped: {}", e.toString(), e);
        } finally {
            for (StatefulRedisConnection<byte[], byte[]> connection : connections) {
                connection.close();
            }
        }
    }

    /** Why the worker stopped on its own, or null. */
    Throwable failure() {
        return failure;
    }

    void stop() {
        running = false;
        KafkaConsumer<String, MoveTask> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    private void copy(MoveTask task, KafkaProducer<byte[], ErrorRecord> errors) throws InterruptedException {
        KeyCopier copier = copiers.computeIfAbsent(task.getDb(), this::copierFor);
        List<byte[]> keys = new ArrayList<>(task.getKeys().size());
        for (ByteBuffer key : task.getKeys()) {
            byte[] bytes = new byte[key.remaining()];
            key.duplicate().get(bytes);
            keys.add(bytes);
        }
        Instant firstFailure = null;
        long backoff = options.retryBackoff().toMillis();
        for (int attempt = 1; ; attempt++) {
            List<KeyCopier.Result> failed = new ArrayList<>();
            for (KeyCopier.Result result : copier.copy(keys)) {
                if (result.outcome() == KeyOutcome.FAILED && attempt < options.maxAttempts()) {
                    failed.add(result);
                } else if (result.outcome() == KeyOutcome.FAILED) {
                    report(task, result, attempt, firstFailure == null ? Instant.now() : firstFailure, errors);
                    progress.add(result);
                } else {
                    progress.add(result);
                }
            }
            if (failed.isEmpty()) {
                return;
            }
            if (firstFailure == null) {
                firstFailure = Instant.now();
            }
            log.warn(
                    "{} keys of task {} failed (attempt {} of {}), e.g. {}; retrying in {} ms",
                    failed.size(),
                    task.getTaskId(),
                    attempt,
                    options.maxAttempts(),
                    failed.get(0).error(),
                    backoff);
            TimeUnit.MILLISECONDS.sleep(backoff);
            backoff *= 2;
            keys = failed.stream().map(KeyCopier.Result::key).toList();
        }
    }

    private void report(
            MoveTask task,
            KeyCopier.Result result,
            int attempts,
            Instant firstSeen,
            KafkaProducer<byte[], ErrorRecord> errors)
            throws InterruptedException {
        Map<String, String> context = new HashMap<>();
        context.put("taskId", task.getTaskId());
        context.put("reason", task.getReason().name());
        ErrorRecord error = new ErrorRecord(
                runId,
                ByteBuffer.wrap(result.key()),
                task.getDb(),
                result.stage(),
                result.error(),
                attempts,
                firstSeen,
                Instant.now(),
                task.getSourceNode(),
                context);
        try {
            errors.send(TypedTopic.ERRORS.producerRecord(topics, error)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Not committing the task's offset makes it run again: the key is neither lost nor hidden.
            throw new IllegalStateException("could not report a failed key to the errors topic: " + e, e);
        }
        log.warn(
                "key failed {} times at {}; reported to the errors topic: {}",
                attempts,
                result.stage(),
                result.error());
    }

    private KeyCopier copierFor(int db) {
        StatefulRedisConnection<byte[], byte[]> from = source.connect();
        connections.add(from);
        from.sync().select(db);
        StatefulRedisConnection<byte[], byte[]> to = target.connect();
        connections.add(to);
        to.sync().select(db);
        return new KeyCopier(from, to, sourceFacts, targetFacts, options);
    }
}
