package io.ferry.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes captures for tests, from frames read out of a real tcpdump capture: classic pcap in either
 * byte order with micro- or nanosecond timestamps, and pcapng (tcpdump cannot write it) with a chosen
 * byte order and timestamp resolution, unknown blocks in between, and one interface per link type.
 */
final class CaptureWriter {
    private CaptureWriter() {}

    static byte[] pcap(List<Captures.Frame> frames, ByteOrder order, boolean nanos) {
        int linkType = frames.isEmpty() ? 1 : frames.get(0).linkType();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(24).order(order);
        header.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(262_144)
                .putInt(linkType);
        out.writeBytes(header.array());
        for (Captures.Frame frame : frames) {
            long seconds = Math.floorDiv(frame.timestampNanos(), 1_000_000_000L);
            long fraction = Math.floorMod(frame.timestampNanos(), 1_000_000_000L);
            ByteBuffer record = ByteBuffer.allocate(16).order(order);
            record.putInt((int) seconds)
                    .putInt((int) (nanos ? fraction : fraction / 1000))
                    .putInt(frame.data().length)
                    .putInt(frame.originalLength());
            out.writeBytes(record.array());
            out.writeBytes(frame.data());
        }
        return out.toByteArray();
    }

    /**
     * pcapng: a section header, an interface per distinct link type (in order of appearance), then an
     * enhanced packet block per frame, with a custom block (type 0x40000BAD) after the first packet.
     *
     * @param tsresol the {@code if_tsresol} byte: 6 for microseconds, 9 for nanoseconds, 0x80|n for 2^-n
     */
    static byte[] pcapng(List<Captures.Frame> frames, ByteOrder order, int tsresol) {
        return pcapng(frames, order, tsresol, false);
    }

    /**
     * As {@link #pcapng(List, ByteOrder, int)}; with {@code simple}, every packet but the first is a
     * simple packet block (no interface id, no timestamp: all on the first interface).
     */
    static byte[] pcapng(List<Captures.Frame> frames, ByteOrder order, int tsresol, boolean simple) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Section header: byte-order magic, version 1.0, section length unknown (-1), no options.
        ByteBuffer shb = ByteBuffer.allocate(16).order(order);
        shb.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
        block(out, order, 0x0A0D0D0A, shb.array());
        List<Integer> interfaces = new java.util.ArrayList<>();
        boolean first = true;
        for (Captures.Frame frame : frames) {
            int id = interfaces.indexOf(frame.linkType());
            if (id < 0) {
                id = interfaces.size();
                interfaces.add(frame.linkType());
                ByteBuffer idb = ByteBuffer.allocate(8 + 8 + 4).order(order);
                idb.putShort((short) frame.linkType()).putShort((short) 0).putInt(262_144);
                idb.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
                idb.putShort((short) 0).putShort((short) 0);
                block(out, order, 1, idb.array());
            }
            if (simple && !first) {
                int padded = (frame.data().length + 3) & ~3;
                ByteBuffer spb = ByteBuffer.allocate(4 + padded).order(order);
                spb.putInt(frame.originalLength()).put(frame.data());
                block(out, order, 3, spb.array());
                continue;
            }
            long units = units(frame.timestampNanos(), tsresol);
            int padded = (frame.data().length + 3) & ~3;
            ByteBuffer epb = ByteBuffer.allocate(20 + padded).order(order);
            epb.putInt(id)
                    .putInt((int) (units >>> 32))
                    .putInt((int) units)
                    .putInt(frame.data().length)
                    .putInt(frame.originalLength())
                    .put(frame.data());
            block(out, order, 6, epb.array());
            if (first) {
                block(out, order, 0x40000BAD, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                first = false;
            }
        }
        return out.toByteArray();
    }

    private static long units(long nanos, int tsresol) {
        if ((tsresol & 0x80) != 0) {
            int exponent = tsresol & 0x7F;
            return java.math.BigInteger.valueOf(nanos)
                    .shiftLeft(exponent)
                    .divide(java.math.BigInteger.valueOf(1_000_000_000L))
                    .longValueExact();
        }
        long scale = 1;
        for (int i = tsresol; i < 9; i++) {
            scale *= 10;
        }
        return nanos / scale;
    }

    private static void block(ByteArrayOutputStream out, ByteOrder order, int type, byte[] body) {
        int length = 12 + body.length;
        ByteBuffer head = ByteBuffer.allocate(8).order(order).putInt(type).putInt(length);
        out.writeBytes(head.array());
        out.writeBytes(body);
        out.writeBytes(ByteBuffer.allocate(4).order(order).putInt(length).array());
    }
}
