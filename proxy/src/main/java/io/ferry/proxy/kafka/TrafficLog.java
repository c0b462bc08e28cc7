package io.ferry.proxy.kafka;

import io.ferry.proxy.TrafficJournal;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The traffic log: a sample of the commands a proxy saw, with their replies, on the traffic topic.
 * Sampling is random per command at {@code sampleRate} (1: every command, 0: none). Capture is best
 * effort: a record that does not fit the queue, or that Kafka does not take, is dropped and counted
 * ({@code ferry.traffic.dropped}); a client request never waits for it. Thread-safe.
 */
public final class TrafficLog implements TrafficJournal, AutoCloseable {
    private final double sampleRate;
    private final ProducerPipe<String, TrafficRecord> pipe;
    private final Counter dropped;
    private final Counter published;
    private final MeterRegistry meters;
    private final java.util.List<io.micrometer.core.instrument.Meter> gauges = new java.util.ArrayList<>();

    public TrafficLog(
            double sampleRate,
            int queueCapacity,
            Map<String, Object> kafka,
            TopicRegistry topics,
            MeterRegistry meters) {
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sampleRate: " + sampleRate + " (expected: 0 to 1)");
        }
        this.sampleRate = sampleRate;
        this.dropped = Counter.builder("ferry.traffic.dropped")
                .description("Traffic records dropped: the queue was full or Kafka did not take them")
                .register(meters);
        this.published = Counter.builder("ferry.traffic.published")
                .description("Traffic records Kafka acknowledged")
                .register(meters);
        this.pipe = new ProducerPipe<>(
                "traffic",
                TypedTopic.TRAFFIC,
                topics,
                kafka,
                queueCapacity,
                Duration.ofSeconds(10),
                new ProducerPipe.Listener<>() {
                    @Override
                    public void delivered(TrafficRecord record) {
                        published.increment();
                    }

                    @Override
                    public void failed(TrafficRecord record, Exception cause) {
                        dropped.increment();
                    }
                });
        this.meters = meters;
        gauges.add(Gauge.builder("ferry.traffic.queue.size", pipe, ProducerPipe::size)
                .description("Traffic records waiting for Kafka")
                .register(meters));
        gauges.addAll(pipe.registerHealth(meters));
    }

    @Override
    public boolean sample() {
        return sampleRate >= 1 || (sampleRate > 0 && ThreadLocalRandom.current().nextDouble() < sampleRate);
    }

    @Override
    public void record(TrafficRecord record) {
        if (!pipe.offer(record)) {
            dropped.increment();
        }
    }

    @Override
    public void close() {
        pipe.close();
        // The gauges hold this log: a node started again in the same process registers its own.
        gauges.forEach(meters::remove);
    }
}
