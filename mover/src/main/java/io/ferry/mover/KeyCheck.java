package io.ferry.mover;

import io.ferry.endpoint.ServerFacts;
import io.ferry.mover.ErrorReplay.Outcome;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks the keys a {@link KeyCopier} just copied: on both sides, in one pipelined round trip each,
 * TYPE, DUMP and the absolute expiry (PEXPIRETIME where the server has it, else PTTL added to the
 * clock read before the request). The target must hold the source's type and value, and an expiry
 * within the tolerance of the source's, or none when the source has none. A key the source no longer
 * has must be gone from the target too.
 *
 * <p>Values are compared by their DUMP payloads without the trailing RDB version and checksum, so a
 * target running a newer Redis still matches. When the payloads differ, strings, lists, sets, sorted
 * sets and hashes are read whole from both sides and compared as values: a set or hash in a hash
 * table may serialize its elements in another order on each server. Either way a key is held in
 * memory whole, as DUMP already holds it.
 *
 * <p>Uses the copier's connections, on the same database, between its calls. Not thread-safe.
 */
final class KeyCheck {
    /** DUMP's footer: a 2-byte RDB version and an 8-byte CRC64. */
    private static final int DUMP_FOOTER = 10;

    private static final long NO_EXPIRY = -1;
    private static final long NO_KEY = -2;

    /** One key's verdict; {@code detail} says what differed or failed, empty otherwise. */
    record Verdict(Outcome outcome, String detail) {}

    private final StatefulRedisConnection<byte[], byte[]> source;
    private final StatefulRedisConnection<byte[], byte[]> target;
    private final boolean sourceExpireTime;
    private final boolean targetExpireTime;
    private final long toleranceMillis;
    private final Duration timeout;

    KeyCheck(
            StatefulRedisConnection<byte[], byte[]> source,
            StatefulRedisConnection<byte[], byte[]> target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            Duration tolerance) {
        this.source = source;
        this.target = target;
        this.sourceExpireTime = sourceFacts.hasExpireTime();
        this.targetExpireTime = targetFacts.hasExpireTime();
        this.toleranceMillis = tolerance.toMillis();
        this.timeout = source.getTimeout().plus(target.getTimeout());
    }

    /** A verdict per copy result, in order. */
    List<Verdict> check(List<KeyCopier.Result> copied) throws InterruptedException {
        int n = copied.size();
        Verdict[] verdicts = new Verdict[n];
        Probe[] sourceProbes = new Probe[n];
        Probe[] targetProbes = new Probe[n];
        List<RedisFuture<Long>> exists = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            KeyCopier.Result result = copied.get(i);
            exists.add(null);
            switch (result.outcome()) {
                case FAILED -> verdicts[i] = new Verdict(Outcome.STILL_FAILING, result.stage() + ": " + result.error());
                case SKIPPED ->
                    verdicts[i] =
                            new Verdict(Outcome.SKIPPED, "the target holds the key; conflict policy NONE left it");
                case VANISHED -> exists.set(i, target.async().exists(result.key()));
                case COPIED -> {
                    sourceProbes[i] = new Probe(source.async(), result.key(), sourceExpireTime);
                    targetProbes[i] = new Probe(target.async(), result.key(), targetExpireTime);
                }
            }
        }
        List<Verdict> ordered = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (verdicts[i] == null) {
                try {
                    verdicts[i] = exists.get(i) != null
                            ? vanished(await(exists.get(i)))
                            : compare(copied.get(i).key(), sourceProbes[i].read(), targetProbes[i].read());
                } catch (ExecutionException | TimeoutException e) {
                    verdicts[i] = new Verdict(Outcome.STILL_FAILING, "VERIFY: " + message(e));
                }
            }
            ordered.add(verdicts[i]);
        }
        return ordered;
    }

    private static Verdict vanished(long onTarget) {
        return onTarget == 0
                ? new Verdict(Outcome.VANISHED, "")
                : new Verdict(Outcome.MISMATCH, "the source no longer has the key, but the target still does");
    }

    private Verdict compare(byte[] key, State from, State to) throws ExecutionException, TimeoutException {
        if (from.type().equals("none")) {
            return new Verdict(Outcome.MISMATCH, "the source no longer has the key");
        }
        if (to.type().equals("none")) {
            return new Verdict(Outcome.MISMATCH, "the target does not have the key");
        }
        if (!from.type().equals(to.type())) {
            return new Verdict(Outcome.MISMATCH, "type: source " + from.type() + ", target " + to.type());
        }
        Optional<String> value = valueDifference(key, from, to);
        if (value.isPresent()) {
            return new Verdict(Outcome.MISMATCH, value.get());
        }
        if (from.expiry() != to.expiry()) {
            if (from.expiry() == NO_EXPIRY || to.expiry() == NO_EXPIRY) {
                return new Verdict(
                        Outcome.MISMATCH,
                        "expiry: source " + expiry(from.expiry()) + ", target " + expiry(to.expiry()));
            }
            long apart = Math.abs(from.expiry() - to.expiry());
            if (apart > toleranceMillis) {
                return new Verdict(
                        Outcome.MISMATCH,
                        "expiry: source " + expiry(from.expiry()) + ", target " + expiry(to.expiry()) + " (" + apart
                                + " ms apart; tolerance " + toleranceMillis + " ms)");
            }
        }
        return new Verdict(Outcome.VERIFIED, "");
    }

    private Optional<String> valueDifference(byte[] key, State from, State to)
            throws ExecutionException, TimeoutException {
        byte[] a = from.dump();
        byte[] b = to.dump();
        if (a == null || b == null) {
            return Optional.of("value: DUMP gave nothing on the " + (a == null ? "source" : "target"));
        }
        if (Arrays.equals(a, b) || sameBody(a, b)) {
            return Optional.empty();
        }
        Optional<Boolean> same = sameContents(key, from.type());
        if (same.isPresent()) {
            return same.get()
                    ? Optional.empty()
                    : Optional.of("value: the target's " + from.type() + " differs from the source's");
        }
        return Optional.of("value: the DUMP payloads differ (source " + a.length + " bytes, target " + b.length
                + " bytes) and a " + from.type() + " cannot be compared otherwise");
    }

    private static boolean sameBody(byte[] a, byte[] b) {
        return a.length == b.length
                && a.length > DUMP_FOOTER
                && Arrays.equals(a, 0, a.length - DUMP_FOOTER, b, 0, b.length - DUMP_FOOTER);
    }

    /** Both sides' values read whole and compared; empty for a type not compared this way. */
    private Optional<Boolean> sameContents(byte[] key, String type) throws ExecutionException, TimeoutException {
        RedisCommands<byte[], byte[]> from = source.sync();
        RedisCommands<byte[], byte[]> to = target.sync();
        try {
            return switch (type) {
                case "string" -> Optional.of(Arrays.equals(from.get(key), to.get(key)));
                case "list" -> Optional.of(wrap(from.lrange(key, 0, -1)).equals(wrap(to.lrange(key, 0, -1))));
                case "set" ->
                    Optional.of(new HashSet<>(wrap(from.smembers(key))).equals(new HashSet<>(wrap(to.smembers(key)))));
                case "zset" ->
                    Optional.of(
                            scored(from.zrangeWithScores(key, 0, -1)).equals(scored(to.zrangeWithScores(key, 0, -1))));
                case "hash" -> Optional.of(wrap(from.hgetall(key)).equals(wrap(to.hgetall(key))));
                default -> Optional.empty();
            };
        } catch (io.lettuce.core.RedisCommandTimeoutException e) {
            throw new TimeoutException(e.getMessage());
        } catch (io.lettuce.core.RedisException e) {
            throw new ExecutionException(e);
        }
    }

    private static List<ByteBuffer> wrap(java.util.Collection<byte[]> values) {
        List<ByteBuffer> wrapped = new ArrayList<>(values.size());
        for (byte[] value : values) {
            wrapped.add(ByteBuffer.wrap(value));
        }
        return wrapped;
    }

    private static Map<ByteBuffer, ByteBuffer> wrap(Map<byte[], byte[]> values) {
        Map<ByteBuffer, ByteBuffer> wrapped = new HashMap<>();
        values.forEach((k, v) -> wrapped.put(ByteBuffer.wrap(k), ByteBuffer.wrap(v)));
        return wrapped;
    }

    private static Set<Map.Entry<ByteBuffer, Double>> scored(List<ScoredValue<byte[]>> values) {
        Set<Map.Entry<ByteBuffer, Double>> wrapped = new HashSet<>();
        for (ScoredValue<byte[]> value : values) {
            wrapped.add(Map.entry(ByteBuffer.wrap(value.getValue()), value.getScore()));
        }
        return wrapped;
    }

    private static String expiry(long absolute) {
        return absolute == NO_EXPIRY ? "none" : "at " + Instant.ofEpochMilli(absolute);
    }

    private <T> T await(RedisFuture<T> future) throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String message(Exception e) {
        if (e instanceof TimeoutException) {
            return "no reply in time";
        }
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return String.valueOf(cause.getMessage());
    }

    /** One key's state on one side: its type, DUMP payload and absolute expiry (or -1: none). */
    private record State(String type, byte[] dump, long expiry) {}

    /** The three pipelined reads of one key on one side. */
    private final class Probe {
        private final RedisFuture<String> type;
        private final RedisFuture<byte[]> dump;
        private final RedisFuture<Long> expiry;
        private final boolean absolute;
        private final long readAt;

        Probe(RedisAsyncCommands<byte[], byte[]> side, byte[] key, boolean expireTime) {
            // PTTL counts from when the server runs it, after this clock read: as in KeyCopier.
            this.readAt = System.currentTimeMillis();
            this.type = side.type(key);
            this.dump = side.dump(key);
            this.expiry = expireTime ? side.pexpiretime(key) : side.pttl(key);
            this.absolute = expireTime;
        }

        State read() throws ExecutionException, TimeoutException, InterruptedException {
            String keyType = await(type);
            byte[] payload = await(dump);
            long value = await(expiry);
            long at = value == NO_EXPIRY || value == NO_KEY || absolute ? value : readAt + value;
            return new State(keyType, payload, at == NO_KEY ? NO_EXPIRY : at);
        }
    }
}
