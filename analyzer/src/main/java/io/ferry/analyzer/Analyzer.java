package io.ferry.analyzer;

import io.ferry.schemas.TopicRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * One analyzer instance: the {@link AnalyzerTopology} running as a Kafka Streams application with
 * the id {@value #APPLICATION_ID_PREFIX}{@code <run-id>}. Instances with the same id share the work
 * (the traffic partitions); a restarted instance resumes from its committed offsets and its stores'
 * changelogs. Processing is exactly-once by default, so neither a restart nor a crash counts a
 * command twice or loses one.
 *
 * <p>Thread-safe: {@link #start()}, {@link #close} and the queries may be called from any thread.
 */
public final class Analyzer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Analyzer.class);
    public static final String APPLICATION_ID_PREFIX = "ferry-analyzer.";
    /** The run id of an analysis outside any migration run. */
    public static final String DEFAULT_RUN = "default";

    /** How Kafka Streams processes: see {@link StreamsConfig#PROCESSING_GUARANTEE_CONFIG}. */
    public enum Guarantee {
        /** Counts exact across crashes: input offsets, state and output committed atomically. */
        EXACTLY_ONCE(StreamsConfig.EXACTLY_ONCE_V2),
        /** Faster commits; after a crash (not a clean stop) the last commit interval may be counted twice. */
        AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE);

        private final String config;

        Guarantee(String config) {
            this.config = config;
        }
    }

    private final KafkaStreams streams;
    private final String applicationId;

    /**
     * An analyzer not yet started.
     *
     * @param kafka client settings, {@code bootstrap.servers} at least
     * @param stateDir where the stores live on disk
     * @param threads stream threads in this instance
     */
    public Analyzer(
            AnalyzerConfig config,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Path stateDir,
            Guarantee guarantee,
            int threads) {
        String run = config.runId() == null ? DEFAULT_RUN : config.runId();
        this.applicationId = APPLICATION_ID_PREFIX + run;
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, Objects.requireNonNull(guarantee, "guarantee").config);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        // The traffic values are decoded (and bad ones counted) in the topology; anything else that does not
        // deserialize is logged and skipped, never fatal.
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        this.streams = new KafkaStreams(AnalyzerTopology.topology(config, topics), props);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Analyzer {} stream thread failed; replacing it", applicationId, e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
    }

    public String applicationId() {
        return applicationId;
    }

    public void start() {
        log.info("Analyzer {} starting", applicationId);
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Tasks this instance runs now: one per traffic partition it folds, plus the merge task if it has it. */
    public int activeTasks() {
        return streams.metadataForLocalThreads().stream()
                .mapToInt(thread -> thread.activeTasks().size())
                .sum();
    }

    /**
     * The overall profile, from this instance's store: empty when the merging task runs on another
     * instance, or is still restoring.
     */
    public Optional<ProfileSketch> overall() {
        return get(AnalyzerStores.OVERALL, AnalyzerStores.OVERALL_KEY);
    }

    /** The profile of the window starting at {@code windowStart}, from this instance's store, when it has it. */
    public Optional<ProfileSketch> window(long windowStart) {
        return get(AnalyzerStores.WINDOWS, windowStart);
    }

    private <K> Optional<ProfileSketch> get(String store, K key) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return Optional.empty();
        }
        try {
            ReadOnlyKeyValueStore<K, ProfileSketch> local = streams.store(
                    StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<K, ProfileSketch>keyValueStore()));
            return Optional.ofNullable(local.get(key));
        } catch (InvalidStateStoreException e) {
            // Rebalancing, restoring, or hosted on another instance: nothing to read here right now.
            log.debug("Store {} not queryable here now: {}", store, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Stops, committing what was processed, and leaves the group; waits up to {@code timeout}. Kafka Streams stays in
     * the group on close by default, so an analyzer started again (or another instance) would wait out the session
     * timeout (45 s) before its tasks are assigned; leaving hands them over at once.
     */
    public void close(Duration timeout) {
        log.info("Analyzer {} stopping", applicationId);
        streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
