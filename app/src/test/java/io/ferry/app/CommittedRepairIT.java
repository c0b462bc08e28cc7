package io.ferry.app;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.Throttle;
import io.ferry.mover.CopyOptions;
import io.ferry.mover.CopyRun;
import io.ferry.mover.MoverNode;
import io.ferry.mover.ScanOptions;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.settings.SettingsLoader;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After commit the target is authoritative: a write whose effect the proxy cannot replay (XADD with an id the server
 * picks) is repaired from the target to the source, the fallback, and never the other way. Before, the reconciler
 * copied the source's stream over the target's, taking away the ids the application had been given.
 */
class CommittedRepairIT {
    private static final String RUN = "committed";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void aNondeterministicWriteAfterCommitIsRepairedFromTheTargetToTheSource() throws Exception {
        RedisServer source = redis.start("committed-source");
        RedisServer target = redis.start("committed-target");
        String prefix = kafka.uniqueName("committed");
        Map<String, Object> kafkaConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        // The run's historical copy (of an empty source) is complete: the reconciler acts at once.
        CopyRun.Outcome copied = new CopyRun(
                        new CopyRun.Options(
                                RUN,
                                RedisEndpoint.of("source", source.uri()),
                                RedisEndpoint.of("target", target.uri()),
                                kafkaConfig,
                                prefix,
                                new ScanOptions(List.of(), Optional.empty(), Optional.empty(), 500, 500),
                                CopyOptions.DEFAULTS,
                                1,
                                false,
                                Duration.ofSeconds(1)),
                        new SimpleMeterRegistry())
                .run(Duration.ofSeconds(1), totals -> {});
        assertThat(copied.complete()).isTrue();
        // The source's stream already has an entry far in the future: its next automatic id differs from the
        // target's, as the two servers' ids differ whenever their clocks or histories do.
        source.command("XADD events 9999999999999-0 seeded yes");

        MoverNode reconciler = new MoverNode(
                new MoverNode.Options(
                        RUN,
                        RedisEndpoint.of("source", source.uri()),
                        RedisEndpoint.of("target", target.uri()),
                        kafkaConfig,
                        prefix,
                        CopyOptions.DEFAULTS,
                        0,
                        true,
                        Duration.ofMillis(200),
                        Throttle.Options.DEFAULTS),
                new SimpleMeterRegistry());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        reconciler.run(Duration.ofSeconds(5), snapshot -> {});
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                },
                "committed-reconciler");
        thread.start();
        RedisClient client = RedisClient.create();
        try (ProxyServer proxy = ProxyServer.start(proxyConfig(source, target, prefix));
                StatefulRedisConnection<String, String> app = client.connect(RedisURI.builder()
                        .withHost("127.0.0.1")
                        .withPort(proxy.address().getPort())
                        .withTimeout(Duration.ofSeconds(10))
                        .build())) {
            String id = app.sync().xadd("events", Map.of("order", "1"));
            assertThat(id).as("the id the target made").doesNotStartWith("9999999999999");

            try (StatefulRedisConnection<String, String> src = client.connect(RedisURI.create(source.uri()));
                    StatefulRedisConnection<String, String> dst = client.connect(RedisURI.create(target.uri()))) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                                ids(src.sync().xrange("events", io.lettuce.core.Range.create("-", "+"))))
                        .as("the source, repaired from the target")
                        .containsExactly(id));
                assertThat(ids(dst.sync().xrange("events", io.lettuce.core.Range.create("-", "+"))))
                        .as("the target keeps the id the application was given")
                        .containsExactly(id);
            }
            assertThat(failure.get()).isNull();
            assertThat(reconciler.reconciled().recopied()).isGreaterThanOrEqualTo(1);
        } finally {
            reconciler.stop();
            thread.join(30_000);
            client.shutdown();
        }
    }

    private static List<String> ids(List<StreamMessage<String, String>> messages) {
        return messages.stream().map(StreamMessage::getId).toList();
    }

    private static ProxyConfig proxyConfig(RedisServer source, RedisServer target, String prefix) {
        return ProxyConfig.from(SettingsLoader.load(
                ProxySettings.SPEC,
                Optional.empty(),
                Map.of(
                        ProxySettings.LISTEN,
                        "127.0.0.1:0",
                        ProxySettings.SOURCE,
                        source.uri(),
                        ProxySettings.TARGET,
                        target.uri(),
                        ProxySettings.WRITE_POLICY,
                        "TARGET_AUTHORITATIVE",
                        ProxySettings.READ_MODE,
                        "TARGET",
                        ProxySettings.KAFKA,
                        kafka.bootstrapServers(),
                        ProxySettings.TOPIC_PREFIX,
                        prefix,
                        ProxySettings.IO_THREADS,
                        "1")));
    }
}
