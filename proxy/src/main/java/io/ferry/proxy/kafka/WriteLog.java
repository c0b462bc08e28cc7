package io.ferry.proxy.kafka;

import io.ferry.proxy.WriteJournal;
import io.ferry.schemas.Side;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WriteRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writes log: every write a proxy forwarded, with its outcome on each side, on the writes topic
 * (keyed by Redis key), for the reconciler to repair what may differ. Never blocks a caller. A
 * record that cannot be queued or delivered is not lost silently: with {@link
 * WriteLogOverflow#FLAG_KEYS} its keys go into a bounded overflow set, published as repair records
 * (flags {@code REPAIR}, {@code OVERFLOW}) once Kafka takes records again; a keyless write (FLUSHALL,
 * SWAPDB) that overflows is published as one keyless {@code OVERFLOW} record, meaning "verify
 * everything". Thread-safe.
 */
public final class WriteLog implements WriteJournal, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriteLog.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Overflow keys queued per idle pass of the publisher, so fresh writes are not held up. */
    private static final int REPUBLISH_BATCH = 1_000;
    /** Overflow keys sent to find out whether Kafka takes records again. */
    private static final int PROBE_BATCH = 10;

    private static final long PROBE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Only touched by the publisher's thread. */
    private long lastProbeNanos;

    private final WriteLogOptions options;
    private final String nodeId;
    private final ProducerPipe<byte[], WriteRecord> pipe;
    /** Keys written while Kafka could not take their records, with the side that was authoritative then. */
    private final Map<ByteBuffer, Side> overflowKeys = new ConcurrentHashMap<>();

    private final AtomicBoolean keylessOverflow = new AtomicBoolean();
    private final AtomicLong lastLostWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final Counter published;
    private final Counter failed;
    private final Counter overflowed;
    private final Counter lost;
    private final MeterRegistry meters;
    private final java.util.List<io.micrometer.core.instrument.Meter> gauges = new java.util.ArrayList<>();

    public WriteLog(
            WriteLogOptions options,
            Map<String, Object> kafka,
            TopicRegistry topics,
            String nodeId,
            MeterRegistry meters) {
        this.options = options;
        this.nodeId = nodeId;
        this.published = Counter.builder("ferry.writes.published")
                .description("Write records Kafka acknowledged")
                .register(meters);
        this.failed = Counter.builder("ferry.writes.failed")
                .description("Write records Kafka refused or did not acknowledge in time (their keys kept for repair)")
                .register(meters);
        this.overflowed = Counter.builder("ferry.writes.overflow")
                .description("Write records that did not fit the queue (their keys kept for repair)")
                .register(meters);
        this.lost = Counter.builder("ferry.writes.overflow.lost")
                .description("Keys that did not fit the overflow set: only a keyspace verify finds them")
                .register(meters);
        this.pipe = new ProducerPipe<>(
                "writes",
                TypedTopic.WRITES,
                topics,
                kafka,
                options.queueCapacity(),
                options.deliveryTimeout(),
                new ProducerPipe.Listener<>() {
                    @Override
                    public void delivered(WriteRecord record) {
                        published.increment();
                    }

                    @Override
                    public void failed(WriteRecord record, Exception cause) {
                        failed.increment();
                        keep(record);
                    }

                    @Override
                    public void idle() {
                        republish();
                    }
                });
        this.meters = meters;
        gauges.add(Gauge.builder("ferry.writes.queue.size", pipe, ProducerPipe::size)
                .description("Write records waiting for Kafka")
                .register(meters));
        gauges.add(Gauge.builder("ferry.writes.overflow.keys", overflowKeys, Map::size)
                .description("Keys waiting to be published for repair")
                .register(meters));
        gauges.addAll(pipe.registerHealth(meters));
    }

    @Override
    public boolean accepting() {
        return options.overflow() != WriteLogOverflow.REJECT_WRITES || pipe.remainingCapacity() > 0;
    }

    @Override
    public void record(WriteRecord record) {
        if (!pipe.offer(record)) {
            overflowed.increment();
            keep(record);
        }
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    /** True when Kafka took the last record sent. */
    public boolean connected() {
        return pipe.connected();
    }

    /** Keys waiting to be published for repair. */
    public int overflowKeyCount() {
        return overflowKeys.size();
    }

    /** Records waiting for Kafka. */
    public int queued() {
        return pipe.size();
    }

    private void keep(WriteRecord record) {
        List<ByteBuffer> keys = record.getKeys();
        if (keys.isEmpty()) {
            keylessOverflow.set(true);
            return;
        }
        for (ByteBuffer key : keys) {
            if (overflowKeys.size() < options.overflowKeyCapacity() || overflowKeys.containsKey(key)) {
                overflowKeys.put(key.duplicate(), record.getAuthority());
            } else {
                lost.increment();
                long now = System.nanoTime();
                long last = lastLostWarning.get();
                if (now - last >= WARN_INTERVAL_NANOS && lastLostWarning.compareAndSet(last, now)) {
                    log.error(
                            "the writes log's overflow set is full ({} keys): {} keys written while Kafka was "
                                    + "unavailable are not recorded; run the keyspace verify before commit",
                            options.overflowKeyCapacity(),
                            (long) lost.count());
                }
            }
        }
    }

    /** While Kafka takes records, queues repair records for kept keys, a batch at a time. */
    private void republish() {
        if (overflowKeys.isEmpty() && !keylessOverflow.get()) {
            return;
        }
        long now = System.nanoTime();
        if (!pipe.connected()) {
            // A late failure (a batch that expired during an outage) may say "not connected" after
            // Kafka is back: probe with a few keys now and then rather than wait for new writes.
            if (now - lastProbeNanos < PROBE_INTERVAL_NANOS) {
                return;
            }
            lastProbeNanos = now;
        }
        int batch = pipe.connected() ? REPUBLISH_BATCH : PROBE_BATCH;
        if (keylessOverflow.compareAndSet(true, false) && !pipe.offer(overflowRecord(List.of(), Side.SOURCE))) {
            keylessOverflow.set(true);
            return;
        }
        int queued = 0;
        for (Iterator<Map.Entry<ByteBuffer, Side>> it = overflowKeys.entrySet().iterator();
                it.hasNext() && queued < batch; ) {
            Map.Entry<ByteBuffer, Side> key = it.next();
            if (!pipe.offer(overflowRecord(List.of(key.getKey()), key.getValue()))) {
                break;
            }
            it.remove();
            queued++;
        }
        if (queued > 0) {
            log.info(
                    "queued {} keys written while Kafka was unavailable for repair; {} left",
                    queued,
                    overflowKeys.size());
        }
    }

    private WriteRecord overflowRecord(List<ByteBuffer> keys, Side authority) {
        return WriteRecord.newBuilder()
                .setNode(nodeId)
                .setConnection("overflow")
                .setSequence(0)
                .setTimestampMicros(Instant.now())
                .setCommand("OVERFLOW")
                .setKeys(keys)
                .setFlags(List.of(WriteFlag.REPAIR, WriteFlag.OVERFLOW))
                .setAuthority(authority)
                .build();
    }

    @Override
    public void close() {
        pipe.close();
        // The gauges hold this log: a node started again in the same process registers its own.
        gauges.forEach(meters::remove);
        if (!overflowKeys.isEmpty() || keylessOverflow.get()) {
            log.error(
                    "stopping with {} keys written while Kafka was unavailable and not yet recorded{}; run the "
                            + "keyspace verify before commit",
                    overflowKeys.size(),
                    keylessOverflow.get() ? " (and a keyless write: FLUSHALL, SWAPDB or the like)" : "");
        }
    }
}
