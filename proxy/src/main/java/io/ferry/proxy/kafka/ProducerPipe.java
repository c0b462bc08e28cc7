package io.ferry.proxy.kafka;

import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded hand-off from event loops to one Kafka topic: {@link #offer} never blocks (it says no
 * when the queue is full), and a thread of its own sends what is queued with an idempotent producer,
 * so a slow or unreachable Kafka holds up only that thread. Every record ends as {@link
 * Listener#delivered} or {@link Listener#failed} (a send refused, or not acknowledged within the
 * delivery timeout): none is dropped silently. Thread-safe.
 */
final class ProducerPipe<K, V extends SpecificRecord> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProducerPipe.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long the thread naps when the queue is empty: the most a record waits before it is sent. */
    private static final long EMPTY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How often {@link Listener#idle} is called while the queue stays empty. */
    private static final long IDLE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int DRAIN_BATCH = 512;

    /** Told the fate of each record, on the pipe's thread or the producer's. */
    interface Listener<V> {
        void delivered(V record);

        void failed(V record, Exception cause);

        /**
         * The queue is empty; a chance to queue work kept aside. Called on the pipe's thread, every
         * 100 ms or so while the queue stays empty.
         */
        default void idle() {}
    }

    private final String name;
    private final TypedTopic<K, V> topic;
    private final TopicRegistry topics;
    private final BlockingQueue<V> queue;
    private final Listener<V> listener;
    private final Producer<K, V> producer;
    private final Thread thread;
    private volatile boolean running = true;
    /** True after a delivery, false after a failure: whether Kafka takes records now. */
    private volatile boolean connected = true;

    private volatile String lastError;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    ProducerPipe(
            String name,
            TypedTopic<K, V> topic,
            TopicRegistry topics,
            Map<String, Object> kafka,
            int capacity,
            Duration deliveryTimeout,
            Listener<V> listener) {
        this.name = name;
        this.topic = topic;
        this.topics = topics;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.listener = listener;
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // Sends block this thread (never an event loop) while Kafka is unreachable: bounded, and the
        // record then counts as failed.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        int request = (int) Math.max(1_000, Math.min(deliveryTimeout.toMillis(), 30_000));
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
        // Kafka wants at least linger + request timeout.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, request + 1_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-" + name);
        this.producer = new KafkaProducer<>(
                config, topic.keySerde().serializer(), topic.valueSerde().serializer());
        this.thread = new Thread(this::run, "ferry-" + name + "-publisher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Registers the pipe's health in {@code meters}: {@code ferry.kafka.producer.connected{pipe}} (1 while Kafka
     * acknowledges its records, 0 after a failure) and {@code ferry.kafka.producer.buffer.available.bytes{pipe}} (the
     * producer's free buffer memory). Returns the gauges, for {@link MeterRegistry#remove} when the pipe stops.
     */
    List<Meter> registerHealth(MeterRegistry meters) {
        Metric[] buffer = new Metric[1];
        return List.of(
                Gauge.builder("ferry.kafka.producer.connected", this, pipe -> pipe.connected ? 1 : 0)
                        .tag("pipe", name)
                        .description("1 while Kafka acknowledges the pipe's records, 0 after a send failed")
                        .register(meters),
                Gauge.builder("ferry.kafka.producer.buffer.available.bytes", this, pipe -> {
                            if (buffer[0] == null) {
                                buffer[0] = pipe.producer.metrics().entrySet().stream()
                                        .filter(e -> e.getKey().name().equals("buffer-available-bytes"))
                                        .map(Map.Entry::getValue)
                                        .findFirst()
                                        .orElse(null);
                            }
                            return buffer[0] == null ? Double.NaN : ((Number) buffer[0].metricValue()).doubleValue();
                        })
                        .tag("pipe", name)
                        .baseUnit("bytes")
                        .description("Buffer memory of the pipe's Kafka producer not in use")
                        .register(meters));
    }

    /** Queues {@code record}; false, at once, when the queue is full. */
    boolean offer(V record) {
        return queue.offer(record);
    }

    int size() {
        return queue.size();
    }

    int remainingCapacity() {
        return queue.remainingCapacity();
    }

    boolean connected() {
        return connected;
    }

    String lastError() {
        return lastError;
    }

    private void run() {
        List<V> batch = new ArrayList<>(DRAIN_BATCH);
        long lastIdle = System.nanoTime();
        while (running || !queue.isEmpty()) {
            if (queue.drainTo(batch, DRAIN_BATCH) == 0) {
                long now = System.nanoTime();
                if (running && now - lastIdle >= IDLE_INTERVAL_NANOS) {
                    lastIdle = now;
                    listener.idle();
                }
                // A timed nap instead of a blocking take: offer() then never has a sleeping thread to
                // wake, which cost the event loop a futex call per record.
                LockSupport.parkNanos(EMPTY_PARK_NANOS);
                continue;
            }
            for (int i = 0; i < batch.size(); i++) {
                send(batch.get(i));
            }
            batch.clear();
        }
    }

    private void send(V record) {
        try {
            producer.send(topic.producerRecord(topics, record), (metadata, error) -> {
                if (error == null) {
                    if (!connected) {
                        log.info("{}: Kafka takes records again", name);
                    }
                    connected = true;
                    listener.delivered(record);
                } else {
                    failed(record, error);
                }
            });
        } catch (RuntimeException e) {
            failed(record, e);
        }
    }

    private void failed(V record, Exception cause) {
        connected = false;
        lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            log.error("{}: Kafka does not take records ({}); {} queued", name, lastError, queue.size());
        }
        listener.failed(record, cause);
    }

    /** Sends what is queued for up to {@code timeout}, then stops; what is left counts as failed. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    void close(Duration timeout) {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
        producer.close(timeout);
        V left;
        while ((left = queue.poll()) != null) {
            listener.failed(left, new IllegalStateException("closed before it was sent"));
        }
    }
}
