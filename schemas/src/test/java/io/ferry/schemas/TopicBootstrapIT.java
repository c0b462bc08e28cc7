package io.ferry.schemas;

import io.ferry.testkit.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** How {@link TopicBootstrap} treats topics that already exist, against a real broker. */
class TopicBootstrapIT {
    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Small partition counts: these tests create many topics and only care about their policies. */
    private static TopicRegistry registry() {
        TopicRegistry.Builder builder =
                TopicRegistry.builder().prefix(kafka.uniqueName("ferry")).replicationFactor(1);
        for (Topic topic : Topic.values()) {
            builder.partitions(topic, 1);
        }
        return builder.build();
    }

    @Test
    void existingTopicsWithTheWrongCleanupPolicyAreReportedTogetherByName() throws Exception {
        TopicRegistry registry = registry();
        String control = registry.name(Topic.CONTROL);
        String checkpoints = registry.name(Topic.CHECKPOINTS);
        String traffic = registry.name(Topic.TRAFFIC);
        kafka.admin()
                .createTopics(List.of(
                        new NewTopic(control, 1, (short) 1)
                                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")),
                        new NewTopic(checkpoints, 1, (short) 1)
                                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete")),
                        new NewTopic(traffic, 1, (short) 1)
                                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))))
                .all()
                .get();

        TopicBootstrapException failure = catchThrowableOfType(
                TopicBootstrapException.class, () -> new TopicBootstrap(kafka.admin(), registry, WAIT).run());

        assertThat(failure).isNotNull();
        assertThat(failure.problems())
                .hasSize(3)
                .anySatisfy(p -> assertThat(p).contains(control).contains("cleanup.policy=delete (expected: compact)"))
                .anySatisfy(p -> assertThat(p)
                        .contains(checkpoints)
                        .contains("cleanup.policy=compact,delete (expected: compact)"))
                .anySatisfy(p -> assertThat(p).contains(traffic).contains("cleanup.policy=compact (expected: delete)"));
        assertThat(failure).hasMessageContaining("3 problems");
        // The topics that were missing were still created, so fixing the reported ones is all that is left.
        Set<String> present = kafka.admin().listTopics().names().get();
        assertThat(present).containsAll(registry.names());
    }

    @Test
    void aDifferentPartitionCountIsAcceptedAsTheOperatorsChoice() throws Exception {
        TopicRegistry registry = registry();
        kafka.admin()
                .createTopics(List.of(new NewTopic(registry.name(Topic.WRITES), 2, (short) 1)))
                .all()
                .get();

        TopicBootstrap.Result result = new TopicBootstrap(kafka.admin(), registry, WAIT).run();

        assertThat(result.existing()).containsExactly(registry.name(Topic.WRITES));
        assertThat(result.created()).hasSize(Topic.values().length - 1);
    }

    @Test
    void concurrentBootstrapsAllSucceedAndCreateEachTopicOnce() throws Exception {
        TopicRegistry registry = registry();
        int processes = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            List<Future<TopicBootstrap.Result>> runs = new ArrayList<>();
            for (int i = 0; i < processes; i++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return new TopicBootstrap(kafka.admin(), registry, WAIT).run();
                }));
            }
            start.countDown();

            List<String> createdByAll = new ArrayList<>();
            for (Future<TopicBootstrap.Result> run : runs) {
                TopicBootstrap.Result result = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                Set<String> seen = new HashSet<>(result.created());
                seen.addAll(result.existing());
                assertThat(seen).containsExactlyInAnyOrderElementsOf(registry.names());
                createdByAll.addAll(result.created());
            }
            assertThat(createdByAll).containsExactlyInAnyOrderElementsOf(registry.names());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTopicAnotherProcessCreatesFirstCountsAsExisting() {
        TopicRegistry registry = registry();
        String control = registry.name(Topic.CONTROL);

        TopicBootstrap.Result result;
        try (Admin racing = new LosingTheRaceAdmin(
                new NewTopic(control, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")))) {
            result = new TopicBootstrap(racing, registry, WAIT).run();
        }

        assertThat(result.existing()).containsExactly(control);
        assertThat(result.created()).hasSize(Topic.values().length - 1).doesNotContain(control);
    }

    @Test
    void aTopicAnotherProcessCreatesFirstIsStillChecked() {
        TopicRegistry registry = registry();
        String control = registry.name(Topic.CONTROL);

        try (Admin racing = new LosingTheRaceAdmin(
                new NewTopic(control, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")))) {
            assertThatThrownBy(() -> new TopicBootstrap(racing, registry, WAIT).run())
                    .isInstanceOf(TopicBootstrapException.class)
                    .hasMessageContaining(control + " has cleanup.policy=delete (expected: compact)");
        }
    }

    /** An admin client whose topic creation always comes just after another process created {@code rival}. */
    private static final class LosingTheRaceAdmin extends ForwardingAdmin {
        private final NewTopic rival;

        LosingTheRaceAdmin(NewTopic rival) {
            super(kafka.clientConfig());
            this.rival = rival;
        }

        @Override
        public CreateTopicsResult createTopics(Collection<NewTopic> newTopics, CreateTopicsOptions options) {
            try {
                kafka.admin().createTopics(List.of(rival)).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the rival could not create " + rival.name(), e);
            }
            return super.createTopics(newTopics, options);
        }
    }

    @Test
    void createFailuresNameTheTopic() {
        // More replicas than the one broker has: Kafka refuses every creation.
        TopicRegistry registry = TopicRegistry.builder()
                .prefix(kafka.uniqueName("ferry"))
                .replicationFactor(3)
                .build();

        assertThatThrownBy(() -> new TopicBootstrap(kafka.admin(), registry, WAIT).run())
                .isInstanceOf(TopicBootstrapException.class)
                .hasMessageContaining("Cannot create topic " + registry.name(Topic.WRITES))
                .hasMessageContaining("replication factor");
    }
}
