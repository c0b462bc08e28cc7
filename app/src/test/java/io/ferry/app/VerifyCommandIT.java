package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code ferry verify} as an operator runs it: exit status, summary, JSON report, bounded heap. */
class VerifyCommandIT {
    private static final int HEAP_MB = 96;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs the command in this JVM; what it prints to the process's streams lands in out and err. */
    private int ferry(String... args) {
        PrintStream processOut = System.out;
        PrintStream processErr = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        try {
            return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.setOut(processOut);
            System.setErr(processErr);
            out.write(capturedOut.toString(StandardCharsets.UTF_8));
            err.write(capturedErr.toString(StandardCharsets.UTF_8));
        }
    }

    /** The target made an exact copy of the source by replication, then detached. */
    private static void replicate(RedisServer source, RedisServer target) throws Exception {
        target.command("REPLICAOF " + source.host() + " " + source.port());
        await().atMost(Duration.ofMinutes(1))
                .until(() -> target.info("master_link_status").equals("up")
                        && target.info("master_sync_in_progress").equals("0"));
        target.command("REPLICAOF NO ONE");
    }

    @Test
    void anEqualKeyspaceExitsZeroAndAPlantedDifferenceExitsOneNamingTheKey(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("verify-source");
        RedisServer target = redis.start("verify-target");
        for (int i = 0; i < 500; i++) {
            source.command("SET key:" + i + " value:" + i);
        }
        source.command("HSET user:1 name ada lang en");
        replicate(source, target);
        Path report = dir.resolve("report.json");

        int equal = ferry("verify", "--source", source.uri(), "--target", target.uri(), "--report", report.toString());

        assertThat(equal).as("exit status; out:%n%s%nerr:%n%s", out, err).isZero();
        assertThat(out.toString()).contains("EQUAL: 501 keys compared");
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("result").asText()).isEqualTo("equal");
        assertThat(json.get("keysChecked").asLong()).isEqualTo(501);
        assertThat(json.get("confirmed").get("total").asLong()).isZero();

        target.command("HSET user:1 lang fr");
        target.command("DEL key:7");
        target.command("SET stray 1");
        out.getBuffer().setLength(0);

        int different = ferry(
                "verify",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--find-extra",
                "--round-delay-ms",
                "50",
                "--report",
                report.toString());

        assertThat(different).as("exit status; out:%n%s%nerr:%n%s", out, err).isEqualTo(1);
        assertThat(out.toString())
                .contains("DIFFERENT: 501 keys compared")
                .contains("confirmed different: 3")
                .contains("value   db 0 \"user:1\"")
                .contains("missing db 0 \"key:7\"")
                .contains("extra   db 0 \"stray\"");
        json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("exitStatus").asInt()).isEqualTo(1);
        assertThat(json.get("confirmed").get("value").asLong()).isEqualTo(1);
        assertThat(json.get("samples").get("missing").get(0).get("key").asText())
                .isEqualTo("\"key:7\"");
        assertThat(json.get("samples")
                        .get("missing")
                        .get(0)
                        .get("target")
                        .get("type")
                        .asText())
                .isEqualTo("none");
    }

    @Test
    void anUnreachableTargetExitsTwoNamingItWithoutItsPassword(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("verify-alone");
        source.command("SET a 1");
        String target = "redis://:Sup3rSecret@127.0.0.1:" + FreePorts.next();

        int status = ferry(
                "verify",
                "--source",
                source.uri(),
                "--target",
                target,
                "--report",
                dir.resolve("report.json").toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("ferry verify:").contains("target").doesNotContain("Sup3rSecret");
        assertThat(out.toString()).doesNotContain("Sup3rSecret");
    }

    @Test
    void aMillionKeysAreVerifiedInABoundedHeap(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("million-source");
        RedisServer target = redis.start("million-target");
        RedisClient client = RedisClient.create(source.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> s = connection.sync();
            s.eval(
                    "for i = 0, 999999 do redis.call('SET', 'key:' .. i, 'value-of-key-' .. i) end",
                    ScriptOutputType.STATUS);
            replicate(source, target);
            // A tenth of the keys lost on the target: their re-checks are kept on disk, not in the heap.
            RedisClient targetClient = RedisClient.create(target.uri());
            try (StatefulRedisConnection<String, String> t = targetClient.connect()) {
                t.sync().eval("for i = 0, 999999, 10 do redis.call('DEL', 'key:' .. i) end", ScriptOutputType.STATUS);
            } finally {
                targetClient.shutdown();
            }
        } finally {
            client.shutdown();
        }
        Path log = Files.createTempFile("ferry-verify-", ".log");
        Path report = dir.resolve("report.json");
        Process verify = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx" + HEAP_MB + "m",
                        "-jar",
                        Path.of("target", "ferry.jar").toString(),
                        "verify",
                        "--source",
                        source.uri(),
                        "--target",
                        target.uri(),
                        "--round-delay-ms",
                        "0",
                        "--report",
                        report.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = verify.waitFor(4, TimeUnit.MINUTES);
        if (!exited) {
            verify.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(exited)
                .as("ferry verify ended within 4 minutes; its output:%n%s", output)
                .isTrue();
        assertThat(output).doesNotContain("OutOfMemoryError");
        assertThat(verify.exitValue()).as("exit status; output:%n%s", output).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("keysChecked").asLong()).isEqualTo(1_000_000);
        assertThat(json.get("firstPass").get("equal").asLong()).isEqualTo(900_000);
        assertThat(json.get("confirmed").get("missing").asLong()).isEqualTo(100_000);
        assertThat(json.get("confirmed").get("total").asLong()).isEqualTo(100_000);
    }
}
