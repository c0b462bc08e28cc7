package io.ferry.proxy;

import io.ferry.proxy.kafka.WriteLogOverflow;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.TlsOptions;
import io.ferry.settings.Validators;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.util.ArrayList;
import java.util.List;

/** Every setting of a proxy node ({@code ferry proxy}), declared once. */
public final class ProxySettings {
    public static final String LISTEN = "listen";
    public static final String SOURCE = "source";
    public static final String SOURCE_TLS_CA_FILE = "source.tls.ca-file";
    public static final String SOURCE_TLS_CERT_FILE = "source.tls.cert-file";
    public static final String SOURCE_TLS_KEY_FILE = "source.tls.key-file";
    public static final String SOURCE_TLS_VERIFY_HOSTNAME = "source.tls.verify-hostname";
    /** The source's TLS settings, read into {@link ProxyConfig#sourceTls()}. */
    public static final TlsOptions.Keys SOURCE_TLS = new TlsOptions.Keys(
            SOURCE, SOURCE_TLS_CA_FILE, SOURCE_TLS_CERT_FILE, SOURCE_TLS_KEY_FILE, SOURCE_TLS_VERIFY_HOSTNAME);

    public static final String TARGET = "target";
    public static final String TARGET_TLS_CA_FILE = "target.tls.ca-file";
    public static final String TARGET_TLS_CERT_FILE = "target.tls.cert-file";
    public static final String TARGET_TLS_KEY_FILE = "target.tls.key-file";
    public static final String TARGET_TLS_VERIFY_HOSTNAME = "target.tls.verify-hostname";
    /** The target's TLS settings, read into {@link ProxyConfig#targetTls()}. */
    public static final TlsOptions.Keys TARGET_TLS = new TlsOptions.Keys(
            TARGET, TARGET_TLS_CA_FILE, TARGET_TLS_CERT_FILE, TARGET_TLS_KEY_FILE, TARGET_TLS_VERIFY_HOSTNAME);

    public static final String WRITE_POLICY = "write-policy";
    public static final String READ_MODE = "read-mode";
    public static final String RATIO = "ratio";
    public static final String MIRROR_TIMEOUT_MS = "mirror-timeout-ms";
    public static final String KAFKA = "kafka";
    public static final String TOPIC_PREFIX = "topic-prefix";
    public static final String WRITES_QUEUE_CAPACITY = "writes.queue-capacity";
    public static final String WRITES_OVERFLOW = "writes.overflow";
    public static final String WRITES_OVERFLOW_KEYS = "writes.overflow-keys";
    public static final String WRITES_DELIVERY_TIMEOUT_MS = "writes.delivery-timeout-ms";
    public static final String TRAFFIC_SAMPLE_RATE = "traffic.sample-rate";
    public static final String TRAFFIC_QUEUE_CAPACITY = "traffic.queue-capacity";
    public static final String CONTROL_RUN_ID = "control.run-id";
    public static final String NODE_ID = "node-id";
    public static final String MAX_CONNECTIONS = "max-connections";
    public static final String IDLE_TIMEOUT_MS = "idle-timeout-ms";
    public static final String DRAIN_TIMEOUT_MS = "drain-timeout-ms";
    public static final String MAX_BULK_LENGTH = "client.max-bulk-length";
    public static final String MAX_MULTIBULK_LENGTH = "client.max-multibulk-length";
    public static final String MAX_INLINE_LENGTH = "client.max-inline-length";
    public static final String MAX_NESTING_DEPTH = "client.max-nesting-depth";
    public static final String OUTPUT_BUFFER_LIMIT = "client.output-buffer-limit";
    public static final String IO_THREADS = "io-threads";
    public static final String SOURCE_CONNECTIONS = "source-connections";

    public static final SettingsSpec SPEC = new SettingsSpec(
            "proxy",
            "a proxy node: applications connect here instead of to their Redis",
            StatsPublisher.define(new ConfigDef())
                    .define(
                            LISTEN,
                            Type.STRING,
                            "127.0.0.1:6380",
                            Validators.hostPort(),
                            Importance.HIGH,
                            "Address the proxy listens on for application connections, host:port. In front of a "
                                    + "Redis Cluster source, one listener per source node, on consecutive ports from "
                                    + "this one (docs/proxy.md).")
                    .define(
                            SOURCE,
                            Type.STRING,
                            ConfigDef.NO_DEFAULT_VALUE,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "The source Redis, authoritative until commit: redis://[user:password@]host:port[/db], "
                                    + "rediss:// for TLS.")
                    .define(
                            SOURCE_TLS_CA_FILE,
                            Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            Importance.MEDIUM,
                            "For a rediss:// source: PEM file of the CA certificates to trust (a private CA, a "
                                    + "self-signed server); empty: the JVM's default trust store.")
                    .define(
                            SOURCE_TLS_CERT_FILE,
                            Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            Importance.MEDIUM,
                            "For a rediss:// source that requires client certificates (Redis tls-auth-clients): "
                                    + "PEM file of the certificate Ferry presents; needs source.tls.key-file. "
                                    + "Empty: none.")
                    .define(
                            SOURCE_TLS_KEY_FILE,
                            Type.STRING,
                            "",
                            Validators.pemPrivateKey(),
                            Importance.MEDIUM,
                            "Unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----) of "
                                    + "source.tls.cert-file; needs it. Empty: none.")
                    .define(
                            SOURCE_TLS_VERIFY_HOSTNAME,
                            Type.BOOLEAN,
                            true,
                            Importance.LOW,
                            "For a rediss:// source: the server's certificate must name the URI's host (DNS or IP "
                                    + "subject alternative name). false trusts any certificate the CA signed.")
                    .define(
                            TARGET,
                            Type.STRING,
                            null,
                            Validators.redisUri(),
                            Importance.HIGH,
                            "The target Redis to migrate to, same form as source; none for passthrough.")
                    .define(
                            TARGET_TLS_CA_FILE,
                            Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            Importance.MEDIUM,
                            "For a rediss:// target: as source.tls.ca-file.")
                    .define(
                            TARGET_TLS_CERT_FILE,
                            Type.STRING,
                            "",
                            Validators.pemCertificates(),
                            Importance.MEDIUM,
                            "For a rediss:// target: as source.tls.cert-file; needs target.tls.key-file.")
                    .define(
                            TARGET_TLS_KEY_FILE,
                            Type.STRING,
                            "",
                            Validators.pemPrivateKey(),
                            Importance.MEDIUM,
                            "For a rediss:// target: as source.tls.key-file; needs target.tls.cert-file.")
                    .define(
                            TARGET_TLS_VERIFY_HOSTNAME,
                            Type.BOOLEAN,
                            true,
                            Importance.LOW,
                            "For a rediss:// target: as source.tls.verify-hostname.")
                    .define(
                            WRITE_POLICY,
                            Type.STRING,
                            WritePolicy.SOURCE_ONLY.name(),
                            Validators.oneOf(WritePolicy.class),
                            Importance.HIGH,
                            "How writes reach the two sides until the control topic says otherwise: SOURCE_ONLY, "
                                    + "SOURCE_AUTHORITATIVE (both; the client gets the source's reply at once), "
                                    + "BEST_EFFORT (target fire-and-forget), BOTH_REQUIRED (both must succeed), "
                                    + "TARGET_AUTHORITATIVE, TARGET_ONLY. Anything but SOURCE_ONLY needs target.")
                    .define(
                            READ_MODE,
                            Type.STRING,
                            ReadMode.SOURCE.name(),
                            Validators.oneOf(ReadMode.class),
                            Importance.HIGH,
                            "Where reads are served until the control topic says otherwise: SOURCE, TARGET, RATIO "
                                    + "(a stable hash of the key picks the side, see ratio), FALLBACK_ON_MISS (target, "
                                    + "then source on nil), VERSION_COMPARE (read both, serve the authoritative side, "
                                    + "repair the key on a mismatch), REPLICATED (read both, serve the authoritative "
                                    + "side, log divergences).")
                    .define(
                            RATIO,
                            Type.INT,
                            0,
                            Range.between(0, 100),
                            Importance.MEDIUM,
                            "With read-mode RATIO: the share of keys, in percent, read from the target.")
                    .define(
                            MIRROR_TIMEOUT_MS,
                            Type.LONG,
                            2_000L,
                            Range.between(0, 3_600_000),
                            Importance.MEDIUM,
                            "How long the side that does not answer a client (the target under "
                                    + "SOURCE_AUTHORITATIVE) may take before its commands count as timed out, are "
                                    + "flagged for repair and its shared connection is reopened; under BOTH_REQUIRED "
                                    + "the client then gets an error. 0: no limit.")
                    .define(
                            KAFKA,
                            Type.STRING,
                            null,
                            Validators.kafkaBootstrap(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (host:port,...); none: no write log, traffic capture or "
                                    + "control topic.")
                    .define(
                            TOPIC_PREFIX,
                            Type.STRING,
                            "ferry",
                            new ConfigDef.NonEmptyStringWithoutControlChars(),
                            Importance.LOW,
                            "Prefix of Ferry's Kafka topic names (prefix.writes, ...).")
                    .define(
                            WRITES_QUEUE_CAPACITY,
                            Type.INT,
                            100_000,
                            Range.between(1, 10_000_000),
                            Importance.LOW,
                            "Write records waiting for Kafka, at most; beyond, writes.overflow applies.")
                    .define(
                            WRITES_OVERFLOW,
                            Type.STRING,
                            WriteLogOverflow.FLAG_KEYS.name(),
                            Validators.oneOf(WriteLogOverflow.class),
                            Importance.MEDIUM,
                            "When the writes log cannot take a record (queue full, Kafka down): FLAG_KEYS, the "
                                    + "write goes ahead and its keys are published for repair when Kafka is back; "
                                    + "REJECT_WRITES, the write is refused with an error while the queue is full.")
                    .define(
                            WRITES_OVERFLOW_KEYS,
                            Type.INT,
                            1_000_000,
                            Range.between(0, 100_000_000),
                            Importance.LOW,
                            "Keys kept for repair while Kafka cannot take records, at most; more are counted "
                                    + "(ferry.writes.overflow.lost) and reported.")
                    .define(
                            WRITES_DELIVERY_TIMEOUT_MS,
                            Type.LONG,
                            10_000L,
                            Range.between(1_000, 600_000),
                            Importance.LOW,
                            "How long Kafka may take to acknowledge a write record before its keys are kept "
                                    + "for repair, in ms.")
                    .define(
                            TRAFFIC_SAMPLE_RATE,
                            Type.DOUBLE,
                            1.0,
                            Range.between(0.0, 1.0),
                            Importance.MEDIUM,
                            "Share of commands captured on the traffic topic (with the reply's digest and "
                                    + "first 4 KiB), 0 to 1.")
                    .define(
                            TRAFFIC_QUEUE_CAPACITY,
                            Type.INT,
                            50_000,
                            Range.between(1, 10_000_000),
                            Importance.LOW,
                            "Traffic records waiting for Kafka, at most; more are dropped and counted "
                                    + "(ferry.traffic.dropped), never a client request.")
                    .define(
                            CONTROL_RUN_ID,
                            Type.STRING,
                            "",
                            Importance.LOW,
                            "The migration run whose state this proxy follows on the control topic; empty: the "
                                    + "migration state with the highest epoch.")
                    .define(
                            NODE_ID,
                            Type.STRING,
                            "",
                            Importance.LOW,
                            "This node's name in published records; empty: the host name and listen port.")
                    .define(
                            MAX_CONNECTIONS,
                            Type.INT,
                            10_000,
                            Range.between(1, 1_000_000),
                            Importance.MEDIUM,
                            "Most client connections at once; a client over it gets an error and is closed.")
                    .define(
                            IDLE_TIMEOUT_MS,
                            Type.LONG,
                            0L,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Close a client idle this long, in ms; 0 never (Redis's timeout 0).")
                    .define(
                            DRAIN_TIMEOUT_MS,
                            Type.LONG,
                            30_000L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "On shutdown, how long in-flight replies may take before connections are closed, in ms.")
                    .define(
                            MAX_BULK_LENGTH,
                            Type.LONG,
                            512L * 1024 * 1024,
                            Range.between(1, Integer.MAX_VALUE),
                            Importance.LOW,
                            "Largest bulk string a client may send, in bytes (Redis proto-max-bulk-len).")
                    .define(
                            MAX_MULTIBULK_LENGTH,
                            Type.INT,
                            1024 * 1024,
                            Range.between(1, Integer.MAX_VALUE),
                            Importance.LOW,
                            "Most arguments in one client command.")
                    .define(
                            MAX_INLINE_LENGTH,
                            Type.INT,
                            64 * 1024,
                            Range.between(16, 64 * 1024 * 1024),
                            Importance.LOW,
                            "Longest inline command, in bytes (Redis: 64 KB).")
                    .define(
                            MAX_NESTING_DEPTH,
                            Type.INT,
                            128,
                            Range.between(1, 4096),
                            Importance.LOW,
                            "Deepest nesting of aggregates in a frame.")
                    .define(
                            OUTPUT_BUFFER_LIMIT,
                            Type.LONG,
                            1024L * 1024 * 1024,
                            Range.atLeast(1024),
                            Importance.LOW,
                            "Most reply bytes queued for one client before it is disconnected. Ferry stops reading "
                                    + "from the source while a client is slow, so this bounds one huge reply.")
                    .define(
                            IO_THREADS,
                            Type.INT,
                            0,
                            Range.between(0, 1024),
                            Importance.LOW,
                            "Event-loop threads; 0: one per CPU core.")
                    .define(
                            SOURCE_CONNECTIONS,
                            Type.STRING,
                            SourceConnections.SHARED.name(),
                            Validators.oneOf(SourceConnections.class),
                            Importance.MEDIUM,
                            "SHARED: clients share a few pipelined source connections per event loop until they use "
                                    + "connection state (SELECT, MULTI, WATCH, blocking commands, Pub/Sub, CLIENT, "
                                    + "HELLO, ...), then get their own; PER_CLIENT: every client gets its own source "
                                    + "connection from the start."),
            List.of(SOURCE_TLS::problems, TARGET_TLS::problems, ProxySettings::routeProblems));

    /** A write policy or read mode that needs a target without one, or a combination that loses writes. */
    private static List<String> routeProblems(Settings settings) {
        List<String> problems = new ArrayList<>();
        WritePolicy policy = WritePolicy.valueOf(settings.getString(WRITE_POLICY));
        ReadMode mode = ReadMode.valueOf(settings.getString(READ_MODE));
        if (settings.getString(TARGET) == null && (policy != WritePolicy.SOURCE_ONLY || mode != ReadMode.SOURCE)) {
            problems.add(WRITE_POLICY + " " + policy + " and " + READ_MODE + " " + mode + " need a target (expected: --"
                    + TARGET + " URI, or SOURCE_ONLY and SOURCE)");
        }
        String combination =
                MigrationRoute.problem(policy, mode, mode == ReadMode.RATIO ? Strategy.CANARY : Strategy.BIG_BANG);
        if (combination != null) {
            problems.add(WRITE_POLICY + ", " + READ_MODE + ": " + combination);
        }
        return problems;
    }

    private ProxySettings() {}
}
