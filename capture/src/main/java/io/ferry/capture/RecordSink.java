package io.ferry.capture;

import io.ferry.schemas.TrafficRecord;

/**
 * Where a capture's traffic records go, in the order they are completed. {@link #accept} may block
 * (back-pressure: reading the capture then waits); it is called from the capture's thread only.
 */
@FunctionalInterface
public interface RecordSink {
    void accept(TrafficRecord record);
}
