package io.ferry.mover;

import io.ferry.endpoint.ServerFacts;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.Stage;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Copies keys from one source database to one target database: per window of keys, one pipelined
 * round trip reads each key's DUMP payload and absolute expiry from the source (PEXPIRETIME, or PTTL
 * added to the time before the read on servers older than 7.0), and one writes them with RESTORE
 * ... ABSTTL, so the time the copy takes never lengthens a TTL. The conflict policy decides whether
 * RESTORE replaces a key the target holds.
 *
 * <p>Owns neither connection; uses them alone while {@link #copy} runs (auto-flush is off meanwhile, to
 * send each window in one write). Not thread-safe: one per worker thread.
 */
public final class KeyCopier {
    private static final long NO_EXPIRY = -1;
    private static final long NO_KEY = -2;

    private final StatefulRedisConnection<byte[], byte[]> source;
    private final StatefulRedisConnection<byte[], byte[]> target;
    private final boolean expireTime;
    private final CopyOptions options;
    private final Duration timeout;

    public KeyCopier(
            StatefulRedisConnection<byte[], byte[]> source,
            StatefulRedisConnection<byte[], byte[]> target,
            ServerFacts sourceFacts,
            CopyOptions options) {
        this.source = source;
        this.target = target;
        this.expireTime = sourceFacts.hasExpireTime();
        this.options = options;
        this.timeout = source.getTimeout().plus(target.getTimeout());
    }

    /** One key's result: its outcome, the payload size copied, and for a failure the stage and error. */
    public record Result(byte[] key, KeyOutcome outcome, long bytes, Stage stage, String error) {
        static Result failed(byte[] key, Stage stage, String error) {
            return new Result(key, KeyOutcome.FAILED, 0, stage, error);
        }
    }

    /** Copies {@code keys}, a window at a time; one result per key, in order. */
    public List<Result> copy(List<byte[]> keys) throws InterruptedException {
        List<Result> results = new ArrayList<>(keys.size());
        source.setAutoFlushCommands(false);
        target.setAutoFlushCommands(false);
        try {
            for (int from = 0; from < keys.size(); from += options.windowKeys()) {
                results.addAll(copyWindow(keys.subList(from, Math.min(keys.size(), from + options.windowKeys()))));
            }
        } finally {
            source.setAutoFlushCommands(true);
            target.setAutoFlushCommands(true);
        }
        return results;
    }

    private List<Result> copyWindow(List<byte[]> keys) throws InterruptedException {
        int n = keys.size();
        RedisAsyncCommands<byte[], byte[]> src = source.async();
        List<RedisFuture<byte[]>> dumps = new ArrayList<>(n);
        List<RedisFuture<Long>> expiries = new ArrayList<>(n);
        // PTTL counts from when the server runs it, later than this: adding it to an earlier clock
        // can only shorten the TTL, never lengthen it.
        long readAt = System.currentTimeMillis();
        for (byte[] key : keys) {
            dumps.add(src.dump(key));
            expiries.add(expireTime ? src.pexpiretime(key) : src.pttl(key));
        }
        source.flushCommands();

        Result[] results = new Result[n];
        RedisAsyncCommands<byte[], byte[]> dst = target.async();
        List<RedisFuture<String>> restores = new ArrayList<>(n);
        long[] sizes = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] key = keys.get(i);
            byte[] payload;
            long expiry;
            try {
                payload = await(dumps.get(i));
                expiry = await(expiries.get(i));
            } catch (ExecutionException | TimeoutException e) {
                results[i] = Result.failed(key, Stage.DUMP, message(e));
                restores.add(null);
                continue;
            }
            if (payload == null || expiry == NO_KEY) {
                results[i] = new Result(key, KeyOutcome.VANISHED, 0, null, null);
                restores.add(null);
                continue;
            }
            RestoreArgs args = new RestoreArgs();
            if (expiry != NO_EXPIRY) {
                long absolute = expireTime ? expiry : readAt + expiry;
                if (absolute <= System.currentTimeMillis()) {
                    results[i] = new Result(key, KeyOutcome.VANISHED, 0, null, null);
                    restores.add(null);
                    continue;
                }
                args.ttl(absolute).absttl();
            }
            if (options.conflictPolicy() == ConflictPolicy.REPLACE) {
                args.replace();
            }
            sizes[i] = payload.length;
            restores.add(dst.restore(key, payload, args));
        }
        target.flushCommands();

        List<Result> ordered = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (results[i] == null) {
                byte[] key = keys.get(i);
                try {
                    await(restores.get(i));
                    results[i] = new Result(key, KeyOutcome.COPIED, sizes[i], null, null);
                } catch (ExecutionException e) {
                    String error = message(e);
                    results[i] = error.startsWith("BUSYKEY")
                            ? new Result(key, KeyOutcome.SKIPPED, 0, null, null)
                            : Result.failed(key, Stage.RESTORE, error);
                } catch (TimeoutException e) {
                    results[i] = Result.failed(key, Stage.RESTORE, message(e));
                }
            }
            ordered.add(results[i]);
        }
        return ordered;
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
