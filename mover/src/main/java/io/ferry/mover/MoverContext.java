package io.ferry.mover;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a mover process opens before it copies, shared by {@link CopyRun} and {@link MoverNode}: the
 * two endpoints' clients and what they say of themselves (checked against what the mover supports),
 * Ferry's topics, and the throttle of its workers. {@link #close} closes them, last: the caller stops
 * its workers first, since a worker cut off from Redis would report its keys as failed.
 */
final class MoverContext implements AutoCloseable {
    static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private final ClientResources resources;
    final RedisEndpoint.Client source;
    final RedisEndpoint.Client target;
    final Admin admin;
    final ServerFacts sourceFacts;
    final ServerFacts targetFacts;
    final TopicRegistry topics;
    final Throttle throttle;

    private MoverContext(
            ClientResources resources,
            RedisEndpoint.Client source,
            RedisEndpoint.Client target,
            Admin admin,
            ServerFacts sourceFacts,
            ServerFacts targetFacts,
            TopicRegistry topics,
            Throttle throttle) {
        this.resources = resources;
        this.source = source;
        this.target = target;
        this.admin = admin;
        this.sourceFacts = sourceFacts;
        this.targetFacts = targetFacts;
        this.topics = topics;
        this.throttle = throttle;
    }

    /**
     * Opens everything, or closes what it opened and throws.
     *
     * @param throttleOptions null: no throttle (nor with no workers)
     * @throws io.ferry.endpoint.EndpointException when an endpoint cannot be reached
     * @throws IllegalStateException when the endpoints ask for what the mover does not support
     */
    static MoverContext open(
            RedisEndpoint sourceEndpoint,
            RedisEndpoint targetEndpoint,
            Map<String, Object> kafka,
            String topicPrefix,
            int workers,
            Throttle.Options throttleOptions,
            MeterRegistry meters) {
        ClientResources resources = DefaultClientResources.create();
        RedisEndpoint.Client source = null;
        RedisEndpoint.Client target = null;
        Admin admin = null;
        try {
            source = sourceEndpoint.open(resources);
            target = targetEndpoint.open(resources);
            admin = Admin.create(kafka);
            ServerFacts sourceFacts = facts(source);
            ServerFacts targetFacts = facts(target);
            check(targetEndpoint, targetFacts);
            TopicRegistry topics = TopicBootstrap.ensure(admin, topicPrefix, KAFKA_TIMEOUT);
            Throttle throttle = throttleOptions == null || workers == 0
                    ? Throttle.NONE
                    : new Throttle(source, throttleOptions, meters, "ferry.mover");
            return new MoverContext(resources, source, target, admin, sourceFacts, targetFacts, topics, throttle);
        } catch (RuntimeException e) {
            close(admin, target, source, resources);
            throw e;
        }
    }

    /** Starts {@code count} mover workers of run {@code runId} in {@code pool}. */
    void startWorkers(
            WorkerPool pool,
            int count,
            String runId,
            CopyOptions copy,
            Map<String, Object> kafka,
            MoveProgress progress) {
        pool.start(
                count,
                "ferry-mover",
                i -> new MoveWorker(
                        runId, source, target, sourceFacts, targetFacts, copy, kafka, topics, progress, throttle));
    }

    /** The run's reconciler on this context's endpoints. */
    Reconciler reconciler(
            String runId,
            CopyOptions copy,
            Duration clockSkew,
            Map<String, Object> kafka,
            java.util.function.Supplier<Reconciler.RunWindow> window,
            MeterRegistry meters) {
        return new Reconciler(
                runId, source, target, sourceFacts, targetFacts, copy, clockSkew, kafka, topics, window, meters);
    }

    /**
     * Refuses, before anything is copied, what the mover cannot do, naming the endpoint: a target without RESTORE ...
     * ABSTTL. (A cluster source's written keys are read by the reconciler through a cluster connection, like the
     * workers': a write record names no node.)
     *
     * @throws IllegalStateException with what is not supported and why
     */
    private static void check(RedisEndpoint target, ServerFacts targetFacts) {
        if (!targetFacts.hasAbsoluteRestore()) {
            throw new IllegalStateException("the " + target + " runs Redis " + targetFacts.version()
                    + "; Ferry's copy needs RESTORE ... ABSTTL (Redis 5.0 or later)");
        }
    }

    private static ServerFacts facts(RedisEndpoint.Client client) {
        try (StatefulRedisConnection<byte[], byte[]> probe = client.connect()) {
            return ServerFacts.of(probe);
        }
    }

    @Override
    public void close() {
        throttle.close();
        close(admin, target, source, resources);
    }

    private static void close(
            Admin admin, RedisEndpoint.Client target, RedisEndpoint.Client source, ClientResources resources) {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (target != null) {
            target.close();
        }
        if (source != null) {
            source.close();
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
