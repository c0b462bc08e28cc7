package io.ferry.control.api;

import io.ferry.mover.Reconciler;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How far a run's reconcilers are behind the writes log, read from Kafka (the group's committed offsets against the
 * log's end): the writes not yet handled, the partitions no reconciler has committed yet, and the group's members. An
 * operator waits for a backlog of 0 before the keyspace verify: a reconciler that died holds its partitions until the
 * group's session timeout, and the keys written meanwhile are repaired only after. Thread-safe.
 */
final class ReconcilerBacklog implements AutoCloseable {
    private static final long TIMEOUT_MS = 3_000;

    private final Admin admin;
    private final String writes;

    ReconcilerBacklog(Map<String, Object> kafka, TopicRegistry topics) {
        this.admin = Admin.create(kafka);
        this.writes = topics.name(TypedTopic.WRITES.topic());
    }

    /** The backlog of run {@code runId}'s reconciler group, or why it could not be read. */
    Map<String, Object> view(String runId) {
        String group = Reconciler.groupId(runId);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("group", group);
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            TopicDescription topic = admin.describeTopics(List.of(writes))
                    .topicNameValues()
                    .get(writes)
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (TopicPartitionInfo partition : topic.partitions()) {
                ends.put(new TopicPartition(writes, partition.partition()), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                    admin.listOffsets(ends).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long lag = 0;
            int uncommitted = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> partition : end.entrySet()) {
                OffsetAndMetadata offset = committed.get(partition.getKey());
                if (offset == null) {
                    uncommitted++;
                } else {
                    lag += Math.max(0, partition.getValue().offset() - offset.offset());
                }
            }
            view.put("members", description.members().size());
            view.put("lag", lag);
            view.put("uncommitted_partitions", uncommitted);
        } catch (ExecutionException | TimeoutException e) {
            view.put("error", "the reconciler group could not be read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            view.put("error", "interrupted");
        }
        return view;
    }

    @Override
    public void close() {
        admin.close();
    }
}
