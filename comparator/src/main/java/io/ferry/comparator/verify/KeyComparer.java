package io.ferry.comparator.verify;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Compares windows of keys of one database, source against target: both sides' {@link KeyState}s are
 * read with one call each, and the keys whose digests cannot settle the question (too big to DUMP,
 * or DUMPs that differ) are compared by value with a {@link ValueComparer}. Either side may be a Redis
 * Cluster: its reads go to the node serving each key's slot. Not thread-safe: one per worker and
 * database.
 */
final class KeyComparer implements AutoCloseable {
    /** One key's verdict and what each side held. */
    record Result(byte[] key, Verdict verdict, KeyState source, KeyState target) {}

    private final SideConnection sourceConnection;
    private final SideConnection targetConnection;
    private final KeyReader source;
    private final KeyReader target;
    private final ValueComparer values;
    private final long toleranceMs;
    private final long timeoutMs;
    private final LongSupplier clock;

    KeyComparer(
            SideConnection source,
            boolean sourceHasExpireTime,
            SideConnection target,
            boolean targetHasExpireTime,
            VerifyOptions options,
            LongSupplier clock) {
        this.sourceConnection = source;
        this.targetConnection = target;
        this.source =
                new KeyReader("source", source, options.bigKeyBytes(), options.chunkElements(), sourceHasExpireTime);
        this.target =
                new KeyReader("target", target, options.bigKeyBytes(), options.chunkElements(), targetHasExpireTime);
        this.values = new ValueComparer(source.sync(), target.sync(), options.chunkElements(), options.chunkBytes());
        this.toleranceMs = options.ttlTolerance().toMillis();
        this.timeoutMs = source.connection().getTimeout().toMillis();
        this.clock = clock;
    }

    List<Result> compare(List<byte[]> keys) throws InterruptedException {
        List<KeyState> here = source.read(keys);
        List<KeyState> there = target.read(keys);
        List<Result> results = new ArrayList<>(keys.size());
        long now = clock.getAsLong();
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i);
            results.add(new Result(key, verdict(key, here.get(i), there.get(i), now), here.get(i), there.get(i)));
        }
        return results;
    }

    /** The keys of {@code keys} the source does not hold (one pipelined EXISTS per key). */
    List<byte[]> missingOnSource(List<byte[]> keys) {
        RedisClusterAsyncCommands<byte[], byte[]> redis = sourceConnection.async();
        List<RedisFuture<Long>> exists = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            exists.add(redis.exists(key));
        }
        List<byte[]> missing = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (LettuceFutures.awaitOrCancel(exists.get(i), timeoutMs, TimeUnit.MILLISECONDS) == 0) {
                missing.add(keys.get(i));
            }
        }
        return missing;
    }

    @Override
    public void close() {
        sourceConnection.connection().close();
        targetConnection.connection().close();
    }

    private Verdict verdict(byte[] key, KeyState here, KeyState there, long now) {
        if (here.missing()) {
            return there.missing() ? Verdict.GONE : Verdict.EXTRA;
        }
        if (there.missing()) {
            boolean expiring = here.expiryMillis() >= 0 && here.expiryMillis() - now <= toleranceMs;
            return expiring ? Verdict.EXPIRING : Verdict.MISSING;
        }
        if (!here.type().equals(there.type())) {
            return Verdict.TYPE;
        }
        boolean sameDigest = here.digest() != null && here.digest().equals(there.digest());
        if (!sameDigest && (here.size() != there.size() || !values.equal(key, here.type(), here.size()))) {
            return Verdict.VALUE;
        }
        boolean hereExpires = here.expiryMillis() >= 0;
        boolean thereExpires = there.expiryMillis() >= 0;
        if (hereExpires != thereExpires
                || (hereExpires && Math.abs(here.expiryMillis() - there.expiryMillis()) > toleranceMs)) {
            return Verdict.TTL;
        }
        return Verdict.EQUAL;
    }
}
