package io.ferry.comparator.replay;

import com.google.common.util.concurrent.RateLimiter;
import io.ferry.comparator.RepairRequest;
import io.ferry.comparator.replay.DivergenceProbe.Snapshot;
import io.ferry.comparator.replay.ReplaySelector.Selection;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.RespProtocolException;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.Confirmation;
import io.ferry.schemas.Detector;
import io.ferry.schemas.Divergence;
import io.ferry.schemas.DivergenceKind;
import io.ferry.schemas.Side;
import io.ferry.schemas.SideSnapshot;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import io.ferry.schemas.WriteRecord;
import io.ferry.schemas.stats.StatsAttributes;
import io.ferry.schemas.stats.StatsPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.ReferenceCountUtil;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shadow replay: consumes the traffic topic in the run's consumer group ({@code ferry-comparator.<runId>}, so
 * comparator processes share its partitions), replays each selected read (see {@link ReplaySelector}) on the side
 * that did not answer it, at most {@code maxReplaysPerSecond}, and compares the replies with {@link
 * ResponseComparator}. A mismatch is checked again by sending the command to both sides at once, a few times: agreeing
 * then, it was a key changed after capture (transient); still differing, it is a confirmed divergence, published to
 * the divergences topic with its kind (probed with TYPE and PTTL) and, with repair on, a REPAIR write on the writes
 * log for the reconciler to copy the key again.
 *
 * <p>{@link #run} is the loop, on the caller's thread; {@link #stop} may be called from any thread. A record that
 * cannot be decoded or holds absurd values is counted and skipped; offsets are committed after each batch.
 */
public final class ShadowReplay implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShadowReplay.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MAX_KEY_SHOWN = 80;
    private static final int MAX_KEYS_PROBED = 16;

    private final ReplayOptions options;
    private final ReplaySelector selector;
    private final ResponseComparator comparator;
    private final ReplayMetrics metrics;
    private final RateLimiter rate;
    private final AtomicLong repairSequence = new AtomicLong();

    private volatile boolean running = true;
    private volatile Duration statsInterval = Duration.ofSeconds(5);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean assigned;
    private volatile Throwable failure;

    public ShadowReplay(ReplayOptions options, MeterRegistry meters) {
        this.options = options;
        this.selector = new ReplaySelector(CommandTable.bundled());
        this.comparator = new ResponseComparator(options.ttlTolerance());
        this.metrics = new ReplayMetrics(meters);
        this.rate = RateLimiter.create(options.maxReplaysPerSecond());
    }

    /** The consumer group of a run's comparators. */
    public static String groupId(String runId) {
        return "ferry-comparator." + runId;
    }

    public ReplayTotals totals() {
        return metrics.totals();
    }

    /** Publishes {@code stats.comparator} events every {@code interval} (zero: none; five seconds unless told); before {@link #run}. */
    public ShadowReplay statsInterval(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("stats interval: " + interval + " (expected: >= 0)");
        }
        this.statsInterval = interval;
        return this;
    }

    /** True once the consumer has been given partitions of the traffic topic. */
    public boolean assigned() {
        return assigned;
    }

    /** Why the loop stopped on its own, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Asks the loop to stop; it finishes the replays in flight. */
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public void run() {
        Map<String, Object> config = new HashMap<>(options.kafka());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(options.runId()));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, options.fromEarliest() ? "earliest" : "latest");
        // A batch must be handled within max.poll.interval.ms (5 min) at the replay rate.
        int maxPoll = (int) Math.max(10, Math.min(500, options.maxReplaysPerSecond() * 30));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPoll);
        Map<String, Object> producerConfig = new HashMap<>(options.kafka());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "ferry-comparator-" + options.nodeId());
        String topic = options.topics().name(TypedTopic.TRAFFIC.topic());
        try (ReplayConnections connections = new ReplayConnections(
                        options.source(), options.target(), options.maxReplyBytes(), options.replyTimeout());
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
                KafkaConsumer<String, byte[]> traffic =
                        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
                StatsPublisher stats = statsInterval.isZero()
                        ? null
                        : new StatsPublisher(
                                StatsAttributes.COMPARATOR,
                                options.runId(),
                                options.nodeId(),
                                statsInterval,
                                options.kafka(),
                                options.topics(),
                                new ReplayStats(metrics::totals)::sample)) {
            consumer = traffic;
            traffic.subscribe(List.of(topic), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<org.apache.kafka.common.TopicPartition> p) {}

                @Override
                public void onPartitionsAssigned(java.util.Collection<org.apache.kafka.common.TopicPartition> p) {
                    assigned = true;
                }
            });
            Batch batch = new Batch(connections, producer);
            while (running) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = traffic.poll(POLL);
                } catch (WakeupException e) {
                    break;
                }
                if (records.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    batch.offer(record);
                }
                batch.drain();
                traffic.commitSync();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // stopped
        } catch (RuntimeException e) {
            failure = e;
            log.error("shadow replay stopped: {}", e.toString(), e);
        }
    }

    /** One poll's records: replays sent, at most {@code maxInFlight} waiting to be compared. */
    private final class Batch {
        private final ReplayConnections connections;
        private final KafkaProducer<byte[], byte[]> producer;
        private final DivergenceProbe probe;
        private final List<InFlight> inFlight = new ArrayList<>();

        Batch(ReplayConnections connections, KafkaProducer<byte[], byte[]> producer) {
            this.connections = connections;
            this.producer = producer;
            this.probe = new DivergenceProbe(connections, options.replyTimeout());
        }

        void offer(ConsumerRecord<String, byte[]> record) throws InterruptedException {
            metrics.record();
            TrafficRecord traffic = decode(record);
            if (traffic == null) {
                return;
            }
            Selection selection = selector.select(traffic);
            if (selection.skip() != null) {
                skip(selection.skip());
                if (selection.skip() == SkipReason.INVALID) {
                    logBad(record, "holds absurd values: " + selection.detail());
                }
                return;
            }
            ReplayPlan plan = selection.plan();
            rate.acquire();
            try {
                CompletableFuture<RespMessage> reply =
                        connections.send(plan.replaySide(), plan.db(), plan.protocol(), plan.args());
                inFlight.add(new InFlight(plan, reply));
            } catch (ReplayException e) {
                plan.close();
                replayFailed(e);
                return;
            }
            if (inFlight.size() >= options.maxInFlight()) {
                drain();
            }
        }

        void drain() throws InterruptedException {
            try {
                for (InFlight sent : inFlight) {
                    try (ReplayPlan plan = sent.plan()) {
                        compare(plan, sent.reply());
                    }
                }
            } finally {
                inFlight.clear();
            }
        }

        private void compare(ReplayPlan plan, CompletableFuture<RespMessage> pending) throws InterruptedException {
            RespMessage reply =
                    await(pending, () -> connections.send(plan.replaySide(), plan.db(), plan.protocol(), plan.args()));
            if (reply == null) {
                return;
            }
            try {
                Duration elapsed = Duration.between(plan.captured(), Instant.now());
                metrics.replayed(elapsed.toMillis());
                boolean same = plan.recordedReply() != null
                        ? comparator.equivalent(plan.rule(), plan.recordedReply(), reply, elapsed)
                        : Arrays.equals(
                                ReplyDigest.of(reply, ResponseComparator.unorderedDigest(plan.info())),
                                plan.recordedDigest());
                if (same) {
                    metrics.equal();
                    return;
                }
            } finally {
                ReferenceCountUtil.release(reply);
            }
            recheck(plan);
        }

        /** Sends the command to both sides at once until they agree or the attempts run out. */
        private void recheck(ReplayPlan plan) throws InterruptedException {
            RespMessage[] last = null;
            try {
                for (int attempt = 1; attempt <= options.recheckAttempts(); attempt++) {
                    if (attempt > 1 && !options.recheckDelay().isZero()) {
                        TimeUnit.MILLISECONDS.sleep(options.recheckDelay().toMillis());
                    }
                    release(last);
                    last = null;
                    CompletableFuture<RespMessage> source =
                            connections.send(Side.SOURCE, plan.db(), plan.protocol(), plan.args());
                    CompletableFuture<RespMessage> target =
                            connections.send(Side.TARGET, plan.db(), plan.protocol(), plan.args());
                    RespMessage sourceReply =
                            await(source, () -> connections.send(Side.SOURCE, plan.db(), plan.protocol(), plan.args()));
                    RespMessage targetReply =
                            await(target, () -> connections.send(Side.TARGET, plan.db(), plan.protocol(), plan.args()));
                    if (sourceReply == null || targetReply == null) {
                        ReferenceCountUtil.release(sourceReply);
                        ReferenceCountUtil.release(targetReply);
                        return;
                    }
                    last = new RespMessage[] {sourceReply, targetReply};
                    if (comparator.equivalent(plan.rule(), sourceReply, targetReply, Duration.ZERO)) {
                        metrics.transientMismatch();
                        if (options.publishTransient()) {
                            publish(plan, Confirmation.TRANSIENT, sourceReply, targetReply);
                        }
                        return;
                    }
                }
                publish(plan, Confirmation.CONFIRMED, last[0], last[1]);
            } catch (ReplayException e) {
                replayFailed(e);
            } finally {
                release(last);
            }
        }

        private void publish(ReplayPlan plan, Confirmation status, RespMessage sourceReply, RespMessage targetReply)
                throws InterruptedException {
            byte[] key = plan.keys().get(0);
            Snapshot source = null;
            Snapshot target = null;
            DivergenceKind kind = null;
            // The key that tells most: the first whose existence or type differs, else the first key.
            for (int i = 0; i < Math.min(plan.keys().size(), MAX_KEYS_PROBED); i++) {
                byte[] candidate = plan.keys().get(i);
                Map<Side, Snapshot> snapshots = probe.probe(plan.db(), candidate);
                DivergenceKind candidateKind =
                        DivergenceProbe.kind(snapshots.get(Side.SOURCE), snapshots.get(Side.TARGET), plan.rule());
                if (kind == null
                        || candidateKind == DivergenceKind.MISSING
                        || candidateKind == DivergenceKind.EXTRA
                        || candidateKind == DivergenceKind.TYPE) {
                    key = candidate;
                    source = snapshots.get(Side.SOURCE);
                    target = snapshots.get(Side.TARGET);
                    kind = candidateKind;
                }
                if (kind != DivergenceKind.VALUE && kind != DivergenceKind.TTL) {
                    break;
                }
            }
            boolean unordered = ResponseComparator.unorderedDigest(plan.info());
            Divergence divergence = Divergence.newBuilder()
                    .setRunId(options.runId())
                    .setKey(ByteBuffer.wrap(key))
                    .setDb(plan.db())
                    .setCommand(plan.command())
                    .setKind(kind)
                    .setStatus(status)
                    .setDetector(Detector.SHADOW_REPLAY)
                    .setSource(snapshot(source, ReplyDigest.of(sourceReply, unordered)))
                    .setTarget(snapshot(target, ReplyDigest.of(targetReply, unordered)))
                    .setDetectedMicros(Instant.now())
                    .build();
            if (status == Confirmation.CONFIRMED) {
                metrics.confirmed(kind);
                log.warn(
                        "confirmed divergence: {} of key '{}' in db {} ({}): source {} size {} ttl {} ms, target {} "
                                + "size {} ttl {} ms",
                        kind,
                        printable(key),
                        plan.db(),
                        plan.command(),
                        typeName(source),
                        source.size(),
                        source.ttlMillis(),
                        typeName(target),
                        target.size(),
                        target.ttlMillis());
            }
            send(
                    TypedTopic.DIVERGENCES.topic(),
                    key,
                    TypedTopic.DIVERGENCES.valueSerde().serialize(null, divergence));
            if (status == Confirmation.CONFIRMED && options.repair()) {
                requestRepair(plan.db(), key);
            }
        }

        /** A REPAIR write on the writes log: the reconciler copies the key again from the source. */
        private void requestRepair(int db, byte[] key) {
            WriteRecord repair = RepairRequest.of(
                    "comparator-" + options.nodeId(), "shadow-replay", repairSequence.getAndIncrement(), db, key);
            metrics.repairRequested();
            send(TypedTopic.WRITES.topic(), key, TypedTopic.WRITES.valueSerde().serialize(null, repair));
        }

        private void send(io.ferry.schemas.Topic topic, byte[] key, byte[] value) {
            producer.send(new ProducerRecord<>(options.topics().name(topic), key, value), (metadata, e) -> {
                if (e != null) {
                    metrics.publishFailed();
                    log.warn(
                            "Kafka did not take a record for {}: {}",
                            options.topics().name(topic),
                            e.toString());
                }
            });
        }

        /** The reply, or null when there is none to compare (counted); sent once more when the connection was lost. */
        private RespMessage await(CompletableFuture<RespMessage> reply, Resend resend) throws InterruptedException {
            try {
                try {
                    return reply.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RespConnection.ConnectionLost)) {
                        throw e;
                    }
                }
                return resend.send().get();
            } catch (ReplayException e) {
                replayFailed(e);
                return null;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RespProtocolException
                        || cause instanceof io.netty.handler.codec.DecoderException) {
                    skip(SkipReason.REPLY_TOO_LARGE);
                    return null;
                }
                replayFailed(cause instanceof TimeoutException ? new ReplayException("no reply in time") : cause);
                return null;
            }
        }

        private TrafficRecord decode(ConsumerRecord<String, byte[]> record) {
            if (record.value() == null) {
                skip(SkipReason.UNDECODABLE);
                logBad(record, "has no value");
                return null;
            }
            try {
                return TypedTopic.TRAFFIC.valueSerde().deserialize(record.topic(), record.value());
            } catch (SerializationException e) {
                skip(SkipReason.UNDECODABLE);
                logBad(record, "cannot be decoded: " + e.getMessage());
                return null;
            }
        }

        private void skip(SkipReason reason) {
            metrics.skipped(reason);
        }

        private long failures;

        private void replayFailed(Throwable cause) {
            skip(SkipReason.REPLAY_FAILED);
            failures++;
            if (failures <= 10 || failures % 1000 == 0) {
                log.warn("replay failed ({} so far): {}", failures, ReplayConnections.rootMessage(cause));
            }
        }

        private long bad;

        private void logBad(ConsumerRecord<String, byte[]> record, String why) {
            bad++;
            if (bad <= 10 || bad % 1000 == 0) {
                log.warn(
                        "skipped traffic record at {}-{} offset {} ({} bad so far): it {}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        bad,
                        why);
            }
        }
    }

    @FunctionalInterface
    private interface Resend {
        CompletableFuture<RespMessage> send() throws InterruptedException;
    }

    private record InFlight(ReplayPlan plan, CompletableFuture<RespMessage> reply) {}

    private static SideSnapshot snapshot(Snapshot snapshot, byte[] digest) {
        return SideSnapshot.newBuilder()
                .setType(snapshot.type())
                .setDigest(snapshot.exists() ? ByteBuffer.wrap(digest) : null)
                .setSize(snapshot.size())
                .setTtlMillis(snapshot.ttlMillis())
                .build();
    }

    private static String typeName(Snapshot snapshot) {
        return snapshot.exists() ? snapshot.type() : "(missing)";
    }

    private static void release(RespMessage[] messages) {
        if (messages != null) {
            for (RespMessage message : messages) {
                ReferenceCountUtil.release(message);
            }
        }
    }

    /** A key as logs show it: printable ASCII kept, other bytes as {@code \xNN}, cut at {@value #MAX_KEY_SHOWN}. */
    static String printable(byte[] key) {
        StringBuilder text = new StringBuilder();
        for (byte b : key) {
            if (text.length() >= MAX_KEY_SHOWN) {
                return text.append("...(").append(key.length).append(" bytes)").toString();
            }
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b & 0xff));
            }
        }
        return text.toString();
    }
}
