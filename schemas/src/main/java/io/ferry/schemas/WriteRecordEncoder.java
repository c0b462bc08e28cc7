package io.ferry.schemas;

/** {@link WriteRecord}'s fields in schema order; see {@link RecordEncoder}. */
final class WriteRecordEncoder implements RecordEncoder<WriteRecord> {
    static final WriteRecordEncoder INSTANCE = new WriteRecordEncoder();

    /** WriteRecord version 2 (see src/main/avro/history). */
    private static final long FINGERPRINT = 0x49d7fd2283821788L;

    private WriteRecordEncoder() {}

    @Override
    public long fingerprint() {
        return FINGERPRINT;
    }

    @Override
    public void encode(WriteRecord record, AvroOut out) {
        out.writeString(record.getNode());
        out.writeString(record.getConnection());
        out.writeLong(record.getSequence());
        out.writeTimestampMicros(record.getTimestampMicros());
        out.writeInt(record.getDb());
        out.writeString(record.getCommand());
        out.writeBytesArray(record.getKeys());
        out.writeBytesArray(record.getArgs());
        out.writeBoolean(record.getArgsTruncated());
        writeSide(record.getSource(), out);
        writeSide(record.getTarget(), out);
        out.writeEnumArray(record.getFlags());
        out.writeLong(record.getEpoch());
        out.writeEnum(record.getAuthority());
    }

    private static void writeSide(SideResult side, AvroOut out) {
        if (side == null) {
            out.writeIndex(0);
            return;
        }
        out.writeIndex(1);
        out.writeEnum(side.getOutcome());
        out.writeNullableString(side.getError());
        out.writeNullableBytes(side.getReplyDigest());
        out.writeLong(side.getLatencyMicros());
    }
}
