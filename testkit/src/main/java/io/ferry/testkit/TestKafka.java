package io.ferry.testkit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JUnit 5 extension giving a test class one real Kafka broker.
 *
 * <pre>{@code
 * @RegisterExtension static final TestKafka kafka = new TestKafka();
 * ... kafka.bootstrapServers() ... kafka.uniqueName("writes") ...
 * }</pre>
 *
 * <p>By default the broker is Apache Kafka's own in-JVM KRaft cluster ({@code KafkaClusterTestKit},
 * one combined broker+controller node). With {@code FERRY_TEST_KAFKA=testcontainers} and a reachable
 * Docker engine, Testcontainers' Kafka module runs it instead. Tests sharing the class share the
 * broker, so each test names its topics with {@link #uniqueName(String)}. Register it as a static field.
 */
public final class TestKafka implements BeforeAllCallback, AfterAllCallback {
    private static final Logger log = LoggerFactory.getLogger(TestKafka.class);

    private final AtomicInteger names = new AtomicInteger();
    private final String runTag = UUID.randomUUID().toString().substring(0, 8);
    private KafkaBroker broker;
    private Admin admin;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        guardProcessExit();
        broker = chooseBroker();
        broker.start();
        log.info("Kafka for {} at {}", context.getDisplayName(), broker.bootstrapServers());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            admin = null;
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    /** The {@code bootstrap.servers} string of the running broker. */
    /**
     * Stops the broker mid-test, as an outage would: clients get no answer until {@link #restart()}.
     * The data and the bootstrap address are kept.
     */
    public synchronized void stop() throws Exception {
        log.info("stopping Kafka at {} (fault injection)", broker.bootstrapServers());
        broker.suspend();
    }

    /** Starts the broker stopped by {@link #stop()} again, at the same address, and waits until it serves. */
    public synchronized void restart() throws Exception {
        broker.resume();
        log.info("Kafka at {} serves again", broker.bootstrapServers());
    }

    public String bootstrapServers() {
        if (broker == null) {
            throw new IllegalStateException("TestKafka must be registered with @RegisterExtension on a static field");
        }
        return broker.bootstrapServers();
    }

    /** A base client configuration pointing at the broker; callers add serializers, group ids, etc. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    /** An admin client shared by the class, closed after it. */
    public synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(clientConfig());
        }
        return admin;
    }

    /** A name no other test in this JVM uses: for topics, topic prefixes and consumer groups. */
    public String uniqueName(String base) {
        return base + "-" + runTag + "-" + names.incrementAndGet();
    }

    private static KafkaBroker chooseBroker() {
        String mode = System.getenv().getOrDefault("FERRY_TEST_KAFKA", "kraft").toLowerCase(Locale.ROOT);
        if (mode.equals("testcontainers")) {
            if (ContainerBroker.dockerAvailable()) {
                return new ContainerBroker();
            }
            log.warn(
                    "FERRY_TEST_KAFKA=testcontainers but no Docker engine is reachable; using the in-JVM KRaft broker");
        } else if (!mode.equals("kraft")) {
            throw new IllegalStateException(
                    "FERRY_TEST_KAFKA=" + mode + " is not known (expected: kraft, testcontainers)");
        }
        return new KraftTestKitBroker();
    }

    /**
     * A broker that hits a fatal error calls Kafka's {@link Exit}; in a test JVM that must fail the
     * test, not end the JVM (and with it every other test's report).
     */
    private static void guardProcessExit() {
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked the JVM to exit with status " + code + ": " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked the JVM to halt with status " + code + ": " + message);
        });
    }

    /** The broker behind the extension. */
    interface KafkaBroker extends AutoCloseable {
        void start() throws Exception;

        String bootstrapServers();

        /** Stops serving clients, keeping the data, until {@link #resume()}. */
        void suspend() throws Exception;

        /** Serves clients again at the same address, with the data it had. */
        void resume() throws Exception;
    }
}
