package io.ferry.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link Checker} found: the keys and bytes compared, the divergent keys (counted, the first few listed with
 * what differs), and, with a history, the workload keys judged and the acknowledged writes lost. Values are never
 * listed, only types and sizes. Immutable.
 *
 * @param sourceShape what the source is: a single server, or a Redis Cluster of how many masters
 * @param targetShape what the target is, likewise
 */
public record CheckReport(
        String sourceShape,
        String targetShape,
        long sourceKeys,
        long targetKeys,
        long keysCompared,
        long bytesCompared,
        long divergent,
        List<Sample> divergentSamples,
        boolean historyChecked,
        long historyRecords,
        long historyAcknowledged,
        long historyKeys,
        long historyUndetermined,
        long historyWrongKeys,
        long lostWrites,
        List<Sample> lostSamples,
        long anomalies,
        List<String> anomalySamples,
        double seconds) {
    /** Exit status: nothing found. */
    public static final int CLEAN = 0;
    /** Exit status: differences, lost writes or anomalies. */
    public static final int DIFFERENT = 1;

    /** One listed key and what is wrong with it. */
    public record Sample(String key, String what) {}

    public boolean clean() {
        return divergent == 0 && lostWrites == 0 && historyWrongKeys == 0 && anomalies == 0;
    }

    public int exitStatus() {
        return clean() ? CLEAN : DIFFERENT;
    }

    /** The report for a person. */
    public String summary() {
        StringBuilder text = new StringBuilder();
        text.append("source: ")
                .append(sourceShape)
                .append("; target: ")
                .append(targetShape)
                .append('\n');
        text.append(String.format(
                "keys: source %,d, target %,d; compared %,d keys, %,d bytes in %.1f s%n",
                sourceKeys, targetKeys, keysCompared, bytesCompared, seconds));
        text.append(String.format("divergent keys: %,d%n", divergent));
        for (Sample sample : divergentSamples) {
            text.append("  ")
                    .append(sample.key())
                    .append(": ")
                    .append(sample.what())
                    .append('\n');
        }
        if (divergent > divergentSamples.size()) {
            text.append(String.format("  ... and %,d more%n", divergent - divergentSamples.size()));
        }
        if (historyChecked) {
            text.append(String.format(
                    "history: %,d writes (%,d acknowledged) on %,d keys; %,d keys undetermined (a write without a "
                            + "reply, never set whole again)%n",
                    historyRecords, historyAcknowledged, historyKeys, historyUndetermined));
            text.append(String.format(
                    "lost acknowledged writes: %,d (on %,d keys the target holds otherwise)%n",
                    lostWrites, historyWrongKeys));
            for (Sample sample : lostSamples) {
                text.append("  ")
                        .append(sample.key())
                        .append(": ")
                        .append(sample.what())
                        .append('\n');
            }
            text.append(
                    String.format("anomalies (replies contradicting earlier acknowledged writes): %,d%n", anomalies));
            for (String sample : anomalySamples) {
                text.append("  ").append(sample).append('\n');
            }
        }
        text.append(clean() ? "result: CLEAN\n" : "result: DIFFERENT\n");
        return text.toString();
    }

    /** Writes the report as JSON. */
    public void write(Path file) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        field(json, "result", clean() ? "CLEAN" : "DIFFERENT");
        field(json, "source", sourceShape);
        field(json, "target", targetShape);
        number(json, "source_keys", sourceKeys);
        number(json, "target_keys", targetKeys);
        number(json, "keys_compared", keysCompared);
        number(json, "bytes_compared", bytesCompared);
        number(json, "divergent", divergent);
        samples(json, "divergent_keys", divergentSamples);
        json.append("  \"history\": ");
        if (historyChecked) {
            json.append("{\n");
            number(json, "  records", historyRecords);
            number(json, "  acknowledged", historyAcknowledged);
            number(json, "  keys", historyKeys);
            number(json, "  undetermined_keys", historyUndetermined);
            number(json, "  wrong_keys", historyWrongKeys);
            number(json, "  lost_writes", lostWrites);
            number(json, "  anomalies", anomalies);
            samples(json, "  lost_keys", lostSamples);
            json.append("    \"anomaly_samples\": [");
            for (int i = 0; i < anomalySamples.size(); i++) {
                json.append(i == 0 ? "" : ", ").append(quote(anomalySamples.get(i)));
            }
            json.append("]\n  },\n");
        } else {
            json.append("null,\n");
        }
        json.append("  \"seconds\": ").append(String.format("%.3f", seconds)).append("\n}\n");
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append("  \"").append(name).append("\": ").append(quote(value)).append(",\n");
    }

    private static void number(StringBuilder json, String name, long value) {
        String indent = name.startsWith("  ") ? "    " : "  ";
        json.append(indent)
                .append('"')
                .append(name.strip())
                .append("\": ")
                .append(value)
                .append(",\n");
    }

    private static void samples(StringBuilder json, String name, List<Sample> samples) {
        String indent = name.startsWith("  ") ? "    " : "  ";
        json.append(indent).append('"').append(name.strip()).append("\": [");
        for (int i = 0; i < samples.size(); i++) {
            json.append(i == 0 ? "" : ", ")
                    .append("{\"key\": ")
                    .append(quote(samples.get(i).key()))
                    .append(", \"what\": ")
                    .append(quote(samples.get(i).what()))
                    .append('}');
        }
        json.append("],\n");
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Collects the figures while a check runs. Not thread-safe. */
    static final class Builder {
        private final int sampleSize;
        private String sourceShape = "";
        private String targetShape = "";
        private long sourceKeys;
        private long targetKeys;
        private long compared;
        private long bytes;
        private long divergent;
        private final List<Sample> divergentSamples = new ArrayList<>();
        private boolean historyChecked;
        private long records;
        private long acknowledged;
        private long historyKeys;
        private long undetermined;
        private long wrongKeys;
        private long lost;
        private final List<Sample> lostSamples = new ArrayList<>();
        private long anomalies;
        private List<String> anomalySamples = List.of();
        private double seconds;

        Builder(int sampleSize) {
            this.sampleSize = sampleSize;
        }

        void compared(long valueBytes) {
            compared++;
            bytes += valueBytes;
        }

        void sides(String source, String target) {
            sourceShape = source;
            targetShape = target;
        }

        void sourceKeys(long count) {
            sourceKeys = count;
        }

        void targetKeys(long count) {
            targetKeys = count;
        }

        void divergent(String key, String what) {
            divergent++;
            if (divergentSamples.size() < sampleSize) {
                divergentSamples.add(new Sample(key, what));
            }
        }

        void history(long records, long acknowledged, long anomalies, List<String> anomalySamples) {
            historyChecked = true;
            this.records = records;
            this.acknowledged = acknowledged;
            this.anomalies = anomalies;
            this.anomalySamples = List.copyOf(anomalySamples);
        }

        void historyKeys(long keys, long undetermined) {
            this.historyKeys = keys;
            this.undetermined = undetermined;
        }

        void lost(String key, long writes, String what) {
            wrongKeys++;
            lost += writes;
            if (lostSamples.size() < sampleSize) {
                lostSamples.add(new Sample(key, writes + " acknowledged writes lost; " + what));
            }
        }

        Builder seconds(double value) {
            seconds = value;
            return this;
        }

        CheckReport build() {
            return new CheckReport(
                    sourceShape,
                    targetShape,
                    sourceKeys,
                    targetKeys,
                    compared,
                    bytes,
                    divergent,
                    List.copyOf(divergentSamples),
                    historyChecked,
                    records,
                    acknowledged,
                    historyKeys,
                    undetermined,
                    wrongKeys,
                    lost,
                    List.copyOf(lostSamples),
                    anomalies,
                    anomalySamples,
                    seconds);
        }
    }
}
