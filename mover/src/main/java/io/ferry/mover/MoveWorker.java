package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.MoveTask;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One mover worker: a member of the run's consumer group on the move tasks topic (start more, in
 * this process or others, and the partitions spread over them). It copies each task's keys with a
 * {@link KeyCopier}, retries the keys that failed with a doubling backoff, reports the ones that still
 * fail to the errors topic with their context, and commits the task's offset only then: a worker
 * killed mid-task leaves the task to be copied again by the next owner of its partition. A side that stops
 * answering (a target restarting or failing over) is waited out for the options' outage limit (see {@link Outage});
 * past it the worker stops, its task uncommitted.
 *
 * <p>{@link #run} is the worker's loop, on a thread of the caller's; {@link #stop} may be called from
 * any thread.
 */
final class MoveWorker implements WorkerPool.Loop {
    private static final Logger log = LoggerFactory.getLogger(MoveWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);

    private final String runId;
    private final CopyOptions options;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final MoveProgress progress;
    private final DbCopiers copiers;
    private final Outage outage;
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
            MoveProgress progress,
            Throttle throttle) {
        this.copiers = new DbCopiers(source, target, sourceFacts, targetFacts, options, throttle);
        this.outage = new Outage(copiers, options.outageLimit());
        this.runId = runId;
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
        // A worker that dies (SIGKILL, lost host) hands its tasks over after this, not after Kafka's 45 s.
        consumerConfig.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        consumerConfig.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis() / 4);
        try (KafkaConsumer<String, MoveTask> tasks = new KafkaConsumer<>(
                        consumerConfig,
                        TypedTopic.MOVE_TASKS.keySerde().deserializer(),
                        TypedTopic.MOVE_TASKS.valueSerde().deserializer());
                ErrorReporter errors = new ErrorReporter(runId, kafka, topics, "ferry-mover-errors")) {
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
            copiers.close();
        }
    }

    /** Why the worker stopped on its own, or null. */
    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, MoveTask> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    private void copy(MoveTask task, ErrorReporter errors) throws InterruptedException {
        List<byte[]> keys = DbCopiers.bytes(task.getKeys());
        Map<String, String> context =
                Map.of("taskId", task.getTaskId(), "reason", task.getReason().name());
        RetryingCopy.copy(
                () -> copiers.copier(task.getSourceNode(), task.getDb()),
                keys,
                options,
                "task " + task.getTaskId(),
                outage,
                (result, attempts, firstFailure) -> {
                    if (result.outcome() == KeyOutcome.FAILED) {
                        errors.report(result, task.getDb(), attempts, firstFailure, task.getSourceNode(), context);
                    }
                    progress.add(result);
                });
    }
}
