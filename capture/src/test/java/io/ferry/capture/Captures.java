package io.ferry.capture;

import io.ferry.capture.pcap.Packet;
import io.ferry.capture.pcap.PacketReader;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.TrafficRecord;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Runs {@link PcapCapture} over a capture in a test and keeps what it made. */
final class Captures {
    private Captures() {}

    /** What a capture made: its records, its counts, and how it ended (null: cleanly). */
    record Result(List<TrafficRecord> records, CaptureCounters counters, IOException failure) {
        long count(Counter counter) {
            return counters.get(counter);
        }

        /** Commands by name, over every record. */
        Map<String, Long> commandCounts() {
            return records.stream()
                    .collect(Collectors.groupingBy(TrafficRecord::getCommand, TreeMap::new, Collectors.counting()));
        }

        List<TrafficRecord> connection(String connection) {
            return records.stream()
                    .filter(r -> r.getConnection().equals(connection))
                    .toList();
        }

        /** The records of the connections that sent {@code command}, in order. */
        List<TrafficRecord> connectionOf(String command) {
            String connection = records.stream()
                    .filter(r -> r.getCommand().equals(command))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + command + " in " + commandCounts()))
                    .getConnection();
            return connection(connection);
        }
    }

    static Result read(Path file, int... ports) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, ports);
        }
    }

    static Result read(byte[] capture, int... ports) throws IOException {
        return read(new ByteArrayInputStream(capture), ports);
    }

    static Result read(InputStream in, int... ports) throws IOException {
        Set<Integer> portSet = Arrays.stream(ports).boxed().collect(Collectors.toSet());
        return read(in, new CaptureOptions(portSet, "test-node", CaptureLimits.DEFAULTS));
    }

    static Result read(InputStream in, CaptureOptions options) throws IOException {
        List<TrafficRecord> records = new ArrayList<>();
        PcapCapture capture = new PcapCapture(options, CommandTable.bundled());
        IOException failure = null;
        try (PacketReader reader = PacketReader.open(in)) {
            capture.run(reader, records::add);
        } catch (IOException e) {
            failure = e;
        }
        return new Result(records, capture.counters(), failure);
    }

    /** A captured packet, copied. */
    record Frame(int linkType, long timestampNanos, byte[] data, int originalLength) {}

    /** Every packet of a capture file, copied. */
    static List<Frame> frames(Path file) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (PacketReader reader = PacketReader.open(Files.newInputStream(file))) {
            Packet packet = new Packet();
            while (reader.next(packet)) {
                frames.add(new Frame(
                        packet.linkType(),
                        packet.timestampNanos(),
                        Arrays.copyOf(packet.data(), packet.length()),
                        packet.originalLength()));
            }
        }
        return frames;
    }
}
