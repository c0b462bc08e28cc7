package io.ferry.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Every released version of one record schema, read from the classpath at {@code
 * io/ferry/schemas/history/<RecordName>/v<N>.avsc}, numbered from 1 without gaps. Each file is the standalone, fully
 * resolved schema as it was released, in the form {@link #format} gives. Decoders use the history to read messages
 * written by older Ferry versions.
 *
 * <p>To release a changed schema: check that the current schema can read every version
 * ({@code SchemaHistoryTest} does), then add {@code format(Record.getClassSchema())} as the next version; the test
 * prints it when the current schema differs from the latest version.
 *
 * <p>Immutable and thread-safe.
 */
public final class SchemaHistory {
    static final String RESOURCE_ROOT = "io/ferry/schemas/history/";

    private final String recordName;
    private final List<SchemaVersion> versions;

    private SchemaHistory(String recordName, List<SchemaVersion> versions) {
        this.recordName = recordName;
        this.versions = Collections.unmodifiableList(versions);
    }

    /**
     * Loads the history of the record with this full name, e.g. {@code io.ferry.schemas.WriteRecord}.
     *
     * @throws IllegalStateException when there is no version, or a version cannot be read or holds another record
     */
    public static SchemaHistory load(String fullName) {
        String recordName = fullName.substring(fullName.lastIndexOf('.') + 1);
        List<SchemaVersion> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = resourcePath(recordName, version);
            Optional<String> json = readResource(resource);
            if (json.isEmpty()) {
                break;
            }
            Schema schema = parse(resource, json.get());
            if (!schema.getFullName().equals(fullName)) {
                throw new IllegalStateException(
                        resource + " holds schema " + schema.getFullName() + " (expected: " + fullName + ")");
            }
            versions.add(SchemaVersion.of(version, schema));
        }
        if (versions.isEmpty()) {
            throw new IllegalStateException("No schema history for " + fullName + ": expected at least "
                    + resourcePath(recordName, 1) + " on the classpath");
        }
        return new SchemaHistory(recordName, versions);
    }

    /** A history of the given versions, oldest first: for tests of evolution. */
    static SchemaHistory of(String recordName, List<SchemaVersion> versions) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("versions: none (expected: at least one)");
        }
        return new SchemaHistory(recordName, List.copyOf(versions));
    }

    /** A schema as its history file holds it: standalone, every named type defined inline, pretty-printed JSON. */
    public static String format(Schema schema) {
        return SchemaFormatter.format("json/pretty", schema);
    }

    /** The classpath resource of one version, e.g. {@code io/ferry/schemas/history/WriteRecord/v1.avsc}. */
    public static String resourcePath(String recordName, int version) {
        return RESOURCE_ROOT + recordName + "/v" + version + ".avsc";
    }

    /** The record's simple name. */
    public String recordName() {
        return recordName;
    }

    /** Every version, oldest first. */
    public List<SchemaVersion> versions() {
        return versions;
    }

    /** The newest released version. */
    public SchemaVersion latest() {
        return versions.get(versions.size() - 1);
    }

    /**
     * The newest version with this fingerprint. Versions that differ only in docs share a fingerprint; they decode
     * alike.
     */
    public Optional<SchemaVersion> byFingerprint(long fingerprint) {
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).fingerprint() == fingerprint) {
                return Optional.of(versions.get(i));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> readResource(String resource) {
        try (InputStream in = SchemaHistory.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read schema history " + resource, e);
        }
    }

    private static Schema parse(String resource, String json) {
        try {
            // A fresh parser per file: each version is standalone, and two versions define the same names.
            return new SchemaParser().parse(json).mainSchema();
        } catch (SchemaParseException e) {
            throw new IllegalStateException("Schema history " + resource + " is not a valid Avro schema", e);
        }
    }
}
