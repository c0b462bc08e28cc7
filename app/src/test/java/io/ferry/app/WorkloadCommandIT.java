package io.ferry.app;

import io.ferry.testkit.FreePorts;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ferry workload} and {@code ferry check} from the command line: flags, output, and the exit statuses scripts
 * rely on (0 clean, 1 different, 2 usage or connection error); the password of a URI never printed.
 */
class WorkloadCommandIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aWorkloadItsHistoryAndTheCheckExitStatuses(@TempDir Path dir) throws Exception {
        RedisServer server = redis.start("workload-cmd", "--requirepass", "s3cret-pa55");
        RedisServer empty = redis.start("workload-cmd-empty");
        String uri = "redis://:s3cret-pa55@127.0.0.1:" + server.port();
        Path history = dir.resolve("history");

        assertThat(ferry(
                        "workload",
                        "--target",
                        uri,
                        "--connections",
                        "3",
                        "--rate",
                        "600",
                        "--duration-seconds",
                        "2",
                        "--keys",
                        "210",
                        "--history",
                        history.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).contains("writes acknowledged").contains("ops/s");
        assertThat(err.toString()).contains("3 connections to redis://:[hidden]@127.0.0.1:");
        assertThat(out.toString() + err.toString()).doesNotContain("s3cret-pa55");
        assertThat(Files.readString(history)).doesNotContain("s3cret-pa55").contains("\tACK\t");

        Path report = dir.resolve("report.json");
        assertThat(ferry(
                        "check",
                        "--source",
                        uri,
                        "--target",
                        uri,
                        "--history",
                        history.toString(),
                        "--report",
                        report.toString()))
                .as(out + " " + err)
                .isZero();
        assertThat(out.toString())
                .contains("divergent keys: 0")
                .contains("lost acknowledged writes: 0")
                .contains("result: CLEAN");
        assertThat(Files.readString(report)).contains("\"lost_writes\": 0");

        // Against an empty server: every key missing, every acknowledged write lost.
        assertThat(ferry(
                        "check",
                        "--source",
                        uri,
                        "--target",
                        empty.uri(),
                        "--history",
                        history.toString(),
                        "--rounds",
                        "1"))
                .isEqualTo(1);
        assertThat(out.toString()).contains("missing on the target").contains("result: DIFFERENT");
        assertThat(out.toString()).doesNotContain("lost acknowledged writes: 0");

        assertThat(ferry("check", "--source", uri, "--target", "redis://127.0.0.1:" + FreePorts.next()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("cannot be reached");
        assertThat(ferry(
                        "check",
                        "--source",
                        uri,
                        "--target",
                        uri,
                        "--history",
                        dir.resolve("none").toString()))
                .isEqualTo(2);
        assertThat(ferry("workload", "--target", "not a target")).isEqualTo(2);
        assertThat(err.toString()).contains("target");
    }
}
