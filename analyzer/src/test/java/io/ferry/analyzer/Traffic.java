package io.ferry.analyzer;

import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Origin;
import io.ferry.schemas.TrafficRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Traffic records for tests, built one field at a time. */
final class Traffic {
    private final TrafficRecord.Builder builder = TrafficRecord.newBuilder()
            .setOrigin(Origin.PROXY)
            .setNode("proxy-1")
            .setConnection("c1")
            .setSequence(0)
            .setTimestampMicros(Instant.parse("2026-11-30T10:00:00Z"))
            .setDb(0)
            .setCommandClass(CommandClass.UNKNOWN)
            .setLatencyMicros(-1);

    private Traffic(String command) {
        builder.setCommand(command);
    }

    static Traffic command(String command, String... keys) {
        Traffic traffic = new Traffic(command);
        List<ByteBuffer> keyBytes = new ArrayList<>();
        for (String key : keys) {
            keyBytes.add(bytes(key));
        }
        traffic.builder.setKeys(keyBytes).setArgs(new ArrayList<>(keyBytes));
        return traffic;
    }

    Traffic args(String... args) {
        List<ByteBuffer> list = new ArrayList<>();
        for (String arg : args) {
            list.add(bytes(arg));
        }
        builder.setArgs(list);
        return this;
    }

    Traffic argOfSize(int size) {
        builder.setArgs(List.of(ByteBuffer.wrap(new byte[size])));
        return this;
    }

    Traffic at(Instant instant) {
        builder.setTimestampMicros(instant);
        return this;
    }

    Traffic latency(long micros) {
        builder.setLatencyMicros(micros);
        return this;
    }

    Traffic db(int db) {
        builder.setDb(db);
        return this;
    }

    Traffic connection(String node, String connection) {
        builder.setNode(node).setConnection(connection);
        return this;
    }

    Traffic fromPcap() {
        builder.setOrigin(Origin.PCAP);
        return this;
    }

    Traffic responseSize(long size) {
        builder.setResponseSize(size);
        return this;
    }

    TrafficRecord build() {
        return builder.build();
    }

    static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
