package io.ferry.proxy;

import io.ferry.schemas.WriteRecord;

/**
 * Where a proxy records the writes it forwarded, with their outcome on each side: the writes topic
 * (see {@code io.ferry.proxy.kafka.WriteLog}), or nowhere for a proxy without Kafka. Called from event
 * loops: implementations never block. Thread-safe.
 */
public interface WriteJournal {
    /** False while the journal cannot take records and its overflow policy says to refuse writes. */
    boolean accepting();

    /** Records {@code record}; never blocks. */
    void record(WriteRecord record);

    /** True when records go somewhere (a proxy without Kafka keeps none). */
    boolean isDurable();
}
