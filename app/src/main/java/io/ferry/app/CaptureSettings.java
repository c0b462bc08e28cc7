package io.ferry.app;

import io.ferry.capture.CaptureLimits;
import io.ferry.capture.CaptureOptions;
import io.ferry.capture.TrafficPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.Validators;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The settings of {@code ferry capture}, declared once: the capture, the server ports, Kafka and the memory bounds. */
final class CaptureSettings {
    static final String PCAP = "pcap";
    static final String PORT = "port";
    static final String KAFKA = "kafka";
    static final String TOPIC_PREFIX = "topic-prefix";
    static final String NODE_ID = "node-id";
    static final String MAX_FLOWS = "max-flows";
    static final String MAX_FLOW_BYTES = "max-flow-bytes";
    static final String MAX_TOTAL_BYTES = "max-total-bytes";
    static final String MAX_PENDING_COMMANDS = "max-pending-commands";
    static final String FLOW_IDLE_TIMEOUT_MS = "flow-idle-timeout-ms";
    static final String QUEUE_CAPACITY = "queue-capacity";

    private CaptureSettings() {}

    static ConfigDef define() {
        return new ConfigDef()
                .define(
                        PCAP,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.HIGH,
                        "The capture to read, classic pcap or pcapng: a file, or - for standard input "
                                + "(tcpdump -i any -w - port 6379 | ferry capture --pcap - ...).")
                .define(
                        PORT,
                        Type.LIST,
                        List.of(String.valueOf(CaptureOptions.DEFAULT_PORT)),
                        ports(),
                        Importance.HIGH,
                        "The Redis server's TCP ports (comma-separated): a segment to one of them comes from a "
                                + "client, one from it is a reply.")
                .define(
                        KAFKA,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        Validators.kafkaBootstrap(),
                        Importance.HIGH,
                        "Kafka bootstrap servers (host:port,...) to publish the traffic records to.")
                .define(
                        TOPIC_PREFIX,
                        Type.STRING,
                        "ferry",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Prefix of Ferry's Kafka topic names.")
                .define(
                        NODE_ID,
                        Type.STRING,
                        "capture",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.MEDIUM,
                        "The node of every record this capture publishes (records are keyed by node and "
                                + "client address): give each capture of one migration its own.")
                .define(
                        MAX_FLOWS,
                        Type.INT,
                        CaptureLimits.DEFAULT_MAX_FLOWS,
                        Range.between(1, 10_000_000),
                        Importance.MEDIUM,
                        "TCP connections followed at once; packets of more are ignored and counted.")
                .define(
                        MAX_FLOW_BYTES,
                        Type.LONG,
                        CaptureLimits.DEFAULT_MAX_FLOW_BYTES,
                        Range.between(CaptureLimits.MIN_FLOW_BYTES, Integer.MAX_VALUE - 64),
                        Importance.MEDIUM,
                        "Bytes one connection may hold (segments waiting for a missing one, partly read "
                                + "commands and replies, commands waiting for a reply); also the largest command "
                                + "or reply read. Over it, what the connection holds is let go and counted.")
                .define(
                        MAX_TOTAL_BYTES,
                        Type.LONG,
                        CaptureLimits.DEFAULT_MAX_TOTAL_BYTES,
                        Range.atLeast(CaptureLimits.MIN_FLOW_BYTES),
                        Importance.MEDIUM,
                        "Bytes all connections together may hold; the connection that goes over lets go of "
                                + "what it holds. At least max-flow-bytes.")
                .define(
                        MAX_PENDING_COMMANDS,
                        Type.INT,
                        CaptureLimits.DEFAULT_MAX_PENDING_COMMANDS,
                        Range.between(1, 10_000_000),
                        Importance.LOW,
                        "Commands of one connection waiting for their reply; over it, replies are no longer "
                                + "paired on that connection.")
                .define(
                        FLOW_IDLE_TIMEOUT_MS,
                        Type.LONG,
                        CaptureLimits.DEFAULT_FLOW_IDLE_TIMEOUT.toMillis(),
                        Range.between(1_000, 7L * 24 * 3600 * 1000),
                        Importance.LOW,
                        "A connection with no packet for this long, in capture time (ms), is closed.")
                .define(
                        QUEUE_CAPACITY,
                        Type.INT,
                        TrafficPublisher.DEFAULT_QUEUE_CAPACITY,
                        Range.between(1, 10_000_000),
                        Importance.LOW,
                        "Records waiting for Kafka, at most; reading the capture waits when it is full.");
    }

    /**
     * The capture's options.
     *
     * @throws IllegalArgumentException when the values do not fit together (max-total-bytes below max-flow-bytes)
     */
    static CaptureOptions options(Settings settings) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String port : settings.getList(PORT)) {
            ports.add(Integer.parseInt(port.trim()));
        }
        CaptureLimits limits = new CaptureLimits(
                settings.getInt(MAX_FLOWS),
                settings.getLong(MAX_FLOW_BYTES),
                settings.getLong(MAX_TOTAL_BYTES),
                settings.getInt(MAX_PENDING_COMMANDS),
                Duration.ofMillis(settings.getLong(FLOW_IDLE_TIMEOUT_MS)));
        return new CaptureOptions(ports, settings.getString(NODE_ID), limits);
    }

    private static ConfigDef.Validator ports() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> ports = (List<String>) value;
            if (ports == null || ports.isEmpty()) {
                throw new ConfigException(name, value, "at least one port is needed");
            }
            for (String port : ports) {
                int number;
                try {
                    number = Integer.parseInt(port.trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException(name, port, "not a port number");
                }
                if (number < 1 || number > 65_535) {
                    throw new ConfigException(name, port, "a port is 1..65535");
                }
            }
        };
    }
}
