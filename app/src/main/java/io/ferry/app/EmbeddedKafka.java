package io.ferry.app;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka broker and KRaft controller in this process, from Kafka's own jars, with its data in a
 * folder on disk: formatted on first start (the cluster id is kept there), reused afterwards, so a
 * rerun resumes with its topics and records. For local runs, benchmarks and the demo; production
 * points at a Kafka cluster. Settings suit one node: replication factor 1 everywhere, no automatic
 * topic creation.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker listening on {@code host:port} (port 0: a free one) with its data in {@code
     * dataDir}, and waits until it serves.
     *
     * @throws IllegalStateException when it cannot start (the port is taken, the folder is not
     *     writable or holds another cluster's data), saying which
     */
    public static EmbeddedKafka start(Path dataDir, String host, int port) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot create the Kafka data folder " + dataDir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(dataDir)) {
            throw new IllegalStateException("the Kafka data folder " + dataDir + " is not writable");
        }
        int brokerPort = port == 0 ? freePort(host) : port;
        int controllerPort = freePort(host);
        requireFree(host, brokerPort);
        Path logs = dataDir.resolve("logs");
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        props.put(
                "listeners", "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logs.toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Ferry creates its topics itself; a topic appearing by accident is a bug to see.
        props.put("auto.create.topics.enable", "false");
        Path propsFile = dataDir.resolve("server.properties");
        try {
            try (var out = Files.newOutputStream(propsFile)) {
                props.store(out, "written by ferry kafka at each start");
            }
            format(dataDir, propsFile);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot prepare the Kafka data folder " + dataDir + ": " + e.getMessage(), e);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        String bootstrap = host + ":" + brokerPort;
        try {
            server.startup();
            awaitServing(bootstrap);
        } catch (RuntimeException e) {
            server.shutdown();
            throw new IllegalStateException(
                    "Kafka did not start on " + bootstrap + " (data " + dataDir + "): " + e.getMessage(), e);
        }
        log.info("Kafka serving at {} with its data in {}", bootstrap, dataDir);
        return new EmbeddedKafka(server, bootstrap);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Formats the folder on first use, with a cluster id kept in it; a formatted folder is left as it is. */
    private static void format(Path dataDir, Path propsFile) throws IOException {
        Path idFile = dataDir.resolve("cluster-id");
        String clusterId;
        if (Files.exists(idFile)) {
            clusterId = Files.readString(idFile, StandardCharsets.US_ASCII).trim();
        } else {
            clusterId = Uuid.randomUuid().toString();
            Files.writeString(idFile, clusterId + "\n", StandardCharsets.US_ASCII);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"}, out);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "cannot format the Kafka data folder " + dataDir + ": " + e.getMessage(), e);
        }
        if (status != 0) {
            throw new IllegalStateException("cannot format the Kafka data folder " + dataDir + ": "
                    + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static void awaitServing(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.describeCluster().nodes().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "no answer within " + START_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find a free port on " + host + ": " + e.getMessage(), e);
        }
    }

    private static void requireFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker and waits for it. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        log.info("Kafka at {} stopped", bootstrapServers);
    }
}
