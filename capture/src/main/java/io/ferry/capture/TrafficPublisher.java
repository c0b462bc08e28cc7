package io.ferry.capture;

import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes a capture's traffic records to the traffic topic: a bounded queue between the capture's
 * thread and a publishing thread of its own, which serializes and sends with an idempotent producer.
 * A full queue makes {@link #accept} wait (a capture file is read no faster than Kafka takes it;
 * the waits are counted), so no record is dropped for lack of room. A record Kafka refuses or does
 * not acknowledge is counted as failed, with the first error kept; {@link #close} sends what is
 * queued and waits for every acknowledgement.
 *
 * <p>{@link #accept} is called from one thread (the capture's); the counters are readable from any.
 */
public final class TrafficPublisher implements RecordSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrafficPublisher.class);
    private static final int DRAIN_BATCH = 1024;
    public static final int DEFAULT_QUEUE_CAPACITY = 20_000;

    private final TopicRegistry topics;
    private final BlockingQueue<TrafficRecord> queue;
    private final Producer<String, TrafficRecord> producer;
    private final Thread thread;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong waits = new AtomicLong();
    private final AtomicReference<Exception> firstError = new AtomicReference<>();
    private volatile boolean closing;

    /**
     * @param kafka producer configuration: at least {@code bootstrap.servers}
     * @param queueCapacity records waiting for the publishing thread, at most
     */
    public TrafficPublisher(Map<String, Object> kafka, TopicRegistry topics, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        this.topics = topics;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ferry-capture");
        // One request in flight: on a starved machine a request can time out after Kafka appended it;
        // retried behind later batches, Kafka no longer recognises it as a duplicate (it remembers the
        // last five) and refuses it as out of order until the delivery times out. With one in flight,
        // a retry is always of the latest batch. Batches of 512 KiB keep the throughput.
        config.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        this.producer = new KafkaProducer<>(
                config,
                TypedTopic.TRAFFIC.keySerde().serializer(),
                TypedTopic.TRAFFIC.valueSerde().serializer());
        this.thread = new Thread(this::run, "ferry-capture-publisher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues {@code record}, waiting while the queue is full.
     *
     * @throws CancellationException when the calling thread is interrupted while waiting (it stays
     *     interrupted), or the publisher was closed
     */
    @Override
    public void accept(TrafficRecord record) {
        if (closing) {
            throw new CancellationException("the traffic publisher is closed");
        }
        if (queue.offer(record)) {
            return;
        }
        waits.incrementAndGet();
        try {
            while (!queue.offer(record, 100, TimeUnit.MILLISECONDS)) {
                if (!thread.isAlive()) {
                    throw new CancellationException("the traffic publisher's thread has stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for room in the traffic queue");
        }
    }

    /**
     * Waits until every partition of the traffic topic has a leader, at most {@code timeout}. A topic
     * created a moment ago may not have them yet, and an idempotent producer whose first batch to a
     * partition fails that way while the next ones land cannot send that batch again (Kafka answers
     * "out of order sequence" until the delivery times out): the records are lost, and counted.
     *
     * @return true when every partition has a leader; false when the time ran out (publishing then
     *     starts anyway, and what Kafka refuses is counted)
     */
    public static boolean awaitLeaders(Admin admin, TopicRegistry topics, Duration timeout)
            throws InterruptedException {
        String name = topics.name(Topic.TRAFFIC);
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(List.of(name))
                        .allTopicNames()
                        .get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)
                        .get(name);
                if (description.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return true;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        log.warn("partitions of {} still without a leader after {}: publishing anyway ({})", name, timeout, last);
        return false;
    }

    /** Records Kafka acknowledged. */
    public long published() {
        return published.get();
    }

    /** Records Kafka refused or did not acknowledge. */
    public long failed() {
        return failed.get();
    }

    /** Times the capture waited for room in the queue: Kafka was the slower side. */
    public long waits() {
        return waits.get();
    }

    /** The first error a send met, or null. */
    public Exception firstError() {
        return firstError.get();
    }

    private void run() {
        List<TrafficRecord> batch = new ArrayList<>(DRAIN_BATCH);
        try {
            while (!closing || !queue.isEmpty()) {
                TrafficRecord first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, DRAIN_BATCH - 1);
                for (TrafficRecord record : batch) {
                    send(record);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            long lost = queue.size() + batch.size();
            failed.addAndGet(lost);
            log.error("traffic publisher interrupted; {} records not sent", lost);
        }
    }

    private void send(TrafficRecord record) {
        try {
            producer.send(TypedTopic.TRAFFIC.producerRecord(topics, record), (metadata, exception) -> {
                if (exception == null) {
                    published.incrementAndGet();
                } else {
                    fail(exception);
                }
            });
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void fail(Exception e) {
        failed.incrementAndGet();
        if (firstError.compareAndSet(null, e)) {
            log.error("Kafka did not take a traffic record: {}", e.toString());
        }
    }

    /** Sends what is queued, waits up to {@code timeout} for the acknowledgements, and closes the producer. */
    public void close(Duration timeout) {
        closing = true;
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.flush();
        } finally {
            producer.close(timeout);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(60));
    }
}
