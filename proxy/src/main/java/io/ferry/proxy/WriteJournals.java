package io.ferry.proxy;

import io.ferry.schemas.WriteRecord;

/** The journals a proxy may record its writes in. */
final class WriteJournals {
    /** No journal (a proxy without Kafka): records go nowhere; what needed repair is counted and warned of. */
    static final WriteJournal NONE = new WriteJournal() {
        @Override
        public boolean accepting() {
            return true;
        }

        @Override
        public void record(WriteRecord record) {}

        @Override
        public boolean isDurable() {
            return false;
        }
    };

    private WriteJournals() {}
}
