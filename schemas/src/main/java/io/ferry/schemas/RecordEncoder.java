package io.ferry.schemas;

/**
 * A hand-written Avro encoder for one record type, used by {@link AvroSerde} instead of Avro's
 * generic writer for the records a proxy writes per command ({@link WriteRecord}, {@link
 * TrafficRecord}), where the generic writer's per-field schema resolution and logical-type lookups
 * were a quarter of the proxy's CPU. It writes exactly the bytes the generic writer does, for the
 * schema whose fingerprint it names; {@link AvroSerde} refuses to start with an encoder written for
 * another schema, so a changed schema cannot be written with stale code. Stateless.
 */
interface RecordEncoder<T> {
    /** The parsing fingerprint ({@code SchemaNormalization.parsingFingerprint64}) of the schema it writes. */
    long fingerprint();

    /** Writes the record's fields, without the single-object header. */
    void encode(T record, AvroOut out);

    /** The hand-written encoder for {@code type}, or null when records of that type use Avro's writer. */
    @SuppressWarnings("unchecked")
    static <T> RecordEncoder<T> forType(Class<T> type) {
        if (type == WriteRecord.class) {
            return (RecordEncoder<T>) WriteRecordEncoder.INSTANCE;
        }
        if (type == TrafficRecord.class) {
            return (RecordEncoder<T>) TrafficRecordEncoder.INSTANCE;
        }
        return null;
    }
}
