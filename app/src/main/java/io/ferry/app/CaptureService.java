package io.ferry.app;

import io.ferry.capture.CaptureCounters;
import io.ferry.capture.CaptureOptions;
import io.ferry.capture.Counter;
import io.ferry.capture.PcapCapture;
import io.ferry.capture.TrafficPublisher;
import io.ferry.capture.pcap.PacketReader;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.Topic;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.schemas.TopicRegistry;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry capture}: passive capture. Reads a pcap or pcapng stream of Redis traffic (a file, or
 * standard input from {@code tcpdump -w -}), turns each command and its reply into a traffic record
 * and publishes it to the traffic topic; then prints a summary (packets, connections, commands,
 * records, and everything dropped, by reason). Logs a status line every {@value #STATUS_SECONDS} s.
 * Exits 0 when the whole capture was read and published, 1 when the capture was truncated or
 * corrupt (after publishing what came before, saying where it stopped) or Kafka refused records.
 */
final class CaptureService implements Service {
    private static final Logger log = LoggerFactory.getLogger(CaptureService.class);
    private static final long STATUS_SECONDS = 10;
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    static final SettingsSpec SPEC = new SettingsSpec(
            "capture",
            "passive capture: Redis traffic from a pcap/pcapng file or pipe to the traffic topic",
            CaptureSettings.define());

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        return run(settings, out, err);
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        settings.logEffective(log);
        CaptureOptions options;
        try {
            options = CaptureSettings.options(settings);
        } catch (IllegalArgumentException e) {
            err.println("ferry capture: " + e.getMessage());
            return Ferry.EXIT_USAGE;
        }
        String pcap = settings.getString(CaptureSettings.PCAP);
        if (!pcap.equals("-") && !Files.isReadable(Path.of(pcap))) {
            err.println("ferry capture: cannot read the capture file " + pcap);
            return Ferry.EXIT_FAILURE;
        }
        Map<String, Object> kafka =
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.getString(CaptureSettings.KAFKA));
        TopicRegistry topics;
        try (Admin admin = Admin.create(kafka)) {
            topics = TopicBootstrap.ensure(admin, settings.getString(CaptureSettings.TOPIC_PREFIX), KAFKA_TIMEOUT);
            TrafficPublisher.awaitLeaders(admin, topics, KAFKA_TIMEOUT);
        } catch (TopicBootstrapException e) {
            err.println("ferry capture: Kafka topics are not ready: " + e.getMessage());
            return Ferry.EXIT_FAILURE;
        }

        PcapCapture capture = new PcapCapture(options, CommandTable.bundled());
        ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ferry-capture-status");
            thread.setDaemon(true);
            return thread;
        });
        status.scheduleAtFixedRate(
                () -> log.info("capture: {}", capture.counters().line()),
                STATUS_SECONDS,
                STATUS_SECONDS,
                TimeUnit.SECONDS);
        log.info("capture of {} for server ports {} to {}", pcap, options.serverPorts(), topics.name(Topic.TRAFFIC));
        long start = System.nanoTime();
        IOException failure = null;
        TrafficPublisher publisher =
                new TrafficPublisher(kafka, topics, settings.getInt(CaptureSettings.QUEUE_CAPACITY));
        try (InputStream in = pcap.equals("-") ? System.in : Files.newInputStream(Path.of(pcap))) {
            try (PacketReader reader = PacketReader.open(in)) {
                capture.run(reader, publisher);
            } catch (IOException e) {
                failure = e;
            }
        } finally {
            publisher.close(Duration.ofSeconds(60));
            status.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        summary(out, pcap, topics.name(Topic.TRAFFIC), capture.counters(), publisher, seconds);
        log.info("capture finished: {}", capture.counters().line());
        if (failure != null) {
            err.println("ferry capture: " + failure.getMessage());
            return Ferry.EXIT_FAILURE;
        }
        if (publisher.failed() > 0) {
            err.println(
                    "ferry capture: Kafka did not take " + publisher.failed() + " records: " + publisher.firstError());
            return Ferry.EXIT_FAILURE;
        }
        return Ferry.EXIT_OK;
    }

    private static void summary(
            PrintWriter out,
            String pcap,
            String topic,
            CaptureCounters counters,
            TrafficPublisher publisher,
            double seconds) {
        long commands = counters.get(Counter.COMMANDS);
        out.printf(
                Locale.ROOT,
                "ferry capture: %s: %d packets, %d connections, %d commands, %d records published to %s in %.1f s"
                        + " (%.0f commands/s)%n",
                pcap.equals("-") ? "standard input" : pcap,
                counters.get(Counter.PACKETS),
                counters.get(Counter.FLOWS),
                commands,
                publisher.published(),
                topic,
                seconds,
                seconds > 0 ? commands / seconds : 0.0);
        for (Map.Entry<Counter, Long> entry : counters.snapshot().entrySet()) {
            if (entry.getValue() != 0) {
                out.printf(
                        Locale.ROOT,
                        "  %-26s %12d  %s%n",
                        entry.getKey().label(),
                        entry.getValue(),
                        entry.getKey().description());
            }
        }
        out.printf(
                Locale.ROOT,
                "  %-26s %12d  %s%n",
                "kafka.failed",
                publisher.failed(),
                "records Kafka refused or did not acknowledge");
        out.printf(
                Locale.ROOT,
                "  %-26s %12d  %s%n",
                "kafka.waits",
                publisher.waits(),
                "times reading waited for room in the queue to Kafka");
        out.flush();
    }
}
