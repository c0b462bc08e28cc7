package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ferry errors list|export|replay} as a user runs them after a {@code ferry copy} whose target
 * refused some keys (an ACL limiting the copy's user to {@code ok:*}), against real servers and a
 * real broker.
 */
class ErrorsCommandIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private static final String[] NARROW_USER = {"--user", "mover", "on", ">pa55word", "~ok:*", "+@all"};
    private static final byte[] BINARY_KEY = {
        'b', 'l', 'o', 'c', 'k', 'e', 'd', ':', 'f', 'i', 'x', 'e', 'd', ':', (byte) 0xff, '\n'
    };

    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    /**
     * Runs the command. {@code ferry errors} prints to the launcher's writers; {@code ferry copy}
     * prints to the process's standard error, captured into err too. (Test logs go to the process's
     * standard output, which is left alone.)
     */
    private int ferry(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        PrintStream processErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.setErr(processErr);
            err.write(captured.toString(StandardCharsets.UTF_8));
        }
    }

    private static String targetUri(RedisServer target) {
        return "redis://mover:pa55word@127.0.0.1:" + target.port();
    }

    /** Ten keys the target takes, and four it refuses until its ACL is widened: three "fixed", one "still". */
    private static void fill(RedisServer source) {
        try (StatefulRedisConnection<byte[], byte[]> connection =
                RedisClient.create(source.uri()).connect(ByteArrayCodec.INSTANCE)) {
            var redis = connection.sync();
            for (int i = 0; i < 10; i++) {
                redis.set(bytes("ok:" + i), bytes("v" + i));
            }
            redis.set(bytes("blocked:fixed:string"), bytes("value"));
            redis.pexpire(bytes("blocked:fixed:string"), 600_000);
            redis.hset(bytes("blocked:fixed:hash"), bytes("f"), bytes("v"));
            redis.set(BINARY_KEY, new byte[] {0, (byte) 0xfe});
            redis.sadd(bytes("blocked:still:set"), bytes("x"));
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void listExportAndReplayTheKeysACopyCouldNotWrite() throws Exception {
        RedisServer source = redis.start("errors-source");
        RedisServer target = redis.start("errors-target", NARROW_USER);
        fill(source);
        String prefix = kafka.uniqueName("errors");
        String[] kafkaFlags = {"--kafka", kafka.bootstrapServers(), "--topic-prefix", prefix};
        int copied = ferry(
                concat(new String[] {"copy", "--source", source.uri(), "--target", targetUri(target)}, kafkaFlags));
        assertThat(copied).as("copy; stderr: %s", err).isZero();
        assertThat(err.toString()).contains("10 keys copied", "4 failed");

        int listed = ferry(concat(new String[] {"errors", "list"}, kafkaFlags));

        assertThat(listed).as("list; stderr: %s", err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).matches("RUN +DB +KEY +STAGE +ATTEMPTS +LAST SEEN +ERROR");
        assertThat(lines.subList(1, 5))
                .allSatisfy(line -> assertThat(line).matches("copy +0 +\"blocked:\\S+\" +RESTORE +3 +\\S+Z +NOPERM .*"))
                .anySatisfy(line -> assertThat(line).contains("\"blocked:fixed:\\xff\\n\""))
                .anySatisfy(line -> assertThat(line).contains("\"blocked:still:set\""));
        assertThat(err.toString()).contains("4 errors in " + prefix + ".errors");
        assertThat(ferry(concat(new String[] {"errors", "list", "--run-id", "other"}, kafkaFlags)))
                .isZero();
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("0 errors of run other");

        Path file = dir.resolve("errors.jsonl");
        int exported = ferry(
                concat(new String[] {"errors", "export", "--file", file.toString(), "--run-id", "copy"}, kafkaFlags));

        assertThat(exported).as("export; stderr: %s", err).isZero();
        List<JsonNode> objects = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            objects.add(json.readTree(line));
        }
        assertThat(objects).hasSize(4);
        JsonNode binary = objects.stream()
                .filter(o -> o.get("key").asText().equals("blocked:fixed:\\xff\\n"))
                .findFirst()
                .orElseThrow();
        assertThat(Base64.getDecoder().decode(binary.get("keyBase64").asText())).isEqualTo(BINARY_KEY);
        assertThat(binary.get("runId").asText()).isEqualTo("copy");
        assertThat(binary.get("db").asInt()).isZero();
        assertThat(binary.get("stage").asText()).isEqualTo("RESTORE");
        assertThat(binary.get("attempts").asInt()).isEqualTo(3);
        assertThat(binary.get("error").asText()).startsWith("NOPERM");
        assertThat(binary.get("lastSeen").asText()).endsWith("Z");
        assertThat(binary.get("sourceNode").isNull()).isTrue();
        assertThat(binary.get("context").get("taskId").asText()).isNotEmpty();
        assertThat(Files.list(dir)).containsExactly(file);

        target.command("ACL SETUSER mover ~blocked:fixed:*");
        String[] replay = concat(
                new String[] {"errors", "replay", "--source", source.uri(), "--target", targetUri(target)}, kafkaFlags);
        int stillFailing = ferry(replay);

        assertThat(stillFailing).as("replay; stderr: %s", err).isEqualTo(Ferry.EXIT_FAILURE);
        assertThat(out.toString().lines())
                .filteredOn(line -> line.startsWith("VERIFIED "))
                .hasSize(3);
        assertThat(out.toString().lines())
                .filteredOn(line -> line.startsWith("STILL_FAILING "))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("\"blocked:still:set\"", "RESTORE: NOPERM"));
        assertThat(out.toString())
                .contains("replayed 4 keys: 3 verified, 0 vanished, 0 skipped, 1 still failing, 0 mismatched");
        try (StatefulRedisConnection<byte[], byte[]> to =
                RedisClient.create(target.uri()).connect(ByteArrayCodec.INSTANCE)) {
            assertThat(to.sync().get(BINARY_KEY)).isEqualTo(new byte[] {0, (byte) 0xfe});
            assertThat(to.sync().pttl(bytes("blocked:fixed:string"))).isBetween(1L, 600_000L);
        }

        target.command("ACL SETUSER mover ~blocked:still:*");
        int resolved = ferry(replay);

        assertThat(resolved).as("replay; stderr: %s", err).isZero();
        assertThat(out.toString()).contains("replayed 4 keys: 4 verified");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }

    @Test
    void theErrorsOfACopyWithItsOwnBrokerAreListedFromItsDataDir() {
        RedisServer source = redis.start("own-source");
        RedisServer target = redis.start("own-target", NARROW_USER);
        fill(source);
        String dataDir = dir.resolve("data").toString();
        int copied = ferry("copy", "--source", source.uri(), "--target", targetUri(target), "--data-dir", dataDir);
        assertThat(copied).as("copy; stderr: %s", err).isZero();

        int listed = ferry("errors", "list", "--data-dir", dataDir);

        assertThat(listed).as("list; stderr: %s", err).isZero();
        assertThat(out.toString().lines()).hasSize(5);
        assertThat(out.toString()).contains("\"blocked:still:set\"");
        assertThat(err.toString()).contains("starting the broker of 'ferry copy'", "4 errors in ferry.errors");
    }

    @Test
    void withNeitherKafkaNorACopysDataItSaysWhatToGive() {
        int status =
                ferry("errors", "list", "--data-dir", dir.resolve("nothing").toString());

        assertThat(status).isEqualTo(Ferry.EXIT_FAILURE);
        assertThat(err.toString()).contains("no kafka given", "give --kafka HOST:PORT");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aTopicPrefixNoRunUsedIsNamed() {
        String prefix = kafka.uniqueName("unused");
        int status = ferry("errors", "list", "--kafka", kafka.bootstrapServers(), "--topic-prefix", prefix);

        assertThat(status).isEqualTo(Ferry.EXIT_FAILURE);
        assertThat(err.toString()).contains("has no topic " + prefix + ".errors");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
