package io.ferry.analyzer;

import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The analyzer's topology, built in one place so the same code runs under {@code TopologyTestDriver}
 * and on a broker.
 *
 * <pre>
 * traffic (bytes) ─▶ TrafficFolder ×partitions ─▶ repartition "profile-deltas" (1 partition, by window)
 *                    [buffer, pending]              ─▶ ProfileMerger ×1 ─▶ analysis
 *                                                      [windows, overall, changed]
 * </pre>
 *
 * <p>Why two stages: the work per traffic record (decoding, classifying, updating sketches) happens in
 * the first stage, on as many tasks as the traffic topic has partitions, so it scales with instances;
 * only a partial profile per window and emit interval crosses to the second stage, which is one task
 * because the overall profile needs every partition's traffic. The traffic values are read as bytes
 * and decoded in the first stage, so a record that is not a traffic record is counted in the profile
 * ({@code records.bad}) rather than only dropped.
 */
public final class AnalyzerTopology {
    /** Name of the repartition topic between the stages (prefixed with the application id by Kafka Streams). */
    public static final String DELTAS = "profile-deltas";

    private AnalyzerTopology() {}

    /** Adds the analyzer to {@code builder}: traffic from and analysis to {@code topics}' names. */
    public static void build(StreamsBuilder builder, AnalyzerConfig config, TopicRegistry topics) {
        builder.addStateStore(new DeltaBuffer.Builder(AnalyzerStores.BUFFER));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(AnalyzerStores.PENDING),
                        Serdes.Long(),
                        ProfileSketchSerde.INSTANCE)
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(AnalyzerStores.WINDOWS),
                        Serdes.Long(),
                        ProfileSketchSerde.INSTANCE)
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(AnalyzerStores.OVERALL),
                        Serdes.String(),
                        ProfileSketchSerde.INSTANCE)
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(AnalyzerStores.CHANGED), Serdes.Long(), Serdes.Long())
                .withCachingDisabled());

        builder.stream(
                        topics.name(Topic.TRAFFIC),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("traffic"))
                .process(
                        () -> new TrafficFolder(config),
                        Named.as("fold"),
                        AnalyzerStores.BUFFER,
                        AnalyzerStores.PENDING)
                .repartition(Repartitioned.with(Serdes.Long(), ProfileSketchSerde.INSTANCE)
                        .withName(DELTAS)
                        .withNumberOfPartitions(1))
                .process(
                        () -> new ProfileMerger(config),
                        Named.as("merge"),
                        AnalyzerStores.WINDOWS,
                        AnalyzerStores.OVERALL,
                        AnalyzerStores.CHANGED)
                .to(
                        topics.name(Topic.ANALYSIS),
                        Produced.with(TypedTopic.ANALYSIS.keySerde(), TypedTopic.ANALYSIS.valueSerde())
                                .withName("analysis"));
    }

    /** The topology on its own, for tests and for describing it. */
    public static Topology topology(AnalyzerConfig config, TopicRegistry topics) {
        StreamsBuilder builder = new StreamsBuilder();
        build(builder, config, topics);
        return builder.build();
    }
}
