package io.ferry.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

import java.util.Objects;

/**
 * One released version of a record schema, as kept in the schema history.
 *
 * @param recordName the record's simple name, e.g. {@code WriteRecord}
 * @param version the version number, from 1
 * @param schema the fully resolved schema
 * @param fingerprint the schema's CRC-64-AVRO fingerprint of its parsing canonical form, which single-object
 *     encoding puts in every message
 */
public record SchemaVersion(String recordName, int version, Schema schema, long fingerprint) {
    public SchemaVersion {
        Objects.requireNonNull(recordName, "recordName");
        Objects.requireNonNull(schema, "schema");
        if (version < 1) {
            throw new IllegalArgumentException("version: " + version + " (expected: >= 1)");
        }
    }

    /** A version of {@code schema}, its fingerprint computed. */
    public static SchemaVersion of(int version, Schema schema) {
        return new SchemaVersion(schema.getName(), version, schema, SchemaNormalization.parsingFingerprint64(schema));
    }

    /** E.g. {@code "WriteRecord v2 (fingerprint 0x1234abcd5678ef90)"}. */
    public String label() {
        return recordName + " v" + version + " (fingerprint " + hexFingerprint(fingerprint) + ")";
    }

    static String hexFingerprint(long fingerprint) {
        return String.format("0x%016x", fingerprint);
    }
}
