// Run by bench/analyzer.sh with the Ferry jar on the class path (java's single-file source launcher):
//   java -cp app/target/ferry.jar bench/analyzer/AnalyzerBench.java produce BOOTSTRAP PREFIX RECORDS
//   java -cp app/target/ferry.jar bench/analyzer/AnalyzerBench.java analyze BOOTSTRAP PREFIX RECORDS STATE_DIR GUARANTEE THREADS
// "produce" writes RECORDS synthetic traffic records to PREFIX.traffic; "analyze" runs the analyzer
// (the same class `ferry analyzer` runs) until its overall profile holds RECORDS commands, and prints
// how long that took. Not a test: it prints figures.

import io.ferry.analyzer.Analyzer;
import io.ferry.analyzer.AnalyzerConfig;
import io.ferry.analyzer.ProfileSketch;
import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Origin;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.TrafficRecord;
import io.ferry.schemas.TypedTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class AnalyzerBench {
    private static final String[][] COMMANDS = {
        {"GET", "READ"}, {"GET", "READ"}, {"GET", "READ"}, {"SET", "WRITE"}, {"HGET", "READ"},
        {"HSET", "WRITE"}, {"INCR", "WRITE"}, {"LPUSH", "WRITE"}, {"ZADD", "WRITE"}, {"EXPIRE", "WRITE"}
    };
    private static final String[] PREFIXES = {"user", "session", "cart", "product", "order", "feed", "rate", "cfg"};

    public static void main(String[] args) throws Exception {
        String bootstrap = args[1];
        String prefix = args[2];
        long records = Long.parseLong(args[3]);
        Map<String, Object> kafka = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
        TopicRegistry topics;
        try (Admin admin = Admin.create(kafka)) {
            topics = TopicBootstrap.ensure(admin, prefix, Duration.ofSeconds(60));
        }
        switch (args[0]) {
            case "produce" -> produce(kafka, topics, records);
            case "analyze" -> analyze(kafka, topics, records, Path.of(args[4]), args[5], Integer.parseInt(args[6]));
            default -> throw new IllegalArgumentException("mode: " + args[0] + " (expected: produce, analyze)");
        }
    }

    private static void produce(Map<String, Object> kafka, TopicRegistry topics, long records) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        Random random = new Random(42);
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        Instant start = Instant.now();
        long t0 = System.nanoTime();
        try (KafkaProducer<String, TrafficRecord> producer = new KafkaProducer<>(
                config, TypedTopic.TRAFFIC.keySerde().serializer(), TypedTopic.TRAFFIC.valueSerde().serializer())) {
            for (long i = 0; i < records; i++) {
                String[] command = COMMANDS[random.nextInt(COMMANDS.length)];
                // A skewed keyspace: a few hot keys, a long tail.
                int id = random.nextInt(10) == 0 ? random.nextInt(20) : random.nextInt(1_000_000);
                String key = PREFIXES[id % PREFIXES.length] + ":" + id;
                ByteBuffer keyBytes = ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
                List<ByteBuffer> argList = new ArrayList<>(List.of(keyBytes));
                if (command[1].equals("WRITE")) {
                    argList.add(ByteBuffer.wrap(new byte[64]));
                }
                TrafficRecord record = TrafficRecord.newBuilder()
                        .setOrigin(Origin.PROXY)
                        .setNode("bench-" + (i % 3))
                        .setConnection("c" + (i % 200))
                        .setSequence(i)
                        .setTimestampMicros(start.plusNanos(i * 10_000))
                        .setDb(0)
                        .setCommand(command[0])
                        .setCommandClass(CommandClass.valueOf(command[1]))
                        .setKeys(List.of(keyBytes))
                        .setArgs(argList)
                        .setProtocol(2)
                        .setResponseType("bulk-string")
                        .setResponseSize(70)
                        .setLatencyMicros(50 + random.nextInt(500))
                        .build();
                producer.send(TypedTopic.TRAFFIC.producerRecord(topics, record), (metadata, error) -> {
                    if (error != null && failed.getAndIncrement() == 0) {
                        System.err.println("[bench] a traffic record was not written: " + error);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + records + " traffic records were not written");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("produced %d traffic records in %.2f s (%.0f records/s)%n", records, seconds, records / seconds);
    }

    private static void analyze(
            Map<String, Object> kafka, TopicRegistry topics, long records, Path stateDir, String guarantee, int threads)
            throws InterruptedException {
        AnalyzerConfig config = AnalyzerConfig.DEFAULTS
                .withRunId("bench-" + System.currentTimeMillis())
                .withEmitInterval(Duration.ofMillis(200));
        long t0 = System.nanoTime();
        long firstNanos = 0;
        long firstOps = 0;
        try (Analyzer analyzer =
                new Analyzer(config, kafka, topics, stateDir, Analyzer.Guarantee.valueOf(guarantee), threads)) {
            analyzer.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            long lastReport = System.nanoTime();
            while (true) {
                long ops = analyzer.overall().map(ProfileSketch::ops).orElse(0L);
                if (ops > 0 && firstNanos == 0) {
                    firstNanos = System.nanoTime();
                    firstOps = ops;
                }
                if (ops >= records) {
                    break;
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    lastReport = System.nanoTime();
                    System.err.printf("[bench] %s, %d of %d commands profiled%n", analyzer.state(), ops, records);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the analyzer profiled " + ops + " of " + records + " in 30 min");
                }
                Thread.sleep(50);
            }
        }
        long t1 = System.nanoTime();
        double total = (t1 - t0) / 1e9;
        double steady = (t1 - firstNanos) / 1e9;
        System.out.printf(
                "analyzed %d traffic records in %.2f s from start (%.0f records/s); %.0f records/s from the first "
                        + "published profile (%d records) to the last%n",
                records, total, records / total, (records - firstOps) / steady, firstOps);
    }
}
