package io.ferry.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the released schema versions in {@code src/main/resources/io/ferry/schemas/history}: the current schema of
 * every topic must be released as its latest version, and must read data of every earlier one.
 */
class SchemaHistoryTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Topic.class)
    void currentSchemaIsTheLatestReleasedVersion(Topic topic) {
        Schema current = topic.valueSerde().schema();
        SchemaVersion latest = topic.valueSerde().history().latest();
        int next = latest.version() + 1;

        assertThat(current)
                .as(
                        "The schema of %s differs from its latest released version, %s. Run this test class to check"
                                + " the new schema can read every released version, then add it as"
                                + " src/main/resources/%s:%n%s%n",
                        current.getName(),
                        SchemaHistory.resourcePath(latest.recordName(), latest.version()),
                        SchemaHistory.resourcePath(latest.recordName(), next),
                        SchemaHistory.format(current))
                .isEqualTo(latest.schema());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Topic.class)
    void currentSchemaReadsDataOfEveryReleasedVersion(Topic topic) {
        Schema current = topic.valueSerde().schema();
        for (SchemaVersion version : topic.valueSerde().history().versions()) {
            SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, version.schema());
            assertThat(result.getType())
                    .as(
                            "the current %s cannot read data written with %s: %s",
                            current.getName(),
                            version.label(),
                            result.getResult().getIncompatibilities())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Topic.class)
    void everyReleasedVersionIsStoredAsItsStandalonePrettyJson(Topic topic) throws Exception {
        for (SchemaVersion version : topic.valueSerde().history().versions()) {
            String resource = SchemaHistory.resourcePath(version.recordName(), version.version());
            try (var in = getClass().getClassLoader().getResourceAsStream(resource)) {
                String stored = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(stored.strip()).as(resource).isEqualTo(SchemaHistory.format(version.schema()));
            }
        }
    }

    @Test
    void versionsAreNumberedFromOneAndFingerprintsBelongToOneRecordEach() {
        Map<Long, String> owners = new HashMap<>();
        for (Topic topic : Topic.values()) {
            SchemaHistory history = topic.valueSerde().history();
            assertThat(history.recordName()).isEqualTo(topic.valueClass().getSimpleName());
            for (int i = 0; i < history.versions().size(); i++) {
                SchemaVersion version = history.versions().get(i);
                assertThat(version.version()).isEqualTo(i + 1);
                String owner = owners.putIfAbsent(version.fingerprint(), version.recordName());
                assertThat(owner == null || owner.equals(version.recordName()))
                        .as("fingerprint of %s also belongs to %s", version.label(), owner)
                        .isTrue();
            }
        }
    }

    @Test
    void theCheckRejectsANewFieldWithoutDefault() {
        Schema released = released(Topic.WRITES);
        Schema changed = withFields(released, fields -> {
            fields.add(new Schema.Field("shard", Schema.create(Schema.Type.INT), "Cluster shard.", null));
            return fields;
        });

        SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(changed, released);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
        assertThat(result.getResult().getIncompatibilities()).anySatisfy(i -> {
            assertThat(i.getType()).isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
            assertThat(i.getMessage()).contains("shard");
        });
    }

    @Test
    void theCheckRejectsAChangedFieldType() {
        Schema released = released(Topic.WRITES);
        Schema changed = withFields(released, fields -> {
            fields.replaceAll(f -> f.name().equals("db")
                    ? new Schema.Field("db", Schema.create(Schema.Type.STRING), f.doc(), null)
                    : f);
            return fields;
        });

        SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(changed, released);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
        assertThat(result.getResult().getIncompatibilities())
                .anySatisfy(i -> assertThat(i.getType()).isEqualTo(SchemaIncompatibilityType.TYPE_MISMATCH));
    }

    @Test
    void theCheckRejectsARemovedEnumSymbol() {
        Schema released = released(Topic.EVENTS);
        Schema fewerLevels = Schema.createEnum("EventLevel", "Severity.", "io.ferry.schemas", List.of("INFO", "WARN"));
        Schema changed = withFields(released, fields -> {
            fields.replaceAll(
                    f -> f.name().equals("level") ? new Schema.Field("level", fewerLevels, f.doc(), "INFO") : f);
            return fields;
        });

        SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(changed, released);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
        assertThat(result.getResult().getIncompatibilities())
                .anySatisfy(i -> assertThat(i.getType()).isEqualTo(SchemaIncompatibilityType.MISSING_ENUM_SYMBOLS));
    }

    @Test
    void aMessageOfAnOlderReleaseIsReadWithTheNewFieldsDefaults() throws Exception {
        Schema current = TrafficRecord.getClassSchema();
        Schema older = withFields(current, fields -> {
            fields.removeIf(f -> f.name().equals("side") || f.name().equals("latencyMicros"));
            return fields;
        });
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, older)
                        .getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        AvroSerde<TrafficRecord> serde = AvroSerde.of(
                TrafficRecord.class,
                SchemaHistory.of("TrafficRecord", List.of(SchemaVersion.of(1, older), SchemaVersion.of(2, current))));
        TrafficRecord sample = SampleRecords.traffic();

        TrafficRecord decoded = serde.deserialize("ferry.traffic", encodeAs(older, sample));

        TrafficRecord expected = TrafficRecord.newBuilder(sample)
                .setSide(Side.SOURCE)
                .setLatencyMicros(-1)
                .build();
        assertThat(decoded).isEqualTo(expected);
    }

    /** {@code record} written as a generic record of {@code writer}, the way an older Ferry would have. */
    private static byte[] encodeAs(Schema writer, TrafficRecord record) throws Exception {
        GenericData model = new GenericData();
        model.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMicrosConversion());
        GenericRecord old = new GenericData.Record(writer);
        for (Schema.Field field : writer.getFields()) {
            Object value = record.get(field.name());
            old.put(
                    field.name(),
                    value instanceof Enum<?> symbol
                            ? new GenericData.EnumSymbol(field.schema(), symbol.name())
                            : value);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new BinaryMessageEncoder<GenericRecord>(model, writer).encode(old, out);
        return out.toByteArray();
    }

    private static Schema released(Topic topic) {
        return topic.valueSerde().history().latest().schema();
    }

    /** A copy of a record schema with its top-level fields edited. */
    private static Schema withFields(Schema record, UnaryOperator<List<Schema.Field>> edit) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, edit.apply(fields));
    }
}
