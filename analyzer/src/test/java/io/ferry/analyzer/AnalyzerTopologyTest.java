package io.ferry.analyzer;

import io.ferry.schemas.AnalysisRecord;
import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The analyzer's topology under TopologyTestDriver: each metric, with figures that could come out wrong. */
class AnalyzerTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final TopicRegistry TOPICS =
            TopicRegistry.builder().prefix("t").build();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> traffic;
    private TestOutputTopic<String, AnalysisRecord> analysis;

    private void start(AnalyzerConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "analyzer-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(AnalyzerTopology.topology(config, TOPICS), props, T0);
        traffic = driver.createInputTopic(
                TOPICS.name(Topic.TRAFFIC), new StringSerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        analysis = driver.createOutputTopic(
                TOPICS.name(Topic.ANALYSIS),
                new StringDeserializer(),
                TypedTopic.ANALYSIS.valueSerde().deserializer());
    }

    private void start() {
        start(AnalyzerConfig.DEFAULTS);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(Traffic... records) {
        for (Traffic record : records) {
            TrafficRecord value = record.build();
            traffic.pipeInput(
                    TypedTopic.TRAFFIC.keyOf(value),
                    TypedTopic.TRAFFIC.valueSerde().serialize("t.traffic", value));
        }
    }

    /** Passes the emit interval twice: the first stage forwards, the second publishes. */
    private AnalysisSnapshot publish() {
        driver.advanceWallClockTime(AnalyzerConfig.DEFAULT_EMIT_INTERVAL);
        driver.advanceWallClockTime(AnalyzerConfig.DEFAULT_EMIT_INTERVAL);
        AnalysisSnapshot snapshot = new AnalysisSnapshot(100);
        analysis.readValuesToList().forEach(snapshot::add);
        return snapshot;
    }

    private static Map<String, Long> counts(AnalysisSnapshot snapshot, String metric) {
        return snapshot.overallByDimension(metric).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e ->
                (long) e.getValue().getValue()));
    }

    @Test
    void countsTheCommandMixExactly() {
        start();
        Random random = new Random(7);
        int gets = 0;
        int sets = 0;
        int incrs = 0;
        for (int i = 0; i < 3000; i++) {
            switch (random.nextInt(3)) {
                case 0 -> {
                    send(Traffic.command("GET", "k:" + i));
                    gets++;
                }
                case 1 -> {
                    send(Traffic.command("SET", "k:" + i).args("k:" + i, "v"));
                    sets++;
                }
                default -> {
                    send(Traffic.command("INCR", "n:" + i));
                    incrs++;
                }
            }
        }
        send(Traffic.command("CLIENT SETNAME").args("app"));
        AnalysisSnapshot snapshot = publish();

        assertThat(counts(snapshot, Metric.COMMAND_OPS))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("GET", (long) gets, "SET", (long) sets, "INCR", (long) incrs, "CLIENT SETNAME", 1L));
        assertThat(snapshot.overallValue(Metric.OPS, -1)).isEqualTo(3001);
        assertThat(counts(snapshot, Metric.KIND_OPS))
                .containsEntry("READ", (long) gets)
                .containsEntry("WRITE", (long) (sets + incrs))
                .containsEntry("CONNECTION", 1L);
        assertThat(snapshot.overallValue(Metric.READ_RATIO, -1))
                .isCloseTo((double) gets / (gets + sets + incrs), within(1e-9));
        assertThat(counts(snapshot, Metric.TYPE_OPS)).containsEntry("string", (long) (gets + sets + incrs));
        assertThat(snapshot.overallValue(Metric.RECORDS_BAD, -1)).isZero();
        // All within one minute: one window, holding everything.
        assertThat(snapshot.windows()).hasSize(1);
        assertThat(snapshot.windowValue(T0.toEpochMilli(), Metric.OPS)).contains(3001.0);
    }

    @Test
    void latencyPercentilesAreWithinTheHistogramsPrecision() {
        start();
        for (int micros = 1; micros <= 10_000; micros++) {
            send(Traffic.command("GET", "k").latency(micros));
        }
        send(Traffic.command("SET", "k").latency(-1));
        AnalysisSnapshot snapshot = publish();

        assertThat(snapshot.overall(Metric.LATENCY_P50, "GET").orElseThrow().getValue())
                .isCloseTo(5000, within(50.0));
        assertThat(snapshot.overall(Metric.LATENCY_P99, "GET").orElseThrow().getValue())
                .isCloseTo(9900, within(99.0));
        assertThat(snapshot.overall(Metric.LATENCY_MAX, "GET").orElseThrow().getValue())
                .isCloseTo(10_000, within(100.0));
        assertThat(snapshot.overall(Metric.LATENCY_P99, "GET").orElseThrow().getCount())
                .isEqualTo(10_000);
        // Latency unknown (-1): counted as a command, not in any histogram.
        assertThat(snapshot.overall(Metric.LATENCY_P99, "SET")).isEmpty();
        assertThat(snapshot.overall(Metric.LATENCY_P99).orElseThrow().getCount())
                .isEqualTo(10_000);
    }

    @Test
    void findsTheHotKeys() {
        start();
        Random random = new Random(3);
        for (int i = 0; i < 30_000; i++) {
            send(Traffic.command("GET", "cold:" + random.nextInt(20_000)));
            if (i % 10 == 0) {
                send(Traffic.command("GET", "hot:a"));
            }
            if (i % 20 == 0) {
                send(Traffic.command("INCR", "hot:b"));
            }
        }
        AnalysisSnapshot snapshot = publish();

        Map<String, AnalysisRecord> hot = snapshot.overallByDimension(Metric.KEY_HOT);
        assertThat(hot.keySet()).startsWith("hot:a", "hot:b");
        long total = 30_000 + 3000 + 1500;
        long bound = (long) Math.ceil(3.5 * total / HotKeys.MAP_SIZE);
        assertThat(hot.get("hot:a").getValue()).isCloseTo(3000, within((double) bound));
        assertThat(hot.get("hot:b").getValue()).isCloseTo(1500, within((double) bound));
        assertThat(hot.values().stream().mapToDouble(AnalysisRecord::getValue)).allMatch(v -> v > 0);
    }

    @Test
    void estimatesDistinctKeysAndPrefixesWithinTheirErrorBounds() {
        start();
        for (int i = 0; i < 20_000; i++) {
            send(Traffic.command("GET", "user:" + i));
            if (i < 5000) {
                send(Traffic.command("HGET", "order:" + i));
                send(Traffic.command("HGET", "order:" + i));
            }
        }
        send(Traffic.command("GET", "plain"));
        AnalysisSnapshot snapshot = publish();

        // lgK 12: relative standard error 1.6 %; 3 sigmas.
        assertThat(snapshot.overallValue(Metric.KEYS_DISTINCT, 0)).isCloseTo(25_001, within(25_001 * 0.05));
        assertThat(counts(snapshot, Metric.PREFIX_OPS))
                .containsExactlyInAnyOrderEntriesOf(Map.of("user", 20_000L, "order", 10_000L, "(none)", 1L));
        // lgK 8 per prefix: 6.5 %; 3 sigmas.
        assertThat(snapshot.overall(Metric.PREFIX_KEYS, "user").orElseThrow().getValue())
                .isCloseTo(20_000, within(20_000 * 0.2));
        assertThat(snapshot.overall(Metric.PREFIX_KEYS, "order").orElseThrow().getValue())
                .isCloseTo(5000, within(5000 * 0.2));
        assertThat(snapshot.overallValue(Metric.PREFIXES_DISTINCT, 0)).isCloseTo(3, within(0.5));
        assertThat(counts(snapshot, Metric.TYPE_OPS))
                .containsEntry("hash", 10_000L)
                .containsEntry("string", 20_001L);
    }

    @Test
    void countsClientsAndConnections() {
        start();
        for (int node = 0; node < 3; node++) {
            for (int connection = 0; connection < 100; connection++) {
                send(Traffic.command("PING").connection("proxy-" + node, "c" + connection));
            }
        }
        AnalysisSnapshot snapshot = publish();

        assertThat(snapshot.overallValue(Metric.CONNECTIONS_DISTINCT, 0)).isCloseTo(300, within(15.0));
        assertThat(snapshot.overallValue(Metric.NODES_DISTINCT, 0)).isCloseTo(3, within(0.5));
        // The proxy's connections are numbered: no client hosts to count.
        assertThat(snapshot.overall(Metric.CLIENTS_DISTINCT)).isEmpty();
    }

    @Test
    void countsClientHostsOfCapturedTraffic() {
        start();
        for (int host = 0; host < 20; host++) {
            for (int port = 0; port < 5; port++) {
                send(Traffic.command("GET", "k")
                        .fromPcap()
                        .connection("capture-1", "10.0.0." + host + ":" + (50_000 + port)));
            }
        }
        AnalysisSnapshot snapshot = publish();

        assertThat(snapshot.overallValue(Metric.CLIENTS_DISTINCT, 0)).isCloseTo(20, within(1.0));
        assertThat(snapshot.overallValue(Metric.CONNECTIONS_DISTINCT, 0)).isCloseTo(100, within(5.0));
    }

    @Test
    void flagsRiskyUsageForAMigration() {
        start(AnalyzerConfig.DEFAULTS.withTarget(TargetProfile.ELASTICACHE.withVersion("6.0")));
        send(
                Traffic.command("MULTI"),
                Traffic.command("SET", "a").args("a", "1"),
                Traffic.command("EXEC"),
                Traffic.command("WATCH", "a"),
                Traffic.command("EVALSHA").args("abc", "0"),
                Traffic.command("FCALL").args("f", "0"),
                Traffic.command("SUBSCRIBE").args("news"),
                Traffic.command("PUBLISH").args("news", "hi"),
                Traffic.command("BLPOP", "q").args("q", "0"),
                Traffic.command("XREAD", "s").args("COUNT", "1", "STREAMS", "s", "0"),
                Traffic.command("XREAD", "s").args("BLOCK", "100", "STREAMS", "s", "$"),
                Traffic.command("SELECT").args("0"),
                Traffic.command("SELECT").args("3"),
                Traffic.command("GET", "b").db(3),
                Traffic.command("KEYS").args("*"),
                Traffic.command("FLUSHALL"),
                Traffic.command("FOO.BAR").args("x"),
                Traffic.command("CONFIG SET").args("maxmemory", "1gb"),
                Traffic.command("GETEX", "c").args("c", "EX", "10"));
        AnalysisSnapshot snapshot = publish();

        Map<String, Long> risks = counts(snapshot, Metric.RISK);
        assertThat(risks)
                .containsEntry("TRANSACTION", 2L)
                .containsEntry("WATCH", 1L)
                .containsEntry("SCRIPTING", 2L)
                .containsEntry("PUBSUB", 2L)
                .containsEntry("BLOCKING", 2L) // BLPOP and XREAD BLOCK, not the XREAD without BLOCK
                .containsEntry("NON_ZERO_DB", 2L) // SELECT 3 and the GET in db 3
                .containsEntry("UNKNOWN_COMMAND", 1L);
        assertThat(risks.get("DANGEROUS")).isGreaterThanOrEqualTo(3L); // KEYS, FLUSHALL, CONFIG SET
        String dangerous =
                snapshot.overall(Metric.RISK, "DANGEROUS").orElseThrow().getDetail();
        assertThat(dangerous).contains("\"KEYS\":1", "\"FLUSHALL\":1");
        String unsupported = snapshot.overall(Metric.RISK, "UNSUPPORTED_BY_TARGET")
                .orElseThrow()
                .getDetail();
        assertThat(unsupported)
                .contains("\"FOO.BAR\":1", "\"CONFIG SET\":1", "\"GETEX\":1", "\"FCALL\":1")
                .contains("disabled on elasticache", "added in Redis 6.2.0, the target runs 6.0");
        assertThat(unsupported).doesNotContain("\"GET\"");
        assertThat(risks.get("UNSUPPORTED_BY_TARGET")).isEqualTo(4L);
    }

    @Test
    void skipsAndCountsRecordsThatAreNotTraffic() {
        start();
        send(Traffic.command("GET", "a"));
        traffic.pipeInput("x/y", "not avro at all".getBytes(StandardCharsets.UTF_8));
        traffic.pipeInput("x/y", (byte[]) null);
        send(Traffic.command("GET", "b"));
        AnalysisSnapshot snapshot = publish();

        assertThat(snapshot.overallValue(Metric.RECORDS_BAD, -1)).isEqualTo(2);
        assertThat(snapshot.overallValue(Metric.OPS, -1)).isEqualTo(2);
    }

    @Test
    void keepsWindowsApartAndTheOverallProfileWhole() {
        start(AnalyzerConfig.DEFAULTS.withWindow(Duration.ofSeconds(10)));
        for (int i = 0; i < 50; i++) {
            send(Traffic.command("GET", "a").at(T0.plusMillis(i)));
        }
        for (int i = 0; i < 200; i++) {
            send(Traffic.command("GET", "a").at(T0.plusSeconds(10).plusMillis(i)));
        }
        send(Traffic.command("GET", "a").at(T0.plusSeconds(25)));
        AnalysisSnapshot snapshot = publish();

        long start = T0.toEpochMilli();
        assertThat(snapshot.windows().keySet()).containsExactly(start, start + 10_000, start + 20_000);
        assertThat(snapshot.windowValue(start, Metric.OPS)).contains(50.0);
        assertThat(snapshot.windowValue(start + 10_000, Metric.OPS)).contains(200.0);
        assertThat(snapshot.windowValue(start + 10_000, Metric.OPS_RATE)).contains(20.0);
        assertThat(snapshot.overallValue(Metric.OPS, 0)).isEqualTo(251);
        assertThat(snapshot.overallValue(Metric.OPS_RATE_PEAK, 0)).isEqualTo(20.0);
        // The busiest second: the 200 commands of the second window all came within 200 ms.
        assertThat(snapshot.windowValue(start, Metric.OPS_SECOND_MAX)).contains(50.0);
        assertThat(snapshot.overallValue(Metric.OPS_SECOND_MAX, 0)).isEqualTo(200.0);
        AnalysisRecord total = snapshot.overall(Metric.OPS).orElseThrow();
        assertThat(total.getWindowStartMillis()).isEqualTo(T0);
        assertThat(total.getWindowEndMillis()).isEqualTo(T0.plusSeconds(30));

        KeyValueStore<Long, ProfileSketch> windows = driver.getKeyValueStore(AnalyzerStores.WINDOWS);
        assertThat(windows.get(start + 10_000).ops()).isEqualTo(200);
        KeyValueStore<String, ProfileSketch> overall = driver.getKeyValueStore(AnalyzerStores.OVERALL);
        assertThat(overall.get(AnalyzerStores.OVERALL_KEY).ops()).isEqualTo(251);
    }

    @Test
    void keepsOnlyTheNewestWindows() {
        start(AnalyzerConfig.DEFAULTS.withWindow(Duration.ofSeconds(1)).withWindowsKept(3));
        for (int second = 0; second < 10; second++) {
            send(Traffic.command("GET", "a").at(T0.plusSeconds(second)));
            publish();
        }
        KeyValueStore<Long, ProfileSketch> windows = driver.getKeyValueStore(AnalyzerStores.WINDOWS);
        Set<Long> kept = new java.util.TreeSet<>();
        try (var all = windows.all()) {
            all.forEachRemaining(entry -> kept.add(entry.key));
        }
        long start = T0.toEpochMilli();
        assertThat(kept).containsExactly(start + 7000, start + 8000, start + 9000);
    }

    @Test
    void reportsBigValuesInRepliesAndArguments() {
        start(AnalyzerConfig.DEFAULTS.withBigValueBytes(1000));
        send(
                Traffic.command("GET", "small").responseSize(999),
                Traffic.command("GET", "big:reply").responseSize(5000),
                Traffic.command("SET", "big:arg").argOfSize(2000),
                Traffic.command("SET", "small").argOfSize(10));
        AnalysisSnapshot snapshot = publish();

        assertThat(snapshot.overallValue(Metric.VALUE_BIG, 0)).isEqualTo(2);
        assertThat(snapshot.overallValue(Metric.VALUE_BIG_MAX, 0)).isEqualTo(5000);
        assertThat(snapshot.overall(Metric.VALUE_BIG).orElseThrow().getDetail())
                .contains(
                        "\"key\":\"big:reply\"", "\"where\":\"reply\"", "\"key\":\"big:arg\"", "\"where\":\"argument\"")
                .doesNotContain("small");
    }

    @Test
    void aProfileSurvivesItsSerializedForm() throws Exception {
        ProfileSketch sketch = ProfileSketch.empty(AnalyzerConfig.DEFAULTS);
        CommandCatalog catalog = new CommandCatalog(io.ferry.resp.command.CommandTable.bundled(), TargetProfile.REDIS);
        KeyPrefix prefix = new KeyPrefix(":");
        for (int i = 0; i < 1000; i++) {
            sketch.observe(
                    Traffic.command("GET", "p" + (i % 7) + ":" + i).latency(i).build(),
                    catalog.facts("GET"),
                    prefix,
                    100);
            sketch.observe(Traffic.command("GET", "hot:" + (i % 3)).build(), catalog.facts("GET"), prefix, 100);
        }
        ProfileSketch copy = ProfileSketch.fromBytes(sketch.toBytes());
        assertThat(copy.ops()).isEqualTo(2000);
        assertThat(copy.latency.all().getTotalCount()).isEqualTo(1000);
        assertThat(copy.hotKeys.top(3))
                .extracting(HotKeys.HotKey::key)
                .containsExactlyInAnyOrder("hot:0", "hot:1", "hot:2");
        assertThat(copy.latency.all().getValueAtPercentile(99))
                .isEqualTo(sketch.latency.all().getValueAtPercentile(99));
        assertThat(copy.keys.getEstimate()).isEqualTo(sketch.keys.getEstimate());
        assertThat(copy.prefixes.ops()).isEqualTo(sketch.prefixes.ops());
        // Merging the copy doubles every count.
        assertThat(copy.merge(sketch).commands.get("GET")).isEqualTo(4000);
        byte[] cut = java.util.Arrays.copyOf(sketch.toBytes(), 100);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProfileSketch.fromBytes(cut))
                .isInstanceOf(java.io.IOException.class);
    }
}
