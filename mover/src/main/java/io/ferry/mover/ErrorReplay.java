package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.ErrorRecord;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reconciliation of the errors topic ({@code ferry errors replay}): each key an {@link ErrorRecord}
 * names is copied again from source to target with a {@link KeyCopier}, in the database the record
 * names, then checked ({@link KeyCheck}): same type, same value, expiry within a tolerance. A key that
 * fails the check is copied and checked once more before it is reported, since a write on the source
 * between the copy and the check is no fault of the copy. Each key ends with one {@link Outcome}.
 *
 * <p>One attempt per key: the mover already retried it before reporting it; replay is for after the
 * cause is fixed, and may be run again. A key reported several times is replayed as often.
 *
 * <p>Opened with {@link #open}, which connects to both sides; owns its connections (one pair per
 * database met) until {@link #close}. Not thread-safe: one caller thread.
 */
public final class ErrorReplay implements AutoCloseable {
    /** Records replayed together: one pipelined copy and one pipelined check per database among them. */
    static final int BATCH = 100;

    /** How a replayed key ended. */
    public enum Outcome {
        /** Copied again, and the target now holds the source's type, value and expiry. */
        VERIFIED,
        /** The source no longer has the key, and neither has the target: nothing to copy. */
        VANISHED,
        /** The target holds the key and the conflict policy ({@code NONE}) left it; not checked. */
        SKIPPED,
        /** The copy failed again; the detail is the stage and the error. */
        STILL_FAILING,
        /** Copied, but the target still differs from the source; the detail says how. */
        MISMATCH;

        /** True for the outcomes that need nothing more from the operator. */
        public boolean resolved() {
            return this == VERIFIED || this == VANISHED || this == SKIPPED;
        }
    }

    /** What a replay needs. {@code expiryTolerance}: how far apart the two sides' expiry may be. */
    public record Options(
            RedisEndpoint source, RedisEndpoint target, ConflictPolicy conflictPolicy, Duration expiryTolerance) {
        public Options {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(conflictPolicy, "conflictPolicy");
            Objects.requireNonNull(expiryTolerance, "expiryTolerance");
            if (conflictPolicy == ConflictPolicy.MERGE) {
                throw new IllegalArgumentException(
                        "conflict policy MERGE is not supported yet (expected: REPLACE or NONE)");
            }
            if (expiryTolerance.isNegative()) {
                throw new IllegalArgumentException("expiryTolerance: " + expiryTolerance + " (expected: >= 0)");
            }
        }
    }

    /** One replayed record's ending; {@code detail} is empty for {@link Outcome#VERIFIED} and {@link Outcome#VANISHED}. */
    public record Result(ErrorRecord error, Outcome outcome, String detail) {
        public Result {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** What a whole replay did: records per outcome, and what reading the topic saw. */
    public record Totals(Map<Outcome, Long> outcomes, ErrorLog.Summary log) {
        public Totals {
            outcomes = Map.copyOf(outcomes);
        }

        public long count(Outcome outcome) {
            return outcomes.getOrDefault(outcome, 0L);
        }

        public long replayed() {
            return outcomes.values().stream().mapToLong(Long::longValue).sum();
        }

        /** True when every record was read and every key ended resolved ({@link Outcome#resolved}). */
        public boolean allResolved() {
            return log.complete()
                    && outcomes.entrySet().stream().allMatch(e -> e.getKey().resolved() || e.getValue() == 0);
        }
    }

    private final Options options;
    private final ClientResources resources;
    private final RedisEndpoint.Client source;
    private final RedisEndpoint.Client target;
    private final ServerFacts sourceFacts;
    private final ServerFacts targetFacts;
    private final Map<Integer, DbPair> pairs = new HashMap<>();

    private ErrorReplay(
            Options options,
            ClientResources resources,
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts) {
        this.options = options;
        this.resources = resources;
        this.source = source;
        this.target = target;
        this.sourceFacts = sourceFacts;
        this.targetFacts = targetFacts;
    }

    /**
     * Connects to both sides and learns what they support.
     *
     * @throws io.ferry.endpoint.EndpointException when a side cannot be reached, naming it without its
     *     password
     * @throws IllegalStateException when the target cannot take RESTORE ... ABSTTL
     */
    public static ErrorReplay open(Options options) {
        ClientResources resources = DefaultClientResources.create();
        RedisEndpoint.Client source = null;
        RedisEndpoint.Client target = null;
        try {
            source = options.source().open(resources);
            target = options.target().open(resources);
            ServerFacts sourceFacts = facts(source);
            ServerFacts targetFacts = facts(target);
            if (!targetFacts.hasAbsoluteRestore()) {
                throw new IllegalStateException("the " + options.target() + " runs Redis " + targetFacts.version()
                        + "; Ferry's copy needs RESTORE ... ABSTTL (Redis 5.0 or later)");
            }
            return new ErrorReplay(options, resources, source, target, sourceFacts, targetFacts);
        } catch (RuntimeException e) {
            closeQuietly(source, target);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static ServerFacts facts(RedisEndpoint.Client client) {
        try (StatefulRedisConnection<byte[], byte[]> probe = client.connect()) {
            return ServerFacts.of(probe);
        }
    }

    /**
     * Replays every record {@code log} holds (of run {@code runId}, or of every run when empty), a
     * batch of {@value #BATCH} at a time, and gives {@code each} the result of each, in the order read.
     */
    public Totals replayAll(ErrorLog log, Optional<String> runId, Consumer<Result> each) throws InterruptedException {
        Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
        List<ErrorRecord> batch = new ArrayList<>(BATCH);
        ErrorLog.Summary summary = log.read(runId, error -> {
            batch.add(error);
            if (batch.size() >= BATCH) {
                emit(replay(batch), outcomes, each);
                batch.clear();
            }
        });
        if (!batch.isEmpty()) {
            emit(replay(batch), outcomes, each);
        }
        return new Totals(outcomes, summary);
    }

    private static void emit(List<Result> results, Map<Outcome, Long> outcomes, Consumer<Result> each) {
        for (Result result : results) {
            outcomes.merge(result.outcome(), 1L, Long::sum);
            each.accept(result);
        }
    }

    /** Replays {@code errors}; one result per record, in order. */
    public List<Result> replay(List<ErrorRecord> errors) throws InterruptedException {
        Result[] results = new Result[errors.size()];
        Map<Integer, List<Integer>> byDb = new LinkedHashMap<>();
        for (int i = 0; i < errors.size(); i++) {
            byDb.computeIfAbsent(errors.get(i).getDb(), db -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Integer, List<Integer>> db : byDb.entrySet()) {
            List<Integer> indices = db.getValue();
            DbPair pair;
            try {
                pair = pairFor(db.getKey());
            } catch (RedisException e) {
                for (int i : indices) {
                    results[i] = new Result(
                            errors.get(i),
                            Outcome.STILL_FAILING,
                            "cannot use database " + db.getKey() + ": " + e.getMessage());
                }
                continue;
            }
            List<byte[]> keys = new ArrayList<>(indices.size());
            for (int i : indices) {
                keys.add(bytes(errors.get(i).getKey()));
            }
            List<KeyCheck.Verdict> verdicts = pair.copyAndCheck(keys);
            for (int k = 0; k < indices.size(); k++) {
                int i = indices.get(k);
                results[i] = new Result(
                        errors.get(i),
                        verdicts.get(k).outcome(),
                        verdicts.get(k).detail());
            }
        }
        return List.of(results);
    }

    private DbPair pairFor(int db) {
        DbPair pair = pairs.get(db);
        if (pair == null) {
            pair = DbPair.open(source, target, db, sourceFacts, targetFacts, options);
            pairs.put(db, pair);
        }
        return pair;
    }

    @Override
    public void close() {
        for (DbPair pair : pairs.values()) {
            pair.close();
        }
        pairs.clear();
        closeQuietly(source, target);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static void closeQuietly(RedisEndpoint.Client... clients) {
        for (RedisEndpoint.Client client : clients) {
            if (client != null) {
                client.close();
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    /** A source and a target connection on one database, with the copier and the check using them. */
    private static final class DbPair implements AutoCloseable {
        private final StatefulRedisConnection<byte[], byte[]> from;
        private final StatefulRedisConnection<byte[], byte[]> to;
        private final KeyCopier copier;
        private final KeyCheck check;

        private DbPair(
                StatefulRedisConnection<byte[], byte[]> from,
                StatefulRedisConnection<byte[], byte[]> to,
                KeyCopier copier,
                KeyCheck check) {
            this.from = from;
            this.to = to;
            this.copier = copier;
            this.check = check;
        }

        /** @throws RedisException when a side refuses the database */
        static DbPair open(
                RedisEndpoint.Client source,
                RedisEndpoint.Client target,
                int db,
                ServerFacts sourceFacts,
                ServerFacts targetFacts,
                Options options) {
            StatefulRedisConnection<byte[], byte[]> from = source.connect();
            StatefulRedisConnection<byte[], byte[]> to = null;
            try {
                from.sync().select(db);
                to = target.connect();
                to.sync().select(db);
            } catch (RuntimeException e) {
                from.close();
                if (to != null) {
                    to.close();
                }
                throw e;
            }
            KeyCopier copier = new KeyCopier(
                    from,
                    to,
                    sourceFacts,
                    targetFacts,
                    CopyOptions.DEFAULTS.withConflictPolicy(options.conflictPolicy()));
            KeyCheck check = new KeyCheck(from, to, sourceFacts, targetFacts, options.expiryTolerance());
            return new DbPair(from, to, copier, check);
        }

        List<KeyCheck.Verdict> copyAndCheck(List<byte[]> keys) throws InterruptedException {
            List<KeyCheck.Verdict> verdicts = new ArrayList<>(check.check(copier.copy(keys)));
            List<Integer> again = new ArrayList<>();
            for (int i = 0; i < verdicts.size(); i++) {
                if (verdicts.get(i).outcome() == Outcome.MISMATCH) {
                    again.add(i);
                }
            }
            if (!again.isEmpty()) {
                List<byte[]> retry = again.stream().map(keys::get).toList();
                List<KeyCheck.Verdict> second = check.check(copier.copy(retry));
                for (int k = 0; k < again.size(); k++) {
                    verdicts.set(again.get(k), second.get(k));
                }
            }
            return verdicts;
        }

        @Override
        public void close() {
            from.close();
            to.close();
        }
    }
}
