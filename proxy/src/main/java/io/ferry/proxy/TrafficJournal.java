package io.ferry.proxy;

import io.ferry.schemas.TrafficRecord;

/**
 * Where a proxy records the traffic it captures: the traffic topic (see {@code
 * io.ferry.proxy.kafka.TrafficLog}), or nowhere. Called from event loops: implementations never
 * block, and drop (and count) what they cannot take. Thread-safe.
 */
public interface TrafficJournal {
    /** No capture: {@link #sample()} is always false. */
    TrafficJournal NONE = new TrafficJournal() {
        @Override
        public boolean sample() {
            return false;
        }

        @Override
        public void record(TrafficRecord record) {}
    };

    /** Whether the next command is captured (the sampling rate); cheap, called for every command. */
    boolean sample();

    /** Records {@code record}; never blocks. */
    void record(TrafficRecord record);
}
