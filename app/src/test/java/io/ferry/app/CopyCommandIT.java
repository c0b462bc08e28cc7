package io.ferry.app;

import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ferry copy} as a user runs it, against real servers and a real broker. */
class CopyCommandIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs the command; what it prints to the process's standard error (progress, results) lands in err too. */
    private int ferry(String... args) {
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

    @Test
    void copiesEveryKeyAndExitsZero() throws Exception {
        RedisServer source = redis.start("cli-source");
        RedisServer target = redis.start("cli-target");
        for (int i = 0; i < 500; i++) {
            source.command("SET key:" + i + " value:" + i);
        }
        source.command("PEXPIRE key:7 600000");

        int status = ferry(
                "copy",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--kafka",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.uniqueName("cli"));

        assertThat(status).as("exit status; stderr: %s", err).isZero();
        RedisClient sourceClient = RedisClient.create(source.uri());
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisConnection<String, String> from = sourceClient.connect();
                StatefulRedisConnection<String, String> to = targetClient.connect()) {
            assertThat(to.sync().dbsize()).isEqualTo(500);
            assertThat(to.sync().get("key:499")).isEqualTo("value:499");
            assertThat(to.sync().pexpiretime("key:7"))
                    .isPositive()
                    .isEqualTo(from.sync().pexpiretime("key:7"));
        } finally {
            sourceClient.shutdown();
            targetClient.shutdown();
        }
        assertThat(err.toString()).contains("ferry copy: done: 500 keys copied");
    }

    @Test
    void includeAndExcludePatternsMoveOneTenantAndLeaveTheRest() throws Exception {
        RedisServer source = redis.start("tenant-source");
        RedisServer target = redis.start("tenant-target");
        for (String key : List.of("user:1:cart", "user:1:profile", "user:1:private:notes", "user:2:cart", "config")) {
            source.command("SET " + key + " v");
        }

        int status = ferry(
                "copy",
                "--source",
                source.uri(),
                "--target",
                target.uri(),
                "--kafka",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.uniqueName("tenant"),
                "--include",
                "user:1:*,config",
                "--exclude",
                "user:1:private:*");

        assertThat(status).as("exit status; stderr: %s", err).isZero();
        RedisClient targetClient = RedisClient.create(target.uri());
        try (StatefulRedisConnection<String, String> to = targetClient.connect()) {
            assertThat(to.sync().keys("*")).containsExactlyInAnyOrder("user:1:cart", "user:1:profile", "config");
        } finally {
            targetClient.shutdown();
        }
        assertThat(err.toString()).contains("ferry copy: done: 3 keys copied");
    }

    @Test
    void anUnknownConflictPolicyIsRefusedUpFrontAndThePasswordIsNeverShown() {
        int status = ferry(
                "copy",
                "--source",
                "redis://ops:pa55word@127.0.0.1:6379",
                "--target",
                "redis://127.0.0.1:6380",
                "--conflict-policy",
                "OVERWRITE");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("conflict-policy").contains("OVERWRITE");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }

    @Test
    void anUnreachableSourceFailsNamingItWithoutThePassword() {
        int status = ferry(
                "copy",
                "--source",
                "redis://ops:pa55word@127.0.0.1:" + FreePorts.next(),
                "--target",
                "redis://127.0.0.1:" + FreePorts.next(),
                "--kafka",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.uniqueName("unreachable"));

        assertThat(status).isEqualTo(Ferry.EXIT_FAILURE);
        assertThat(err.toString()).contains("cannot connect to the source redis://ops:");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }
}
