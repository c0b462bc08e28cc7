package io.ferry.analyzer;

import io.ferry.resp.KeyText;
import io.ferry.schemas.Origin;
import io.ferry.schemas.TrafficRecord;
import org.apache.datasketches.hll.HllSketch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The traffic profile of a stretch of traffic (one window of one partition, one window overall, or
 * everything): exact counts by command, kind, data type, database and migration risk; latency
 * histograms; hot keys; key prefixes; distinct keys, connections and proxy nodes; big values. Every
 * part is bounded in memory whatever the traffic, and two profiles {@link #merge} into the profile of
 * both: counts add, histograms add, sketches unite.
 *
 * <p>Serialized by {@link #toBytes()} and {@link #fromBytes(byte[])} in a versioned binary form that
 * carries its own capacities. Not thread-safe: one owner at a time (a stream task).
 */
public final class ProfileSketch {
    private static final byte FORMAT = 1;
    static final int KEYS_LG_K = 12;
    static final int CONNECTIONS_LG_K = 12;
    private static final int SMALL = 64;
    /** The most seconds a profile holds: a window of the longest length (one day). */
    private static final int MAX_SECONDS = 86_400 + 1;

    private final int maxCommands;
    private final int maxPrefixes;

    long ops;
    long badRecords;
    long reads;
    long writes;
    long firstMicros = Long.MAX_VALUE;
    long lastMicros = Long.MIN_VALUE;
    /** The most operations of one window merged into this profile (set by the merging stage). */
    long peakWindowOps;
    /** The most operations of one second (kept by the merging stage when it drops {@link #opsBySecond}). */
    long peakSecondOps;
    /** Operations per epoch second: at most a window's seconds in a window's profile; empty overall. */
    final Map<Long, Long> opsBySecond = new java.util.HashMap<>();

    final CountMap commands;
    final CountMap kinds = new CountMap(SMALL);
    final CountMap types = new CountMap(SMALL);
    final CountMap dbs = new CountMap(SMALL);
    final Map<MigrationRisk, CountMap> risks = new EnumMap<>(MigrationRisk.class);
    final LatencyHistograms latency;
    HotKeys hotKeys = new HotKeys();
    final PrefixStats prefixes;
    HllSketch keys = Sketches.hll(KEYS_LG_K);
    HllSketch connections = Sketches.hll(CONNECTIONS_LG_K);
    HllSketch nodes = Sketches.hll(CONNECTIONS_LG_K);
    /** Client hosts, from pcap records only: their connection is the client's {@code address:port}. */
    HllSketch clients = Sketches.hll(CONNECTIONS_LG_K);

    final BigValues bigValues;

    public ProfileSketch(int maxCommands, int maxPrefixes) {
        this.maxCommands = maxCommands;
        this.maxPrefixes = maxPrefixes;
        this.commands = new CountMap(maxCommands);
        this.latency = new LatencyHistograms(maxCommands);
        this.prefixes = new PrefixStats(maxPrefixes);
        this.bigValues = new BigValues();
    }

    /** An empty profile with the capacities of {@code config}. */
    public static ProfileSketch empty(AnalyzerConfig config) {
        return new ProfileSketch(config.maxCommands(), config.maxPrefixes());
    }

    /** Adds one command of the traffic topic, classified by {@code facts}. */
    void observe(TrafficRecord record, CommandFacts facts, KeyPrefix prefix, long bigValueBytes) {
        ops++;
        long micros = micros(record.getTimestampMicros());
        firstMicros = Math.min(firstMicros, micros);
        lastMicros = Math.max(lastMicros, micros);
        opsBySecond.merge(Math.floorDiv(micros, 1_000_000), 1L, Long::sum);
        String command = commands.add(facts.name(), 1);
        kinds.add(facts.kind().name(), 1);
        types.add(facts.group(), 1);
        dbs.add(Integer.toString(record.getDb()), 1);
        if (facts.reads()) {
            reads++;
        } else if (facts.writes()) {
            writes++;
        }
        EnumSet<MigrationRisk> raised =
                facts.risks().isEmpty() ? EnumSet.noneOf(MigrationRisk.class) : EnumSet.copyOf(facts.risks());
        if (record.getDb() != 0 || (facts.name().equals("SELECT") && selectsNonZero(record.getArgs()))) {
            raised.add(MigrationRisk.NON_ZERO_DB);
        }
        if ((facts.name().equals("XREAD") || facts.name().equals("XREADGROUP")) && hasBlockOption(record.getArgs())) {
            raised.add(MigrationRisk.BLOCKING);
        }
        for (MigrationRisk risk : raised) {
            risks.computeIfAbsent(risk, r -> new CountMap(SMALL)).add(facts.name(), 1);
        }
        if (record.getLatencyMicros() >= 0) {
            latency.record(command, record.getLatencyMicros());
        }
        String firstKey = "";
        List<ByteBuffer> recordKeys = record.getKeys();
        for (int i = 0; i < recordKeys.size(); i++) {
            byte[] key = bytes(recordKeys.get(i));
            String text = KeyText.escaped(ByteBuffer.wrap(key));
            if (i == 0) {
                firstKey = text.length() > HotKeys.MAX_KEY_LENGTH ? text.substring(0, HotKeys.MAX_KEY_LENGTH) : text;
            }
            hotKeys.update(text);
            keys.update(key);
            prefixes.observe(prefix.of(key), key);
        }
        if (record.getResponseSize() >= bigValueBytes) {
            bigValues.observe(facts.name(), firstKey, "reply", record.getResponseSize());
        }
        long biggestArg = 0;
        for (ByteBuffer arg : record.getArgs()) {
            biggestArg = Math.max(biggestArg, arg.remaining());
        }
        if (biggestArg >= bigValueBytes) {
            bigValues.observe(facts.name(), firstKey, "argument", biggestArg);
        }
        connections.update(record.getNode() + "/" + record.getConnection());
        nodes.update(record.getNode());
        if (record.getOrigin() == Origin.PCAP) {
            String connection = record.getConnection();
            int port = connection.lastIndexOf(':');
            clients.update(port > 0 ? connection.substring(0, port) : connection);
        }
    }

    /** Counts a traffic record that could not be decoded. */
    void observeBadRecord() {
        badRecords++;
    }

    private static boolean selectsNonZero(List<ByteBuffer> args) {
        if (args.isEmpty()) {
            return false;
        }
        String db = StandardCharsets.US_ASCII
                .decode(args.get(0).duplicate())
                .toString()
                .trim();
        return !db.equals("0");
    }

    private static boolean hasBlockOption(List<ByteBuffer> args) {
        for (ByteBuffer arg : args) {
            if (arg.remaining() == 5
                    && StandardCharsets.US_ASCII
                            .decode(arg.duplicate())
                            .toString()
                            .equalsIgnoreCase("BLOCK")) {
                return true;
            }
        }
        return false;
    }

    /** Microseconds since the epoch of a traffic record's timestamp. */
    static long micros(java.time.Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    /** Adds {@code other} into this profile and returns this one. */
    public ProfileSketch merge(ProfileSketch other) {
        ops += other.ops;
        badRecords += other.badRecords;
        reads += other.reads;
        writes += other.writes;
        firstMicros = Math.min(firstMicros, other.firstMicros);
        lastMicros = Math.max(lastMicros, other.lastMicros);
        peakWindowOps = Math.max(peakWindowOps, other.peakWindowOps);
        peakSecondOps = Math.max(peakSecondOps, other.peakSecondOps);
        other.opsBySecond.forEach((second, count) -> opsBySecond.merge(second, count, Long::sum));
        commands.addAll(other.commands);
        kinds.addAll(other.kinds);
        types.addAll(other.types);
        dbs.addAll(other.dbs);
        other.risks.forEach((risk, byCommand) ->
                risks.computeIfAbsent(risk, r -> new CountMap(SMALL)).addAll(byCommand));
        latency.addAll(other.latency);
        hotKeys.addAll(other.hotKeys);
        prefixes.addAll(other.prefixes);
        keys = Sketches.union(keys, other.keys, KEYS_LG_K);
        connections = Sketches.union(connections, other.connections, CONNECTIONS_LG_K);
        nodes = Sketches.union(nodes, other.nodes, CONNECTIONS_LG_K);
        clients = Sketches.union(clients, other.clients, CONNECTIONS_LG_K);
        bigValues.addAll(other.bigValues);
        return this;
    }

    /** The busiest second's commands: of the seconds held, or as kept when they were dropped. */
    public long busiestSecond() {
        long busiest = peakSecondOps;
        for (long count : opsBySecond.values()) {
            busiest = Math.max(busiest, count);
        }
        return busiest;
    }

    /**
     * Keeps the busiest second's count and forgets the per-second counts: for the overall profile, which
     * would otherwise hold every second of the traffic.
     */
    void dropSeconds() {
        peakSecondOps = busiestSecond();
        opsBySecond.clear();
    }

    /** Commands counted. */
    public long ops() {
        return ops;
    }

    /** Traffic records that could not be decoded, skipped. */
    public long badRecords() {
        return badRecords;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(FORMAT);
            out.writeInt(maxCommands);
            out.writeInt(maxPrefixes);
            out.writeLong(ops);
            out.writeLong(badRecords);
            out.writeLong(reads);
            out.writeLong(writes);
            out.writeLong(firstMicros);
            out.writeLong(lastMicros);
            out.writeLong(peakWindowOps);
            out.writeLong(peakSecondOps);
            out.writeInt(opsBySecond.size());
            for (Map.Entry<Long, Long> second : opsBySecond.entrySet()) {
                out.writeLong(second.getKey());
                out.writeLong(second.getValue());
            }
            commands.writeTo(out);
            kinds.writeTo(out);
            types.writeTo(out);
            dbs.writeTo(out);
            out.writeInt(risks.size());
            for (Map.Entry<MigrationRisk, CountMap> risk : risks.entrySet()) {
                out.writeUTF(risk.getKey().name());
                risk.getValue().writeTo(out);
            }
            latency.writeTo(out);
            hotKeys.writeTo(out);
            prefixes.writeTo(out);
            Sketches.writeHll(out, keys);
            Sketches.writeHll(out, connections);
            Sketches.writeHll(out, nodes);
            Sketches.writeHll(out, clients);
            bigValues.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    /**
     * The profile {@link #toBytes()} wrote.
     *
     * @throws IOException when the bytes are not such a profile
     */
    public static ProfileSketch fromBytes(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("profile format: " + format + " (expected: " + FORMAT + ")");
        }
        ProfileSketch sketch = new ProfileSketch(
                Sketches.checkedSize(in.readInt(), 10_000, "max commands"),
                Sketches.checkedSize(in.readInt(), 10_000, "max prefixes"));
        sketch.ops = in.readLong();
        sketch.badRecords = in.readLong();
        sketch.reads = in.readLong();
        sketch.writes = in.readLong();
        sketch.firstMicros = in.readLong();
        sketch.lastMicros = in.readLong();
        sketch.peakWindowOps = in.readLong();
        sketch.peakSecondOps = in.readLong();
        int seconds = Sketches.checkedSize(in.readInt(), MAX_SECONDS, "seconds");
        for (int i = 0; i < seconds; i++) {
            sketch.opsBySecond.put(in.readLong(), in.readLong());
        }
        sketch.commands.addAll(CountMap.readFrom(in, sketch.maxCommands));
        sketch.kinds.addAll(CountMap.readFrom(in, SMALL));
        sketch.types.addAll(CountMap.readFrom(in, SMALL));
        sketch.dbs.addAll(CountMap.readFrom(in, SMALL));
        int risks = Sketches.checkedSize(in.readInt(), MigrationRisk.values().length, "risks");
        for (int i = 0; i < risks; i++) {
            MigrationRisk risk;
            try {
                risk = MigrationRisk.valueOf(in.readUTF());
            } catch (IllegalArgumentException e) {
                throw new IOException("unknown migration risk: " + e.getMessage(), e);
            }
            sketch.risks.put(risk, CountMap.readFrom(in, SMALL));
        }
        sketch.latency.addAll(LatencyHistograms.readFrom(in));
        sketch.hotKeys = HotKeys.readFrom(in);
        sketch.prefixes.addAll(PrefixStats.readFrom(in));
        sketch.keys = Sketches.readHll(in);
        sketch.connections = Sketches.readHll(in);
        sketch.nodes = Sketches.readHll(in);
        sketch.clients = Sketches.readHll(in);
        sketch.bigValues.addAll(BigValues.readFrom(in));
        if (in.available() > 0) {
            throw new IOException("profile: " + in.available() + " trailing bytes");
        }
        return sketch;
    }
}
