package io.ferry.analyzer;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of {@code ferry analyze}: the traffic profile, what the source said about itself, and the
 * recommendation, as a human summary and as a JSON document. Immutable.
 *
 * @param runId the run analyzed, or null
 * @param source the source endpoint as shown to people (no password), or null
 * @param target the target profile the traffic was checked against
 * @param traffic the overall traffic profile
 * @param server the source's INFO, or null when not read
 * @param recommendation what to do
 */
public record AnalysisReport(
        String runId,
        String source,
        TargetProfile target,
        TrafficProfile traffic,
        SourceServer server,
        Recommendation recommendation) {

    private static final int TOP = 10;

    /** A few lines for a terminal. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        TrafficProfile t = traffic;
        out.append(String.format(
                Locale.ROOT,
                "traffic: %,d commands over %.0f s, %.1f/s on average, %.1f/s at peak; reads %.0f %% of reads+writes%n",
                t.ops(),
                t.spanSeconds(),
                t.averageOpsPerSecond(),
                t.peakOpsPerSecond(),
                t.readRatio() * 100));
        out.append("commands: ").append(top(t.commands())).append('\n');
        out.append("data types: ").append(top(t.types())).append('\n');
        out.append(String.format(
                Locale.ROOT,
                "keys: ~%,.0f distinct, ~%,.0f prefixes %s; ~%,.0f connections; p99 latency %s%n",
                t.distinctKeys(),
                t.distinctPrefixes(),
                top(t.prefixOps()),
                t.connections(),
                t.p99Micros() < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f µs", t.p99Micros())));
        if (!t.risks().isEmpty()) {
            out.append("risks: ")
                    .append(t.risks().entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining("; ")))
                    .append('\n');
        }
        if (server != null) {
            out.append(String.format(
                    Locale.ROOT,
                    "source: Redis %s, %s used, maxmemory %s (%s), %,d keys, %,d clients, %,d ops/s%n",
                    server.version(),
                    Recommender.bytes(server.usedMemory()),
                    server.maxMemory() == 0 ? "none" : Recommender.bytes(server.maxMemory()),
                    server.maxMemoryPolicy(),
                    server.keys(),
                    server.connectedClients(),
                    server.opsPerSecond()));
        }
        Recommendation r = recommendation;
        out.append(String.format(
                Locale.ROOT,
                "recommendation: target %s with %s of memory and %,d commands/s; strategy %s; writes %s; reads %s%n",
                target,
                Recommender.bytes(r.targetMemoryBytes()),
                r.targetOpsPerSecond(),
                r.strategy(),
                r.writePolicy(),
                r.readMode()));
        r.strategyReasons()
                .forEach(reason -> out.append("  why: ").append(reason).append('\n'));
        r.warnings()
                .forEach(warning -> out.append("  warning: ").append(warning).append('\n'));
        return out.toString();
    }

    private static String top(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(TOP)
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** The JSON document. */
    public String toJson() {
        return Json.write(this::write, true);
    }

    /** Writes the JSON document to {@code file}, replacing it. */
    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
    }

    private void write(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("runId", runId);
        json.writeStringField("source", source);
        json.writeObjectFieldStart("target");
        json.writeStringField("profile", target.name());
        json.writeStringField("version", target.version());
        strings(json, "disabledCommands", List.copyOf(target.disabled()));
        json.writeEndObject();

        TrafficProfile t = traffic;
        json.writeObjectFieldStart("traffic");
        json.writeNumberField("ops", t.ops());
        json.writeNumberField("spanSeconds", t.spanSeconds());
        json.writeNumberField("averageOpsPerSecond", t.averageOpsPerSecond());
        json.writeNumberField("peakOpsPerSecond", t.peakOpsPerSecond());
        json.writeNumberField("reads", t.reads());
        json.writeNumberField("writes", t.writes());
        json.writeNumberField("readRatio", t.readRatio());
        counts(json, "commands", t.commands());
        counts(json, "types", t.types());
        json.writeObjectFieldStart("risks");
        for (Map.Entry<MigrationRisk, Map<String, Long>> risk : t.risks().entrySet()) {
            counts(json, risk.getKey().name(), risk.getValue());
        }
        json.writeEndObject();
        json.writeNumberField("distinctKeys", Math.round(t.distinctKeys()));
        counts(json, "prefixes", t.prefixOps());
        json.writeNumberField("distinctPrefixes", Math.round(t.distinctPrefixes()));
        json.writeNumberField("connections", Math.round(t.connections()));
        json.writeNumberField("bigValues", t.bigValues());
        json.writeNumberField("biggestValueBytes", t.biggestValue());
        json.writeNumberField("p99Micros", t.p99Micros());
        json.writeNumberField("badRecords", t.badRecords());
        json.writeEndObject();

        if (server == null) {
            json.writeNullField("sourceServer");
        } else {
            json.writeObjectFieldStart("sourceServer");
            json.writeStringField("version", server.version());
            json.writeNumberField("usedMemory", server.usedMemory());
            json.writeNumberField("maxMemory", server.maxMemory());
            json.writeStringField("maxMemoryPolicy", server.maxMemoryPolicy());
            json.writeNumberField("keys", server.keys());
            json.writeNumberField("connectedClients", server.connectedClients());
            json.writeNumberField("opsPerSecond", server.opsPerSecond());
            json.writeBooleanField("aof", server.aof());
            json.writeBooleanField("rdbSnapshots", server.rdbSaves());
            json.writeBooleanField("cluster", server.cluster());
            json.writeEndObject();
        }

        Recommendation r = recommendation;
        json.writeObjectFieldStart("recommendation");
        json.writeNumberField("targetMemoryBytes", r.targetMemoryBytes());
        json.writeNumberField("targetOpsPerSecond", r.targetOpsPerSecond());
        strings(json, "sizingReasons", r.sizingReasons());
        json.writeStringField("strategy", r.strategy().name());
        strings(json, "strategyReasons", r.strategyReasons());
        json.writeStringField("writePolicy", r.writePolicy().name());
        json.writeStringField("readMode", r.readMode().name());
        strings(json, "policyReasons", r.policyReasons());
        strings(json, "warnings", r.warnings());
        json.writeEndObject();
        json.writeEndObject();
    }

    private static void counts(JsonGenerator json, String name, Map<String, Long> counts) throws IOException {
        json.writeObjectFieldStart(name);
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            json.writeNumberField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
    }

    private static void strings(JsonGenerator json, String name, List<String> values) throws IOException {
        json.writeArrayFieldStart(name);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }
}
