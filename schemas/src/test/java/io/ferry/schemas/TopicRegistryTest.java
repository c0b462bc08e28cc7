package io.ferry.schemas;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicRegistryTest {

    @Test
    void defaultsPrefixEveryTopicWithFerry() {
        TopicRegistry registry = TopicRegistry.defaults();

        assertThat(registry.name(Topic.WRITES)).isEqualTo("ferry.writes");
        assertThat(registry.name(Topic.MOVE_TASKS)).isEqualTo("ferry.move.tasks");
        assertThat(registry.names())
                .containsExactly(
                        "ferry.traffic",
                        "ferry.writes",
                        "ferry.move.tasks",
                        "ferry.errors",
                        "ferry.divergences",
                        "ferry.control",
                        "ferry.events",
                        "ferry.checkpoints",
                        "ferry.analysis");
        assertThat(registry.replicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void aPrefixCanBeChangedOrLeftOut() {
        assertThat(TopicRegistry.builder().prefix("ferry.staging").build().name(Topic.CONTROL))
                .isEqualTo("ferry.staging.control");
        assertThat(TopicRegistry.builder().prefix("").build().name(Topic.CONTROL))
                .isEqualTo("control");
    }

    @Test
    void fullNamesMapBackToTopics() {
        TopicRegistry registry = TopicRegistry.builder().prefix("m1").build();
        for (Topic topic : Topic.values()) {
            assertThat(registry.topicNamed(registry.name(topic))).contains(topic);
        }
        assertThat(registry.topicNamed("ferry.writes")).isEmpty();
        assertThat(Topic.forBaseName("move.tasks")).contains(Topic.MOVE_TASKS);
        assertThat(Topic.forBaseName("nope")).isEmpty();
    }

    @Test
    void badPrefixesAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> TopicRegistry.builder().prefix("ferry prod"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ferry prod'");
        assertThatThrownBy(() -> TopicRegistry.builder().prefix("ferry."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trailing '.'");
        assertThatThrownBy(() -> TopicRegistry.builder().prefix("x".repeat(240)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix length: 240");
    }

    @Test
    void badCountsAreRefused() {
        assertThatThrownBy(() -> TopicRegistry.builder().replicationFactor(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replication factor: 0");
        assertThatThrownBy(() -> TopicRegistry.builder().partitions(Topic.WRITES, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions of writes: 0");
        assertThatThrownBy(() -> TopicRegistry.builder().retention(Topic.CONTROL, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control");
        assertThatThrownBy(() -> TopicRegistry.builder().retention(Topic.WRITES, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newTopicsCarryPartitionsReplicationAndCleanup() {
        TopicRegistry registry = TopicRegistry.builder()
                .prefix("p")
                .replicationFactor(1)
                .partitions(Topic.WRITES, 24)
                .retention(Topic.TRAFFIC, Duration.ofHours(6))
                .build();

        NewTopic writes = registry.newTopic(Topic.WRITES);
        assertThat(writes.name()).isEqualTo("p.writes");
        assertThat(writes.numPartitions()).isEqualTo(24);
        assertThat(writes.replicationFactor()).isEqualTo((short) 1);
        assertThat(writes.configs())
                .containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", Long.toString(Duration.ofDays(7).toMillis()));
        assertThat(registry.newTopic(Topic.TRAFFIC).configs())
                .containsEntry("retention.ms", Long.toString(Duration.ofHours(6).toMillis()));
        assertThat(registry.newTopic(Topic.CONTROL).configs()).isEqualTo(Map.of("cleanup.policy", "compact"));
        assertThat(registry.newTopic(Topic.CHECKPOINTS).configs()).isEqualTo(Map.of("cleanup.policy", "compact"));
        assertThat(registry.partitions(Topic.EVENTS)).isEqualTo(Topic.EVENTS.defaultPartitions());
    }

    @Test
    void onlyControlAndCheckpointsAreCompacted() {
        assertThat(Arrays.stream(Topic.values()).filter(Topic::isCompacted))
                .containsExactly(Topic.CONTROL, Topic.CHECKPOINTS);
        for (Topic topic : Topic.values()) {
            assertThat(topic.defaultRetention().isPresent()).as(topic.name()).isEqualTo(!topic.isCompacted());
        }
    }

    @Test
    void cleanupPolicyMatchesOnlyTheExactPolicy() {
        assertThat(CleanupPolicy.COMPACT.isSatisfiedBy("compact")).isTrue();
        assertThat(CleanupPolicy.COMPACT.isSatisfiedBy(" Compact ")).isTrue();
        assertThat(CleanupPolicy.COMPACT.isSatisfiedBy("delete")).isFalse();
        assertThat(CleanupPolicy.COMPACT.isSatisfiedBy("compact,delete")).isFalse();
        assertThat(CleanupPolicy.DELETE.isSatisfiedBy("delete")).isTrue();
        assertThat(CleanupPolicy.DELETE.isSatisfiedBy("delete,compact")).isFalse();
    }
}
