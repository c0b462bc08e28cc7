package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TrafficRecord;
import io.ferry.traffic.CapturedCommand;
import io.ferry.traffic.TrafficRecords;

import java.time.Instant;

/**
 * One captured command on its way to a traffic record: what was asked (copied when the command was
 * received, see {@link CapturedCommand}), then what was answered and how long it took, built by
 * {@link TrafficRecords} as the pcap capture builds it. Confined to the client's event loop until
 * {@link #complete} returns the record.
 */
final class TrafficTrace {
    private final long startNanos = System.nanoTime();
    private final CapturedCommand command;
    private final TrafficRecords.Seen seen;
    private final int db;
    private final int protocol;

    TrafficTrace(
            CommandMessage command,
            CommandInfo info,
            KeyPositions keys,
            String node,
            String connection,
            long sequence,
            int db,
            int protocol) {
        this.command = CapturedCommand.of(command, info, keys);
        this.seen = new TrafficRecords.Seen(Origin.PROXY, node, connection, sequence, Instant.now());
        this.db = db;
        this.protocol = protocol;
    }

    /** The record, with {@code reply} (still owned by the caller) served by {@code side}. */
    TrafficRecord complete(RespMessage reply, Side side) {
        return TrafficRecords.answered(
                command, seen, db, protocol, reply, (System.nanoTime() - startNanos) / 1000, side);
    }
}
