package io.ferry.schemas;

/** {@link TrafficRecord}'s fields in schema order; see {@link RecordEncoder}. */
final class TrafficRecordEncoder implements RecordEncoder<TrafficRecord> {
    static final TrafficRecordEncoder INSTANCE = new TrafficRecordEncoder();

    /** TrafficRecord version 1 (see src/main/avro/history). */
    private static final long FINGERPRINT = 0xb9153e685c02f22cL;

    private TrafficRecordEncoder() {}

    @Override
    public long fingerprint() {
        return FINGERPRINT;
    }

    @Override
    public void encode(TrafficRecord record, AvroOut out) {
        out.writeEnum(record.getOrigin());
        out.writeString(record.getNode());
        out.writeString(record.getConnection());
        out.writeLong(record.getSequence());
        out.writeTimestampMicros(record.getTimestampMicros());
        out.writeInt(record.getDb());
        out.writeString(record.getCommand());
        out.writeEnum(record.getCommandClass());
        out.writeBytesArray(record.getKeys());
        out.writeBytesArray(record.getArgs());
        out.writeBoolean(record.getArgsTruncated());
        out.writeInt(record.getProtocol());
        out.writeNullableString(record.getResponseType());
        out.writeNullableBytes(record.getResponseDigest());
        out.writeNullableBytes(record.getResponseBody());
        out.writeBoolean(record.getResponseTruncated());
        out.writeLong(record.getResponseSize());
        out.writeLong(record.getLatencyMicros());
        out.writeEnum(record.getSide());
    }
}
