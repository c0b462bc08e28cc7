package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.lettuce.core.api.StatefulRedisConnection;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link KeyCopier} per database, each on a source and a target connection of its own, SELECTed once
 * when the database is first met; {@link #close} closes them all. Not thread-safe: one per worker.
 */
final class DbCopiers implements AutoCloseable {
    private final RedisEndpoint.Client source;
    private final RedisEndpoint.Client target;
    private final ServerFacts sourceFacts;
    private final ServerFacts targetFacts;
    private final CopyOptions options;
    private final Throttle throttle;
    private final Map<Integer, KeyCopier> copiers = new HashMap<>();
    private final Map<Integer, StatefulRedisConnection<byte[], byte[]>> targets = new HashMap<>();
    private final List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();

    DbCopiers(
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            CopyOptions options,
            Throttle throttle) {
        this.source = source;
        this.target = target;
        this.sourceFacts = sourceFacts;
        this.targetFacts = targetFacts;
        this.options = options;
        this.throttle = throttle;
    }

    KeyCopier copier(int db) {
        return copiers.computeIfAbsent(db, this::open);
    }

    /** The target connection of database {@code db}'s copier. */
    StatefulRedisConnection<byte[], byte[]> target(int db) {
        copier(db);
        return targets.get(db);
    }

    /** Keys as the copier takes them. */
    static List<byte[]> bytes(Collection<ByteBuffer> keys) {
        List<byte[]> out = new ArrayList<>(keys.size());
        for (ByteBuffer key : keys) {
            byte[] bytes = new byte[key.remaining()];
            key.duplicate().get(bytes);
            out.add(bytes);
        }
        return out;
    }

    private KeyCopier open(int db) {
        StatefulRedisConnection<byte[], byte[]> from = source.connect();
        connections.add(from);
        from.sync().select(db);
        StatefulRedisConnection<byte[], byte[]> to = target.connect();
        connections.add(to);
        to.sync().select(db);
        targets.put(db, to);
        return new KeyCopier(from, to, sourceFacts, targetFacts, options, throttle);
    }

    @Override
    public void close() {
        for (StatefulRedisConnection<byte[], byte[]> connection : connections) {
            connection.close();
        }
    }
}
