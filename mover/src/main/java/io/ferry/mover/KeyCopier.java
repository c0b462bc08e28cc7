package io.ferry.mover;

import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.Stage;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Copies keys from one source database to one target database. Per window of keys, one pipelined
 * round trip asks the source for each key's MEMORY USAGE; keys above {@link CopyOptions#bigKeyBytes()}
 * are left to the {@link ChunkedCopier}, and the others, cut into windows of at most
 * {@link CopyOptions#windowBytes()}, take one pipelined round trip that reads each key's DUMP payload and
 * absolute expiry from the source (PEXPIRETIME, or PTTL added to the time before the read on servers
 * older than 7.0) and one that writes them with RESTORE ... ABSTTL, so the time the copy takes never
 * lengthens a TTL. The conflict policy decides whether RESTORE replaces a key the target holds; under
 * MERGE a key the target holds is combined by the chunked copier. A payload the target refuses (an RDB
 * version newer than its own, or no RESTORE at all) falls back to the chunked copier too.
 *
 * <p>Where the servers run scripts, a window's reads are one Lua call on the source and its RESTOREs one
 * on the target ({@link WindowScripts}); the plain pipelines above are the fallback, per side, once a
 * server refuses (no EVAL for the user, a cluster's slots).
 *
 * <p>Owns neither connection; uses them alone while {@link #copy} runs (auto-flush is off while a window
 * is pipelined, to send it in one write). Not thread-safe: one per worker thread.
 */
public final class KeyCopier {
    private static final Logger log = LoggerFactory.getLogger(KeyCopier.class);
    private static final long NO_EXPIRY = -1;
    private static final long NO_KEY = -2;
    private static final long UNKNOWN_SIZE = -1;

    private final Side source;
    private final Side target;
    private final boolean expireTime;
    private final long targetBulkLimit;
    private final CopyOptions options;
    private final ChunkedCopier chunked;
    private final Duration timeout;
    private final Throttle throttle;
    /** The source answers MEMORY USAGE. */
    private boolean probe = true;
    /** The source runs the read script. */
    private boolean scripts;
    /** The target runs the restore script (never a cluster: one script, one slot). */
    private boolean restoreScript;

    public KeyCopier(
            StatefulRedisConnection<byte[], byte[]> source,
            StatefulRedisConnection<byte[], byte[]> target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options) {
        this(Side.of(source), Side.of(target), sourceFacts, targetFacts, options, Throttle.NONE);
    }

    /**
     * A copier that takes a permit from {@code throttle} for each key before reading it. Either side may be a cluster
     * connection: each command then goes to the node serving its key.
     */
    KeyCopier(
            Side source,
            Side target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options,
            Throttle throttle) {
        this.throttle = throttle;
        this.source = source;
        this.target = target;
        this.expireTime = sourceFacts.hasExpireTime();
        this.targetBulkLimit = targetFacts.protoMaxBulkLen();
        this.options = options;
        this.chunked = new ChunkedCopier(source, target, sourceFacts, targetFacts, options);
        this.timeout = source.connection().getTimeout().plus(target.connection().getTimeout());
        // A cluster takes a multi-key script only for keys of one slot: reads and RESTOREs go one by one.
        this.scripts = !source.cluster();
        this.restoreScript = !target.cluster();
    }

    /** How a key was copied: whole with DUMP/RESTORE, or with its type's commands. */
    public enum Via {
        /** DUMP and RESTORE, or nothing was copied. */
        DUMP,
        /** In chunks, because the key is big. */
        CHUNKS,
        /** With its type's commands, because the target refused its DUMP payload. */
        FALLBACK
    }

    /**
     * One key's result: its outcome, the bytes copied, for a failure the stage and error, how it was
     * copied and, for a {@link Via#FALLBACK}, the target's refusal of the DUMP payload.
     */
    public record Result(
            byte[] key, KeyOutcome outcome, long bytes, Stage stage, String error, Via via, String refusal) {
        Result(byte[] key, KeyOutcome outcome, long bytes, Stage stage, String error) {
            this(key, outcome, bytes, stage, error, Via.DUMP, null);
        }

        static Result failed(byte[] key, Stage stage, String error) {
            return new Result(key, KeyOutcome.FAILED, 0, stage, error);
        }

        Result via(Via how, String why) {
            return new Result(key, outcome, bytes, stage, error, how, why);
        }
    }

    /** Copies {@code keys}, a window at a time; one result per key, in order. */
    public List<Result> copy(List<byte[]> keys) throws InterruptedException {
        List<Result> results = new ArrayList<>(keys.size());
        for (int from = 0; from < keys.size(); from += options.windowKeys()) {
            results.addAll(copyWindow(keys.subList(from, Math.min(keys.size(), from + options.windowKeys()))));
        }
        return results;
    }

    private List<Result> copyWindow(List<byte[]> keys) throws InterruptedException {
        int n = keys.size();
        throttle.acquire(n);
        Result[] results = new Result[n];
        Map<Integer, String> fallback = new TreeMap<>();
        List<Integer> big = new ArrayList<>();
        List<Integer> merge = new ArrayList<>();
        if (scripts && scriptedWindow(keys, results, big, merge, fallback)) {
            return finish(keys, results, big, merge, fallback);
        }
        pipelining(source, false);
        pipelining(target, false);
        try {
            long[] sizes = probe(keys);
            List<Integer> batch = new ArrayList<>();
            long batchBytes = 0;
            for (int i = 0; i < n; i++) {
                if (sizes[i] > options.bigKeyBytes()) {
                    big.add(i);
                    continue;
                }
                long size = Math.max(0, sizes[i]);
                if (!batch.isEmpty() && batchBytes + size > options.windowBytes()) {
                    dumpAndRestore(keys, batch, results, big, merge, fallback);
                    batch.clear();
                    batchBytes = 0;
                }
                batch.add(i);
                batchBytes += size;
            }
            if (!batch.isEmpty()) {
                dumpAndRestore(keys, batch, results, big, merge, fallback);
            }
        } finally {
            pipelining(source, true);
            pipelining(target, true);
        }
        return finish(keys, results, big, merge, fallback);
    }

    /**
     * Turns a side's auto-flush off while a window is pipelined (one write for the window), and on again after. A
     * cluster side keeps it on: a command redirected by MOVED or ASK is sent again on another node's connection,
     * where it would wait unflushed, and its caller with it, for the next flush.
     */
    private static void pipelining(Side side, boolean autoFlush) {
        if (!side.cluster()) {
            side.connection().setAutoFlushCommands(autoFlush);
        }
    }

    /** Copies the keys the windows left to the chunked copier: big, refused by the target, or to merge. */
    private List<Result> finish(
            List<byte[]> keys,
            Result[] results,
            List<Integer> big,
            List<Integer> merge,
            Map<Integer, String> fallback) {
        for (int i : big) {
            results[i] = chunked.copy(keys.get(i)).via(Via.CHUNKS, null);
        }
        for (Map.Entry<Integer, String> refused : fallback.entrySet()) {
            results[refused.getKey()] = chunked.copy(keys.get(refused.getKey())).via(Via.FALLBACK, refused.getValue());
        }
        for (int i : merge) {
            results[i] = chunked.copy(keys.get(i));
        }
        return List.of(results);
    }

    /**
     * The window with one script call per side: on the source, each key's MEMORY USAGE, DUMP and expiry
     * (keys too big are only measured; the call stops once the payloads reach the window's bytes), on
     * the target one RESTORE per key. Two commands per window instead of four per key: the client's
     * work per key, which bounds the copy's speed, drops, and each side does the window atomically.
     * Returns false, and turns scripts off for this copier, when the servers refuse scripts (ACLs
     * without EVAL, a cluster's CROSSSLOT); the caller then pipelines plain commands.
     */
    private boolean scriptedWindow(
            List<byte[]> keys, Result[] results, List<Integer> big, List<Integer> merge, Map<Integer, String> fallback)
            throws InterruptedException {
        int n = keys.size();
        int from = 0;
        while (from < n) {
            List<byte[]> part = keys.subList(from, n);
            long readAt = System.currentTimeMillis();
            List<Object> read;
            try {
                read = await(source.async()
                        .eval(
                                WindowScripts.READ,
                                ScriptOutputType.MULTI,
                                part.toArray(byte[][]::new),
                                WindowScripts.arg(options.bigKeyBytes()),
                                WindowScripts.arg(Math.min(options.windowBytes(), WindowScripts.MAX_BYTES_PER_CALL)),
                                WindowScripts.arg(targetBulkLimit),
                                WindowScripts.arg(expireTime ? 1 : 0)));
            } catch (ExecutionException e) {
                if (from == 0 && WindowScripts.refused(message(e))) {
                    scriptsOff(message(e));
                    return false;
                }
                failRest(keys, from, results, Stage.DUMP, message(e));
                return true;
            } catch (TimeoutException e) {
                failRest(keys, from, results, Stage.DUMP, message(e));
                return true;
            }
            int done = read.size() / 3;
            List<Dumped> dumped = new ArrayList<>(done);
            for (int j = 0; j < done; j++) {
                int i = from + j;
                byte[] payload = (byte[]) read.get(3 * j + 1);
                long expiry = (Long) read.get(3 * j + 2);
                if (expiry == WindowScripts.BIG) {
                    big.add(i);
                } else {
                    ready(i, keys.get(i), payload, expiry, readAt, results, dumped);
                }
            }
            restore(dumped, results, merge, fallback);
            from += Math.max(done, 1);
        }
        return true;
    }

    /** A key read and ready to write: its place in the window, absolute expiry (0: none), DUMP payload. */
    private record Dumped(int index, byte[] key, long expiresAt, byte[] payload) {}

    /**
     * Sorts a key just read: gone from the source (no payload, or its expiry has passed) is VANISHED;
     * anything else is ready to write. {@code expiry} is PEXPIRETIME, or the PTTL of a read at {@code
     * readAt}: PTTL counts from when the server ran it, later than that clock, so the sum can only
     * shorten a TTL, never lengthen it.
     */
    private void ready(
            int index, byte[] key, byte[] payload, long expiry, long readAt, Result[] results, List<Dumped> dumped) {
        long expiresAt = expiry == NO_EXPIRY ? 0 : expireTime ? expiry : readAt + expiry;
        if (payload == null || expiry == NO_KEY || (expiresAt != 0 && expiresAt <= System.currentTimeMillis())) {
            results[index] = new Result(key, KeyOutcome.VANISHED, 0, null, null);
        } else {
            dumped.add(new Dumped(index, key, expiresAt, payload));
        }
    }

    /** Writes keys read: one restore script call where the target runs it, else RESTOREs pipelined. */
    private void restore(List<Dumped> dumped, Result[] results, List<Integer> merge, Map<Integer, String> fallback)
            throws InterruptedException {
        if (dumped.isEmpty()) {
            return;
        }
        if (!restoreScript) {
            restorePipelined(dumped, results, merge, fallback);
            return;
        }
        byte[][] keys = new byte[dumped.size()][];
        byte[][] args = new byte[1 + 2 * dumped.size()][];
        args[0] = WindowScripts.arg(options.conflictPolicy() == ConflictPolicy.REPLACE ? 1 : 0);
        for (int j = 0; j < dumped.size(); j++) {
            keys[j] = dumped.get(j).key();
            args[1 + 2 * j] = WindowScripts.arg(dumped.get(j).expiresAt());
            args[2 + 2 * j] = dumped.get(j).payload();
        }
        List<Object> replies;
        try {
            RedisFuture<List<Object>> call =
                    target.async().eval(WindowScripts.RESTORE, ScriptOutputType.MULTI, keys, args);
            target.connection().flushCommands();
            replies = await(call);
        } catch (ExecutionException | TimeoutException e) {
            String error = message(e);
            if (e instanceof ExecutionException && WindowScripts.refused(error)) {
                // The target takes no scripts: these keys go one by one from now on.
                restoreScript = false;
                log.info("restoring key by key: the target refuses the restore script ({})", error);
                restorePipelined(dumped, results, merge, fallback);
                return;
            }
            for (Dumped key : dumped) {
                results[key.index()] = Result.failed(key.key(), Stage.RESTORE, error);
            }
            return;
        }
        for (int j = 0; j < dumped.size(); j++) {
            Dumped key = dumped.get(j);
            String reply = RawCommands.text(replies.get(j));
            if ("OK".equals(reply)) {
                results[key.index()] = new Result(key.key(), KeyOutcome.COPIED, key.payload().length, null, null);
            } else {
                classify(key.index(), key.key(), reply, results, merge, fallback);
            }
        }
    }

    /** One RESTORE ... ABSTTL per key, pipelined. */
    private void restorePipelined(
            List<Dumped> dumped, Result[] results, List<Integer> merge, Map<Integer, String> fallback)
            throws InterruptedException {
        List<RedisFuture<String>> restores = new ArrayList<>(dumped.size());
        for (Dumped key : dumped) {
            RestoreArgs args = new RestoreArgs();
            if (key.expiresAt() != 0) {
                args.ttl(key.expiresAt()).absttl();
            }
            if (options.conflictPolicy() == ConflictPolicy.REPLACE) {
                args.replace();
            }
            restores.add(target.async().restore(key.key(), key.payload(), args));
        }
        target.connection().flushCommands();
        for (int j = 0; j < dumped.size(); j++) {
            Dumped key = dumped.get(j);
            try {
                await(restores.get(j));
                results[key.index()] = new Result(key.key(), KeyOutcome.COPIED, key.payload().length, null, null);
            } catch (ExecutionException e) {
                classify(key.index(), key.key(), message(e), results, merge, fallback);
            } catch (TimeoutException e) {
                results[key.index()] = Result.failed(key.key(), Stage.RESTORE, message(e));
            }
        }
    }

    /** Sorts a RESTORE error: a conflict (skip or merge), a payload the target cannot take, or a failure. */
    private void classify(
            int i, byte[] key, String error, Result[] results, List<Integer> merge, Map<Integer, String> fallback) {
        if (error.startsWith("BUSYKEY") && options.conflictPolicy() == ConflictPolicy.MERGE) {
            merge.add(i);
        } else if (error.startsWith("BUSYKEY")) {
            results[i] = new Result(key, KeyOutcome.SKIPPED, 0, null, null);
        } else if (refusesPayload(error)) {
            fallback.put(i, error);
        } else {
            results[i] = Result.failed(key, Stage.RESTORE, error);
        }
    }

    private static void failRest(List<byte[]> keys, int from, Result[] results, Stage stage, String error) {
        for (int i = from; i < keys.size(); i++) {
            if (results[i] == null) {
                results[i] = Result.failed(keys.get(i), stage, error);
            }
        }
    }

    private void scriptsOff(String why) {
        scripts = false;
        log.info("copying with pipelined commands instead of scripts ({})", why);
    }

    /** MEMORY USAGE of each key (0 for a missing key), or {@link #UNKNOWN_SIZE} where the server will not say. */
    private long[] probe(List<byte[]> keys) throws InterruptedException {
        long[] sizes = new long[keys.size()];
        Arrays.fill(sizes, UNKNOWN_SIZE);
        if (!probe) {
            return sizes;
        }
        RedisClusterAsyncCommands<byte[], byte[]> src = source.async();
        List<RedisFuture<Long>> usages = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            usages.add(src.memoryUsage(key));
        }
        source.connection().flushCommands();
        for (int i = 0; i < sizes.length; i++) {
            try {
                Long usage = await(usages.get(i));
                sizes[i] = usage == null ? 0 : usage;
            } catch (ExecutionException e) {
                // Some managed services and ACL users are denied MEMORY: copy whole, bounded by the
                // target's bulk limit only.
                if (probe) {
                    probe = false;
                    log.warn(
                            "the source refuses MEMORY USAGE ({}): big keys are found by their DUMP size only, "
                                    + "which the source must build whole",
                            message(e));
                }
            } catch (TimeoutException e) {
                sizes[i] = UNKNOWN_SIZE;
            }
        }
        return sizes;
    }

    private void dumpAndRestore(
            List<byte[]> keys,
            List<Integer> batch,
            Result[] results,
            List<Integer> big,
            List<Integer> merge,
            Map<Integer, String> fallback)
            throws InterruptedException {
        int n = batch.size();
        RedisClusterAsyncCommands<byte[], byte[]> src = source.async();
        List<RedisFuture<byte[]>> dumps = new ArrayList<>(n);
        List<RedisFuture<Long>> expiries = new ArrayList<>(n);
        long readAt = System.currentTimeMillis();
        for (int i : batch) {
            dumps.add(src.dump(keys.get(i)));
            expiries.add(expireTime ? src.pexpiretime(keys.get(i)) : src.pttl(keys.get(i)));
        }
        source.connection().flushCommands();

        List<Dumped> dumped = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            int i = batch.get(j);
            byte[] key = keys.get(i);
            byte[] payload;
            long expiry;
            try {
                payload = await(dumps.get(j));
                expiry = await(expiries.get(j));
            } catch (ExecutionException | TimeoutException e) {
                results[i] = Result.failed(key, Stage.DUMP, message(e));
                continue;
            }
            if (payload != null && payload.length > targetBulkLimit) {
                big.add(i);
            } else {
                ready(i, key, payload, expiry, readAt, results, dumped);
            }
        }
        restore(dumped, results, merge, fallback);
    }

    /**
     * True when the target cannot take DUMP payloads at all or this one's format: a newer RDB version
     * ("DUMP payload version or checksum are wrong"), an encoding it does not know ("Bad data format"),
     * or RESTORE disabled or renamed (which a script calling it reports without the command's name).
     */
    static boolean refusesPayload(String error) {
        String lower = error.toLowerCase(Locale.ROOT);
        return lower.contains("payload version")
                || lower.contains("bad data format")
                || (lower.contains("unknown command") && lower.contains("restore"))
                // RESTORE renamed or disabled, as a script sees it
                || lower.contains("unknown redis command called from script");
    }

    private <T> T await(RedisFuture<T> future) throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String message(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (e instanceof TimeoutException) {
            return "no reply in time";
        }
        return String.valueOf(cause.getMessage());
    }
}
