package io.ferry.endpoint;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The throttle against a real source made slow by another client (DEBUG SLEEP back to back): the copy
 * is held back while the source answers late and runs unthrottled again once it recovers.
 */
class ThrottleIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @Test
    void followsTheSourcesLatency() throws Exception {
        RedisServer source = redis.start("slow-source", "--enable-debug-command", "yes");
        ClientResources resources = DefaultClientResources.create();
        RedisClient busy = RedisClient.create(resources, source.uri());
        AtomicBoolean copying = new AtomicBoolean(true);
        AtomicBoolean loading = new AtomicBoolean(false);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisEndpoint.Client client =
                        RedisEndpoint.of("source", source.uri()).open(resources);
                Throttle throttle = new Throttle(
                        client, new Throttle.Options(Duration.ofMillis(5), 10_000, 0, 100), meters, "ferry.mover");
                StatefulRedisConnection<String, String> load = busy.connect()) {
            Thread copier = new Thread(() -> {
                while (copying.get()) {
                    throttle.acquire(50);
                    sleep(1);
                }
            });
            copier.start();
            Thread loader = new Thread(() -> {
                while (copying.get()) {
                    if (loading.get()) {
                        load.sync()
                                .dispatch(
                                        io.lettuce.core.protocol.CommandType.DEBUG,
                                        new io.lettuce.core.output.StatusOutput<>(
                                                io.lettuce.core.codec.StringCodec.UTF8),
                                        new io.lettuce.core.protocol.CommandArgs<>(
                                                        io.lettuce.core.codec.StringCodec.UTF8)
                                                .add("SLEEP")
                                                .add("0.03"));
                    } else {
                        sleep(10);
                    }
                }
            });
            loader.start();

            // A healthy source: no limit, for two seconds of samples (two control steps).
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> Double.isInfinite(throttle.limit()));

            loading.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Double.isInfinite(throttle.limit()));
            assertThat(throttle.latencyMs()).isGreaterThan(5);
            assertThat(meters.get("ferry.mover.rate.limit").gauge().value()).isPositive();

            loading.set(false);
            await().atMost(Duration.ofSeconds(40)).until(() -> Double.isInfinite(throttle.limit()));
            assertThat(meters.get("ferry.mover.rate.limit").gauge().value()).isEqualTo(-1);
            copying.set(false);
            copier.join();
            loader.join();
        } finally {
            copying.set(false);
            busy.shutdown();
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
