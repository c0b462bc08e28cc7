package io.ferry.analyzer;

import io.ferry.schemas.AnalysisRecord;
import org.HdrHistogram.Histogram;
import org.apache.datasketches.hll.HllSketch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link ProfileSketch} into the records of the analysis topic: one per metric and dimension,
 * names in {@link Metric}. Window records carry the window's bounds; records of the overall profile
 * have their metric names prefixed with {@value #OVERALL_PREFIX} and span from the first window to
 * the end of the last. Stateless apart from its configuration; thread-safe.
 */
final class AnalysisRecords {
    static final String OVERALL_PREFIX = "overall.";
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String[] PERCENTILE_NAMES = {
        Metric.LATENCY_P50, Metric.LATENCY_P90, Metric.LATENCY_P99, Metric.LATENCY_P999
    };

    private final AnalyzerConfig config;
    private final CommandCatalog catalog;

    AnalysisRecords(AnalyzerConfig config, CommandCatalog catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    /** The records of one window's profile. */
    List<AnalysisRecord> window(long windowStart, ProfileSketch profile) {
        return records("", windowStart, windowStart + config.window().toMillis(), profile);
    }

    /** The records of the overall profile. */
    List<AnalysisRecord> overall(ProfileSketch profile) {
        long start = profile.ops > 0 ? config.windowStart(profile.firstMicros / 1000) : 0;
        long end = profile.ops > 0
                ? config.windowStart(profile.lastMicros / 1000)
                        + config.window().toMillis()
                : 0;
        List<AnalysisRecord> records = records(OVERALL_PREFIX, start, end, profile);
        double windowSeconds = config.window().toMillis() / 1000.0;
        records.add(record(
                OVERALL_PREFIX + Metric.OPS_RATE_PEAK,
                null,
                start,
                end,
                profile.peakWindowOps / windowSeconds,
                profile.peakWindowOps,
                null));
        return records;
    }

    private List<AnalysisRecord> records(String scope, long start, long end, ProfileSketch p) {
        List<AnalysisRecord> out = new ArrayList<>();
        Emitter emit = (metric, dimension, value, count, detail) ->
                out.add(record(scope + metric, dimension, start, end, value, count, detail));
        double seconds = Math.max(0.001, (end - start) / 1000.0);
        emit.add(Metric.OPS, null, p.ops, p.ops, null);
        emit.add(Metric.OPS_RATE, null, p.ops / seconds, p.ops, null);
        emit.add(Metric.OPS_SECOND_MAX, null, p.busiestSecond(), p.ops, null);
        emit.add(Metric.RECORDS_BAD, null, p.badRecords, p.badRecords, null);
        counts(emit, Metric.COMMAND_OPS, p.commands.asMap());
        counts(emit, Metric.KIND_OPS, p.kinds.asMap());
        counts(emit, Metric.TYPE_OPS, p.types.asMap());
        counts(emit, Metric.DB_OPS, p.dbs.asMap());
        emit.add(Metric.READ_OPS, null, p.reads, p.reads, null);
        emit.add(Metric.WRITE_OPS, null, p.writes, p.writes, null);
        long readWrite = p.reads + p.writes;
        emit.add(Metric.READ_RATIO, null, readWrite == 0 ? 0 : (double) p.reads / readWrite, readWrite, null);
        latency(emit, null, p.latency.all());
        p.latency.byCommand().forEach((command, histogram) -> latency(emit, command, histogram));
        for (HotKeys.HotKey key : p.hotKeys.top(config.topKeys())) {
            emit.add(Metric.KEY_HOT, key.key(), key.estimate(), key.estimate(), Json.write(json -> {
                json.writeStartObject();
                json.writeNumberField("lowerBound", key.lowerBound());
                json.writeNumberField("upperBound", key.upperBound());
                json.writeEndObject();
            }));
        }
        distinct(emit, Metric.KEYS_DISTINCT, null, p.keys);
        counts(emit, Metric.PREFIX_OPS, p.prefixes.ops());
        p.prefixes.keys().forEach((prefix, sketch) -> distinct(emit, Metric.PREFIX_KEYS, prefix, sketch));
        distinct(emit, Metric.PREFIXES_DISTINCT, null, p.prefixes.distinct());
        distinct(emit, Metric.CONNECTIONS_DISTINCT, null, p.connections);
        distinct(emit, Metric.NODES_DISTINCT, null, p.nodes);
        if (!p.clients.isEmpty()) {
            distinct(emit, Metric.CLIENTS_DISTINCT, null, p.clients);
        }
        emit.add(Metric.VALUE_BIG, null, p.bigValues.count(), p.bigValues.count(), Json.write(json -> {
            json.writeStartObject();
            json.writeNumberField("thresholdBytes", config.bigValueBytes());
            json.writeNumberField("maxBytes", p.bigValues.maxBytes());
            json.writeObjectFieldStart("byCommand");
            for (Map.Entry<String, Long> entry : p.bigValues.byCommand().asMap().entrySet()) {
                json.writeNumberField(entry.getKey(), entry.getValue());
            }
            json.writeEndObject();
            json.writeArrayFieldStart("largest");
            for (BigValues.Example example : p.bigValues.examples()) {
                json.writeStartObject();
                json.writeStringField("command", example.command());
                json.writeStringField("key", example.key());
                json.writeStringField("where", example.where());
                json.writeNumberField("bytes", example.bytes());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }));
        emit.add(Metric.VALUE_BIG_MAX, null, p.bigValues.maxBytes(), p.bigValues.count(), null);
        p.risks.forEach((risk, byCommand) ->
                emit.add(Metric.RISK, risk.name(), byCommand.total(), byCommand.total(), Json.write(json -> {
                    json.writeStartObject();
                    json.writeStringField("description", risk.description());
                    json.writeObjectFieldStart("commands");
                    for (Map.Entry<String, Long> entry : byCommand.asMap().entrySet()) {
                        json.writeNumberField(entry.getKey(), entry.getValue());
                    }
                    json.writeEndObject();
                    if (risk == MigrationRisk.UNSUPPORTED_BY_TARGET) {
                        json.writeStringField("target", config.target().toString());
                        json.writeObjectFieldStart("reasons");
                        for (String command : byCommand.asMap().keySet()) {
                            String refusal = catalog.facts(command).refusal();
                            json.writeStringField(command, refusal == null ? "see the target profile" : refusal);
                        }
                        json.writeEndObject();
                    }
                    json.writeEndObject();
                })));
        return out;
    }

    @FunctionalInterface
    private interface Emitter {
        void add(String metric, String dimension, double value, long count, String detail);
    }

    private static void counts(Emitter emit, String metric, Map<String, Long> counts) {
        counts.forEach((name, count) -> emit.add(metric, name, count, count, null));
    }

    private static void latency(Emitter emit, String command, Histogram histogram) {
        long count = histogram.getTotalCount();
        if (count == 0) {
            return;
        }
        for (int i = 0; i < PERCENTILES.length; i++) {
            emit.add(PERCENTILE_NAMES[i], command, histogram.getValueAtPercentile(PERCENTILES[i]), count, null);
        }
        emit.add(Metric.LATENCY_MAX, command, histogram.getMaxValue(), count, null);
    }

    private static void distinct(Emitter emit, String metric, String dimension, HllSketch sketch) {
        emit.add(metric, dimension, sketch.getEstimate(), Math.round(sketch.getEstimate()), Json.write(json -> {
            json.writeStartObject();
            json.writeNumberField("lowerBound", sketch.getLowerBound(2));
            json.writeNumberField("upperBound", sketch.getUpperBound(2));
            json.writeEndObject();
        }));
    }

    private AnalysisRecord record(
            String metric, String dimension, long start, long end, double value, long count, String detail) {
        return AnalysisRecord.newBuilder()
                .setRunId(config.runId())
                .setWindowStartMillis(java.time.Instant.ofEpochMilli(start))
                .setWindowEndMillis(java.time.Instant.ofEpochMilli(end))
                .setMetric(metric)
                .setDimension(dimension)
                .setValue(value)
                .setCount(count)
                .setDetail(detail)
                .build();
    }
}
