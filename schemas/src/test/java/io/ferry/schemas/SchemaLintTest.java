package io.ferry.schemas;

import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** House rules of Ferry's schemas, checked over every type reachable from a topic. */
class SchemaLintTest {

    @Test
    void everyNamedTypeAndFieldIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        forEachNamedType((schema) -> {
            if (blank(schema.getDoc())) {
                undocumented.add(schema.getFullName());
            }
            if (schema.getType() == Schema.Type.RECORD) {
                for (Schema.Field field : schema.getFields()) {
                    if (blank(field.doc())) {
                        undocumented.add(schema.getName() + "." + field.name());
                    }
                }
            }
        });
        assertThat(undocumented).as("types and fields without a doc").isEmpty();
    }

    @Test
    void everyNullableFieldPutsNullFirstAndDefaultsToIt() {
        List<String> wrong = new ArrayList<>();
        forEachNamedType((schema) -> {
            if (schema.getType() != Schema.Type.RECORD) {
                return;
            }
            for (Schema.Field field : schema.getFields()) {
                if (field.schema().isNullable()) {
                    boolean nullFirst = field.schema().getType() == Schema.Type.UNION
                            && field.schema().getTypes().get(0).getType() == Schema.Type.NULL;
                    if (!nullFirst || !field.hasDefaultValue() || field.defaultVal() != JsonProperties.NULL_VALUE) {
                        wrong.add(schema.getName() + "." + field.name());
                    }
                }
            }
        });
        assertThat(wrong)
                .as("nullable fields without null first and default null")
                .isEmpty();
    }

    @Test
    void everyNamedTypeIsInFerrysNamespace() {
        forEachNamedType((schema) ->
                assertThat(schema.getNamespace()).as(schema.getFullName()).isEqualTo("io.ferry.schemas"));
    }

    /** {@link BoundedBinaryDecoder} bounds item counts by the bytes left, which needs items of at least one byte. */
    @Test
    void noCollectionHoldsItemsThatCanEncodeToZeroBytes() {
        List<String> wrong = new ArrayList<>();
        forEachSchema(schema -> {
            Schema items = schema.getType() == Schema.Type.ARRAY
                    ? schema.getElementType()
                    : schema.getType() == Schema.Type.MAP ? schema.getValueType() : null;
            if (items != null && canBeEmpty(items)) {
                wrong.add(schema.toString());
            }
        });
        assertThat(wrong).as("collections of zero-byte items").isEmpty();
    }

    private static boolean canBeEmpty(Schema schema) {
        return switch (schema.getType()) {
            case NULL -> true;
            case FIXED -> schema.getFixedSize() == 0;
            case RECORD -> schema.getFields().stream().allMatch(f -> canBeEmpty(f.schema()));
            default -> false;
        };
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    private interface Visitor {
        void visit(Schema schema);
    }

    private static void forEachNamedType(Visitor visitor) {
        forEachSchema(schema -> {
            switch (schema.getType()) {
                case RECORD, ENUM, FIXED -> visitor.visit(schema);
                default -> {}
            }
        });
    }

    private static void forEachSchema(Visitor visitor) {
        Set<String> seen = new HashSet<>();
        for (Topic topic : Topic.values()) {
            walk(topic.valueSerde().schema(), visitor, seen);
            for (SchemaVersion version : topic.valueSerde().history().versions()) {
                walk(version.schema(), visitor, new HashSet<>());
            }
        }
    }

    private static void walk(Schema schema, Visitor visitor, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
            }
            default -> {}
        }
        visitor.visit(schema);
        switch (schema.getType()) {
            case RECORD -> schema.getFields().forEach(f -> walk(f.schema(), visitor, seen));
            case ARRAY -> walk(schema.getElementType(), visitor, seen);
            case MAP -> walk(schema.getValueType(), visitor, seen);
            case UNION -> schema.getTypes().forEach(t -> walk(t, visitor, seen));
            default -> {}
        }
    }
}
