package io.ferry.comparator.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a verify found: the keys compared and their verdicts on the first pass, how many still differed
 * after each round, the confirmed mismatches per kind with a sample of each, and whether the verify
 * ran to its end. Immutable.
 *
 * @param firstPass keys per verdict when the walk compared them (before any re-check)
 * @param rounds keys still different after each round, the walk being round 1
 * @param confirmed keys per kind that differed in every round
 */
public record VerifyReport(
        Instant started,
        Instant finished,
        boolean complete,
        long checked,
        Map<Verdict, Long> firstPass,
        List<Long> rounds,
        Map<Verdict, Long> confirmed,
        Map<Verdict, List<Mismatch>> samples) {
    /** Exit status: nothing confirmed different. */
    public static final int EQUAL = 0;
    /** Exit status: confirmed differences. */
    public static final int DIFFERENT = 1;
    /** Exit status: the verify did not finish, so it proves nothing. */
    public static final int INCOMPLETE = 2;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public VerifyReport {
        firstPass = new EnumMap<>(copy(firstPass));
        rounds = List.copyOf(rounds);
        confirmed = new EnumMap<>(copy(confirmed));
        samples = Map.copyOf(samples);
    }

    private static Map<Verdict, Long> copy(Map<Verdict, Long> counts) {
        Map<Verdict, Long> out = new EnumMap<>(Verdict.class);
        out.putAll(counts);
        return out;
    }

    public long confirmedTotal() {
        return confirmed.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Keys that differed on the walk. */
    public long firstPassMismatches() {
        return firstPass.entrySet().stream()
                .filter(e -> e.getKey().isMismatch())
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    /** Keys that differed on the walk but not in the end: a write in flight, a key that changed meanwhile. */
    public long transientMismatches() {
        return complete ? Math.max(0, firstPassMismatches() - confirmedTotal()) : 0;
    }

    public long count(Verdict verdict) {
        return firstPass.getOrDefault(verdict, 0L);
    }

    public int exitStatus() {
        if (!complete) {
            return INCOMPLETE;
        }
        return confirmedTotal() == 0 ? EQUAL : DIFFERENT;
    }

    public Duration duration() {
        return Duration.between(started, finished);
    }

    /** The report as the JSON file {@code ferry verify --report} writes. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put(
                "result",
                switch (exitStatus()) {
                    case EQUAL -> "equal";
                    case DIFFERENT -> "different";
                    default -> "incomplete";
                });
        root.put("exitStatus", exitStatus());
        root.put("started", started.toString());
        root.put("finished", finished.toString());
        root.put("seconds", duration().toMillis() / 1000.0);
        root.put("keysChecked", checked);
        ObjectNode pass = root.putObject("firstPass");
        for (Verdict verdict : Verdict.values()) {
            pass.put(name(verdict), count(verdict));
        }
        ArrayNode roundList = root.putArray("stillDifferentAfterRound");
        rounds.forEach(roundList::add);
        root.put("transient", transientMismatches());
        ObjectNode confirmedNode = root.putObject("confirmed");
        confirmedNode.put("total", confirmedTotal());
        for (Verdict verdict : Verdict.values()) {
            if (verdict.isMismatch()) {
                confirmedNode.put(name(verdict), confirmed.getOrDefault(verdict, 0L));
            }
        }
        ObjectNode sampleNode = root.putObject("samples");
        for (Verdict verdict : Verdict.values()) {
            List<Mismatch> sample = samples.get(verdict);
            if (sample == null) {
                continue;
            }
            ArrayNode list = sampleNode.putArray(name(verdict));
            for (Mismatch mismatch : sample) {
                ObjectNode item = list.addObject();
                item.put("db", mismatch.db());
                item.put("key", mismatch.keyText());
                side(item.putObject("source"), mismatch.source());
                side(item.putObject("target"), mismatch.target());
            }
        }
        return root;
    }

    private static void side(ObjectNode node, KeyState state) {
        node.put("type", state.type());
        node.put("size", state.size());
        node.put("expiresAtMillis", state.expiryMillis());
        node.put("digest", state.digest());
    }

    private static String name(Verdict verdict) {
        return verdict.name().toLowerCase(Locale.ROOT);
    }

    /** Writes {@link #toJson} to {@code file} (a temporary file renamed into place). */
    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = parent.resolve(file.getFileName() + ".tmp");
        JSON.writeValue(temporary.toFile(), toJson());
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The summary {@code ferry verify} prints: totals, rounds, confirmed per kind, samples. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%s: %,d keys compared in %.1f s; %,d equal, %,d gone, %,d expiring%n",
                switch (exitStatus()) {
                    case EQUAL -> "EQUAL";
                    case DIFFERENT -> "DIFFERENT";
                    default -> "INCOMPLETE";
                },
                checked,
                duration().toMillis() / 1000.0,
                count(Verdict.EQUAL),
                count(Verdict.GONE),
                count(Verdict.EXPIRING)));
        out.append(String.format(
                Locale.ROOT,
                "different on the first pass: %,d; still different after each round: %s; " + "transient: %,d%n",
                firstPassMismatches(),
                rounds,
                transientMismatches()));
        out.append(String.format(Locale.ROOT, "confirmed different: %,d", confirmedTotal()));
        for (Verdict verdict : Verdict.values()) {
            if (verdict.isMismatch()) {
                out.append(String.format(Locale.ROOT, "  %s %,d", name(verdict), confirmed.getOrDefault(verdict, 0L)));
            }
        }
        out.append(System.lineSeparator());
        for (Verdict verdict : Verdict.values()) {
            for (Mismatch mismatch : samples.getOrDefault(verdict, List.of())) {
                out.append(String.format(
                        Locale.ROOT,
                        "  %-7s db %d %s: source %s (%d), target %s (%d)%n",
                        name(verdict),
                        mismatch.db(),
                        mismatch.keyText(),
                        mismatch.sourceType(),
                        mismatch.sourceSize(),
                        mismatch.targetType(),
                        mismatch.targetSize()));
            }
        }
        return out.toString();
    }
}
