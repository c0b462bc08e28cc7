package io.ferry.capture.pcap;

import java.io.IOException;

/**
 * A capture file that cannot be read further: truncated, corrupt, or not a capture at all. Says where
 * reading stopped: the byte offset in the file and the number of the packet being read (1 for the
 * first). The packets before it were read and handed on.
 */
public final class CaptureFileException extends IOException {
    private final long offset;
    private final long packet;

    public CaptureFileException(String problem, long offset, long packet) {
        super(problem + " (at byte offset " + offset + ", packet " + packet + ")");
        this.offset = offset;
        this.packet = packet;
    }

    /** Byte offset in the capture where the problem was found: the start of the bad header or block. */
    public long offset() {
        return offset;
    }

    /** Number of the packet being read when the problem was found, 1 for the first. */
    public long packet() {
        return packet;
    }
}
