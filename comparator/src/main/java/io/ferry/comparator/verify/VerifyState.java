package io.ferry.comparator.verify;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a verify stands, saved in its state folder about once a second so that a verify stopped (or
 * killed) and started again with the same folder and the same endpoints resumes instead of starting
 * over: the walk's position (phase, database or cluster master, SCAN cursor), the counts of what it compared up to there,
 * the length of the mismatch file those counts cover, and the last round completed.
 *
 * @param identity the endpoints and options the state belongs to; another identity starts over
 * @param phase {@code source}, {@code target} (looking for extra keys) or {@code rounds}
 * @param db the database of the position
 * @param node the cluster master ({@code host:port}) of the position on a Redis Cluster side; null on a
 *     single server
 * @param cursor the SCAN cursor to continue from in {@code db}
 * @param dbDone true when {@code db} was walked to its end
 * @param mismatchBytes the length of the first round's mismatch file the counts cover
 * @param counts keys per verdict in the first round
 * @param checked keys compared in the first round
 * @param round the last round completed (1: the walk)
 * @param finished true once the report was written: the next run starts over
 */
record VerifyState(
        String identity,
        String phase,
        int db,
        String node,
        String cursor,
        boolean dbDone,
        long mismatchBytes,
        Map<Verdict, Long> counts,
        long checked,
        int round,
        boolean finished) {
    static final String SOURCE = "source";
    static final String TARGET = "target";
    static final String ROUNDS = "rounds";
    private static final String FILE = "verify-state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    VerifyState {
        counts = counts == null ? Map.of() : Map.copyOf(counts);
    }

    static VerifyState start(String identity) {
        return new VerifyState(identity, SOURCE, -1, null, "0", true, 0, new EnumMap<>(Verdict.class), 0, 0, false);
    }

    /** The state saved in {@code folder} for {@code identity}, if any and not finished. */
    static Optional<VerifyState> load(Path folder, String identity) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        VerifyState state;
        try {
            state = JSON.readValue(file.toFile(), VerifyState.class);
        } catch (IOException e) {
            throw new IOException(file + ": not a verify state (" + e.getMessage() + "); remove it to start over", e);
        }
        return state.finished() || !state.identity().equals(identity) ? Optional.empty() : Optional.of(state);
    }

    /** Writes the state atomically (a temporary file renamed over the last one). */
    void save(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path temporary = folder.resolve(FILE + ".tmp");
        JSON.writeValue(temporary.toFile(), this);
        Files.move(
                temporary, folder.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    VerifyState at(
            String newPhase,
            int newDb,
            String newNode,
            String newCursor,
            boolean newDbDone,
            long bytes,
            Map<Verdict, Long> newCounts,
            long newChecked) {
        return new VerifyState(
                identity, newPhase, newDb, newNode, newCursor, newDbDone, bytes, newCounts, newChecked, round, false);
    }

    VerifyState roundDone(int completed) {
        return new VerifyState(
                identity, ROUNDS, db, node, cursor, dbDone, mismatchBytes, counts, checked, completed, false);
    }

    VerifyState done() {
        return new VerifyState(identity, ROUNDS, db, node, cursor, dbDone, mismatchBytes, counts, checked, round, true);
    }

    static Path mismatchFile(Path folder, int round) {
        return folder.resolve("mismatches-" + round + ".keys");
    }
}
