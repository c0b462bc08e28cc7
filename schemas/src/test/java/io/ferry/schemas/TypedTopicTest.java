package io.ferry.schemas;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TypedTopicTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Topic.class)
    void everyTopicHasATypedViewMatchingItsDeclaration(Topic topic) {
        TypedTopic<?, ?> typed = TypedTopic.of(topic);

        assertThat(typed.topic()).isEqualTo(topic);
        assertThat(typed.keyType()).isEqualTo(topic.keyKind().javaType());
        assertThat(typed.valueSerde().type()).isEqualTo(topic.valueClass());
        assertThat(topic.valueSerde()).isSameAs(typed.valueSerde());
        assertThat(topic.keySerde()).isSameAs(typed.keySerde());
    }

    @Test
    void writesAreKeyedByTheirFirstRedisKeyUnchanged() {
        WriteRecord write = SampleRecords.write();
        ByteBuffer first = write.getKeys().get(0);
        int position = first.position();

        assertThat(TypedTopic.WRITES.keyOf(write)).isEqualTo(SampleRecords.BINARY_KEY);
        assertThat(first.position()).as("the record's buffer is left as it was").isEqualTo(position);
    }

    @Test
    void keylessWritesShareTheEmptyKey() {
        WriteRecord flush = WriteRecord.newBuilder(SampleRecords.write())
                .setCommand("FLUSHALL")
                .setKeys(List.of())
                .build();
        assertThat(TypedTopic.WRITES.keyOf(flush)).isEmpty();
    }

    @Test
    void idKeyedTopicsUseTheirIds() {
        assertThat(TypedTopic.TRAFFIC.keyOf(SampleRecords.traffic())).isEqualTo("capture-1/10.0.3.7:52114");
        assertThat(TypedTopic.MOVE_TASKS.keyOf(SampleRecords.moveTask())).isEqualTo("run-9/scan/0017");
        assertThat(TypedTopic.CONTROL.keyOf(SampleRecords.controlMigration())).isEqualTo("migration:run-9");
        assertThat(TypedTopic.CHECKPOINTS.keyOf(SampleRecords.checkpoint())).isEqualTo("scan:run-9:10.0.0.5:7001:0");
        assertThat(TypedTopic.EVENTS.keyOf(SampleRecords.event())).isEqualTo("run-9");
        Event global = Event.newBuilder(SampleRecords.event()).setRunId(null).build();
        assertThat(TypedTopic.EVENTS.keyOf(global)).isEmpty();
        assertThat(TypedTopic.ANALYSIS.keyOf(SampleRecords.analysis())).isEqualTo("latency.p99/HGETALL");
        assertThat(TypedTopic.ERRORS.keyOf(SampleRecords.error())).isEqualTo(SampleRecords.BINARY_KEY);
        assertThat(TypedTopic.DIVERGENCES.keyOf(SampleRecords.divergence())).isEqualTo(SampleRecords.BINARY_KEY);
    }

    @Test
    void producerRecordsUseTheRegistrysNameAndTheKeyRule() {
        TopicRegistry registry = TopicRegistry.builder().prefix("ferry.test").build();
        ProducerRecord<byte[], ErrorRecord> record = TypedTopic.ERRORS.producerRecord(registry, SampleRecords.error());

        assertThat(record.topic()).isEqualTo("ferry.test.errors");
        assertThat(record.key()).isEqualTo(SampleRecords.BINARY_KEY);
        assertThat(record.value()).isEqualTo(SampleRecords.error());
    }
}
