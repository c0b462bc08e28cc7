package io.ferry.schemas;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Makes every Ferry topic ready at start-up: creates the missing ones as the {@link TopicRegistry} says, and checks
 * that the ones already there discard records the way Ferry needs ({@code cleanup.policy}: compacted topics must be
 * compacted only, the others must not be compacted). Several processes may run it at once: a topic another process
 * created first counts as existing and is checked like one.
 *
 * <p>Problems are collected over all topics and reported together in one {@link TopicBootstrapException}. A
 * partition count different from the registry's is only logged: it may be an operator's choice.
 *
 * <p>Blocking: run it on a start-up thread, never an event loop. Thread-safe; it holds no state between runs.
 */
public final class TopicBootstrap {
    private static final Logger log = LoggerFactory.getLogger(TopicBootstrap.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Admin admin;
    private final TopicRegistry registry;
    private final Duration timeout;

    /** A bootstrap waiting up to 60 s for each Kafka request. */
    public TopicBootstrap(Admin admin, TopicRegistry registry) {
        this(admin, registry, DEFAULT_TIMEOUT);
    }

    public TopicBootstrap(Admin admin, TopicRegistry registry, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.admin = admin;
        this.registry = registry;
        this.timeout = timeout;
    }

    /**
     * Creates Ferry's missing topics under {@code prefix} on the cluster {@code admin} talks to, with
     * a replication factor of {@value TopicRegistry#DEFAULT_REPLICATION_FACTOR}, or the number of
     * brokers when there are fewer (a single local broker); returns the registry it used.
     *
     * @throws TopicBootstrapException when Kafka does not answer, or a topic cannot be created or is
     *     set up wrongly
     */
    public static TopicRegistry ensure(Admin admin, String prefix, Duration timeout) {
        int brokers;
        try {
            brokers = admin.describeCluster()
                    .nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicBootstrapException(List.of("interrupted while asking Kafka for its brokers"), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new TopicBootstrapException(
                    List.of("Kafka did not say which brokers it has within " + timeout + ": "
                            + (e.getCause() == null ? e : e.getCause())),
                    e);
        }
        TopicRegistry registry = TopicRegistry.builder()
                .prefix(prefix)
                .replicationFactor(Math.max(1, Math.min(TopicRegistry.DEFAULT_REPLICATION_FACTOR, brokers)))
                .build();
        new TopicBootstrap(admin, registry, timeout).run();
        return registry;
    }

    /** What a run found and did: full topic names, in {@link Topic} order. */
    public record Result(List<String> created, List<String> existing) {
        public Result {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
        }
    }

    /**
     * Creates the missing topics and checks the existing ones.
     *
     * @throws TopicBootstrapException naming each topic that could not be created or is set up wrongly
     */
    public Result run() {
        Set<String> present = await(
                "list topics",
                admin.listTopics(new ListTopicsOptions().listInternal(false)).names());
        List<Topic> existing = new ArrayList<>();
        Map<Topic, NewTopic> missing = new LinkedHashMap<>();
        for (Topic topic : Topic.values()) {
            if (present.contains(registry.name(topic))) {
                existing.add(topic);
            } else {
                missing.put(topic, registry.newTopic(topic));
            }
        }

        List<String> created = new ArrayList<>();
        List<TopicBootstrapException> failures = new ArrayList<>();
        createMissing(missing, created, existing, failures);
        if (!created.isEmpty()) {
            log.info("Created Kafka topics {} (replication factor {})", created, registry.replicationFactor());
        }

        List<String> problems = new ArrayList<>();
        failures.forEach(f -> problems.add(f.getMessage()));
        problems.addAll(checkExisting(existing));
        if (!problems.isEmpty()) {
            throw new TopicBootstrapException(
                    problems, failures.isEmpty() ? null : failures.get(0).getCause());
        }
        List<String> existingNames =
                existing.stream().sorted().map(registry::name).toList();
        if (!existingNames.isEmpty()) {
            log.info("Kafka topics already present and checked: {}", existingNames);
        }
        return new Result(created, existingNames);
    }

    /** Creates {@code missing}; sorts each into created, existing (another process won the race) or failed. */
    private void createMissing(
            Map<Topic, NewTopic> missing,
            List<String> created,
            List<Topic> existing,
            List<TopicBootstrapException> failures) {
        if (missing.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<Void>> results =
                admin.createTopics(missing.values()).values();
        for (Map.Entry<Topic, NewTopic> entry : missing.entrySet()) {
            String name = entry.getValue().name();
            try {
                await("create topic " + name, results.get(name));
                created.add(name);
            } catch (TopicBootstrapException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    existing.add(entry.getKey());
                } else {
                    failures.add(e);
                }
            }
        }
    }

    private List<String> checkExisting(Collection<Topic> topics) {
        if (topics.isEmpty()) {
            return List.of();
        }
        List<String> names = topics.stream().map(registry::name).toList();
        List<ConfigResource> resources = names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
                .toList();
        // A topic created a moment ago, by another process or by us, may not be in every broker's metadata yet.
        Map<ConfigResource, Config> configs =
                awaitRetrying("describe configs of " + names, () -> admin.describeConfigs(resources)
                        .all());
        Map<String, TopicDescription> descriptions = awaitRetrying(
                "describe topics " + names, () -> admin.describeTopics(names).allTopicNames());

        List<String> problems = new ArrayList<>();
        for (Topic topic : topics) {
            String name = registry.name(topic);
            ConfigEntry entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String actual = entry == null ? TopicConfig.CLEANUP_POLICY_DELETE : entry.value();
            if (!topic.cleanupPolicy().isSatisfiedBy(actual)) {
                problems.add(policyMismatch(topic, name, actual));
            }
            int partitions = descriptions.get(name).partitions().size();
            if (partitions != registry.partitions(topic)) {
                log.warn(
                        "Kafka topic {} has {} partitions (configured: {}); keeping it as it is",
                        name,
                        partitions,
                        registry.partitions(topic));
            }
        }
        return problems;
    }

    private static String policyMismatch(Topic topic, String name, String actual) {
        String expected = topic.cleanupPolicy().configValue();
        String why = topic.isCompacted()
                ? "Ferry keeps the latest record per key there for good, and retention would lose it"
                : "compaction would drop records Ferry needs in full";
        return "Kafka topic " + name + " has " + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + actual + " (expected: "
                + expected + "): " + why + ". Fix it with: kafka-configs.sh --alter --entity-type topics"
                + " --entity-name " + name + " --add-config " + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + expected;
    }

    /** Like {@link #await}, calling again after a retriable error until the timeout is spent. */
    private <T> T awaitRetrying(String what, Supplier<KafkaFuture<T>> call) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMillis = 50;
        while (true) {
            try {
                return await(what, call.get());
            } catch (TopicBootstrapException e) {
                boolean timeLeft = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) < deadline;
                if (!(e.getCause() instanceof RetriableException) || !timeLeft) {
                    throw e;
                }
                log.debug(
                        "Retrying to {} in {} ms: {}",
                        what,
                        backoffMillis,
                        e.getCause().toString());
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicBootstrapException(List.of("Interrupted while waiting to " + what), e);
            }
            backoffMillis = Math.min(backoffMillis * 2, 1_000);
        }
    }

    private <T> T await(String what, KafkaFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new TopicBootstrapException(List.of("Cannot " + what + ": " + cause.getMessage()), cause);
        } catch (TimeoutException e) {
            throw new TopicBootstrapException(
                    List.of("Cannot " + what + ": no answer from Kafka within " + timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicBootstrapException(List.of("Interrupted while waiting to " + what), e);
        }
    }
}
