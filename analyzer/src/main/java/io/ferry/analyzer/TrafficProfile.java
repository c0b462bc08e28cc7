package io.ferry.analyzer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ferry.schemas.AnalysisRecord;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The overall traffic profile as the {@link Recommender} and the report read it, taken from the
 * analysis topic's overall records. Immutable.
 *
 * @param ops commands seen
 * @param spanSeconds from the start of the first window to the end of the last
 * @param averageOpsPerSecond over the span
 * @param peakOpsPerSecond of the busiest second (or window, when that is higher: a window's rate is its average)
 * @param reads read-only commands
 * @param writes commands that may write
 * @param commands by name
 * @param types by data-type group
 * @param risks commands raising each migration risk, by command
 * @param distinctKeys estimated
 * @param prefixOps operations by key prefix
 * @param distinctPrefixes estimated
 * @param connections distinct client connections, estimated
 * @param bigValues commands with a big value
 * @param biggestValue bytes
 * @param p99Micros the 99th percentile latency over all commands, -1 when unknown
 * @param badRecords undecodable traffic records
 */
public record TrafficProfile(
        long ops,
        double spanSeconds,
        double averageOpsPerSecond,
        double peakOpsPerSecond,
        long reads,
        long writes,
        Map<String, Long> commands,
        Map<String, Long> types,
        Map<MigrationRisk, Map<String, Long>> risks,
        double distinctKeys,
        Map<String, Long> prefixOps,
        double distinctPrefixes,
        double connections,
        long bigValues,
        long biggestValue,
        double p99Micros,
        long badRecords) {

    public TrafficProfile {
        commands = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
        types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
        EnumMap<MigrationRisk, Map<String, Long>> copy = new EnumMap<>(MigrationRisk.class);
        risks.forEach((risk, byCommand) -> copy.put(risk, Collections.unmodifiableMap(new LinkedHashMap<>(byCommand))));
        risks = Collections.unmodifiableMap(copy);
        prefixOps = Collections.unmodifiableMap(new LinkedHashMap<>(prefixOps));
    }

    /** No traffic seen. */
    public static final TrafficProfile NONE =
            new TrafficProfile(0, 0, 0, 0, 0, 0, Map.of(), Map.of(), Map.of(), 0, Map.of(), 0, 0, 0, 0, -1, 0);

    /** The profile in {@code snapshot}'s overall records. */
    public static TrafficProfile of(AnalysisSnapshot snapshot) {
        if (snapshot.isEmpty()) {
            return NONE;
        }
        AnalysisRecord ops = snapshot.overall(Metric.OPS).orElse(null);
        double span = ops == null
                ? 0
                : (ops.getWindowEndMillis().toEpochMilli()
                                - ops.getWindowStartMillis().toEpochMilli())
                        / 1000.0;
        Map<MigrationRisk, Map<String, Long>> risks = new EnumMap<>(MigrationRisk.class);
        snapshot.overallByDimension(Metric.RISK).forEach((name, record) -> {
            try {
                risks.put(MigrationRisk.valueOf(name), commandsOf(record.getDetail()));
            } catch (IllegalArgumentException e) {
                // A risk a newer analyzer knows: not one this recommender can act on.
            }
        });
        return new TrafficProfile(
                (long) snapshot.overallValue(Metric.OPS, 0),
                span,
                snapshot.overallValue(Metric.OPS_RATE, 0),
                Math.max(
                        snapshot.overallValue(Metric.OPS_RATE_PEAK, 0),
                        snapshot.overallValue(Metric.OPS_SECOND_MAX, 0)),
                (long) snapshot.overallValue(Metric.READ_OPS, 0),
                (long) snapshot.overallValue(Metric.WRITE_OPS, 0),
                counts(snapshot, Metric.COMMAND_OPS),
                counts(snapshot, Metric.TYPE_OPS),
                risks,
                snapshot.overallValue(Metric.KEYS_DISTINCT, 0),
                counts(snapshot, Metric.PREFIX_OPS),
                snapshot.overallValue(Metric.PREFIXES_DISTINCT, 0),
                snapshot.overallValue(Metric.CONNECTIONS_DISTINCT, 0),
                (long) snapshot.overallValue(Metric.VALUE_BIG, 0),
                (long) snapshot.overallValue(Metric.VALUE_BIG_MAX, 0),
                snapshot.overallValue(Metric.LATENCY_P99, -1),
                (long) snapshot.overallValue(Metric.RECORDS_BAD, 0));
    }

    private static Map<String, Long> counts(AnalysisSnapshot snapshot, String metric) {
        Map<String, Long> counts = new LinkedHashMap<>();
        snapshot.overallByDimension(metric).forEach((name, record) -> counts.put(name, (long) record.getValue()));
        return counts;
    }

    /** The {@code "commands"} object of a risk record's detail. */
    static Map<String, Long> commandsOf(String detail) {
        Map<String, Long> commands = new LinkedHashMap<>();
        if (detail == null) {
            return commands;
        }
        try (JsonParser json = Json.factory().createParser(detail)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                return commands;
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("commands") && value == JsonToken.START_OBJECT) {
                    while (json.nextToken() == JsonToken.FIELD_NAME) {
                        String command = json.currentName();
                        json.nextToken();
                        commands.put(command, json.getLongValue());
                    }
                } else {
                    json.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("risk detail is not the analyzer's JSON: " + e.getMessage(), e);
        }
        return commands;
    }

    /**
     * This profile with its {@link MigrationRisk#UNSUPPORTED_BY_TARGET} risk decided again for {@code
     * target}, from the exact command mix: the analyzer checked against the target it was started with,
     * the report may be for another. Commands counted only under {@value CountMap#OTHER} cannot be checked.
     */
    public TrafficProfile checkedAgainst(TargetProfile target) {
        CommandCatalog catalog = new CommandCatalog(io.ferry.resp.command.CommandTable.bundled(), target);
        Map<String, Long> unsupported = new LinkedHashMap<>();
        commands.forEach((command, count) -> {
            if (!command.equals(CountMap.OTHER) && catalog.facts(command).refusal() != null) {
                unsupported.put(command, count);
            }
        });
        EnumMap<MigrationRisk, Map<String, Long>> checked = new EnumMap<>(MigrationRisk.class);
        checked.putAll(risks);
        checked.remove(MigrationRisk.UNSUPPORTED_BY_TARGET);
        if (!unsupported.isEmpty()) {
            checked.put(MigrationRisk.UNSUPPORTED_BY_TARGET, unsupported);
        }
        return new TrafficProfile(
                ops,
                spanSeconds,
                averageOpsPerSecond,
                peakOpsPerSecond,
                reads,
                writes,
                commands,
                types,
                checked,
                distinctKeys,
                prefixOps,
                distinctPrefixes,
                connections,
                bigValues,
                biggestValue,
                p99Micros,
                badRecords);
    }

    /** Commands raising {@code risk}. */
    public long riskOps(MigrationRisk risk) {
        return risks.getOrDefault(risk, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Reads / (reads + writes); 0 without either. */
    public double readRatio() {
        return reads + writes == 0 ? 0 : (double) reads / (reads + writes);
    }
}
