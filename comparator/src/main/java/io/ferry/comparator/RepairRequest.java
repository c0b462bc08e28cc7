package io.ferry.comparator;

import io.ferry.schemas.WriteFlag;
import io.ferry.schemas.WriteRecord;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * A request that the reconciler copy one key again from the source: a {@link WriteRecord} on the writes topic,
 * keyed by the Redis key, command {@value #COMMAND}, no source or target result, flag {@link WriteFlag#REPAIR}.
 * The reconciler treats any flagged record as suspect: it copies the key again (or deletes it from the target when
 * the source no longer has it), once the run's historical copy is complete. Shared by the shadow replay and the
 * keyspace verify, so the mover sees one shape of request whoever asks.
 */
public final class RepairRequest {
    public static final String COMMAND = "FERRY REPAIR";

    private RepairRequest() {}

    /**
     * @param node who asks, e.g. {@code comparator-1} or {@code verify}
     * @param connection what part of it asks, e.g. {@code shadow-replay}
     * @param sequence increasing per {@code node}/{@code connection}
     */
    public static WriteRecord of(String node, String connection, long sequence, int db, byte[] key) {
        return WriteRecord.newBuilder()
                .setNode(node)
                .setConnection(connection)
                .setSequence(sequence)
                .setTimestampMicros(Instant.now())
                .setDb(db)
                .setCommand(COMMAND)
                .setKeys(List.of(ByteBuffer.wrap(key)))
                .setArgs(List.of())
                .setArgsTruncated(false)
                .setSource(null)
                .setTarget(null)
                .setFlags(List.of(WriteFlag.REPAIR))
                .build();
    }
}
