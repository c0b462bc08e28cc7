package io.ferry.app;

import io.ferry.testkit.RedisCluster;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ferry verify} between a single server and a real three-master Redis Cluster, each way: an equal
 * keyspace exits 0, a planted difference exits 1 and names the key. The single server holds keys in two
 * databases; against a cluster (database 0 only) both are compared with the cluster's keys.
 */
class VerifyClusterCommandIT {
    private static final int KEYS = 600;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static RedisCluster cluster;
    private static RedisServer single;
    private static RedisClusterClient clusterClient;
    private static RedisClient singleClient;
    private static RedisAdvancedClusterCommands<String, String> inCluster;
    private static RedisCommands<String, String> inDb0;
    private static RedisCommands<String, String> inDb2;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(redis, "cluster", 3, 0);
        single = redis.start("single");
        clusterClient = RedisClusterClient.create(RedisURI.create(cluster.seedUri()));
        inCluster = clusterClient.connect().sync();
        singleClient = RedisClient.create();
        inDb0 = singleClient.connect(RedisURI.create(single.uri() + "/0")).sync();
        inDb2 = singleClient.connect(RedisURI.create(single.uri() + "/2")).sync();
    }

    @AfterAll
    static void stop() {
        clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        singleClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /**
     * The same keys on both sides, spread over every master of the cluster: strings, hashes and sets (some
     * with an expiry, some sharing a hash tag) in database 0 of the single server, a few more in its
     * database 2.
     */
    @BeforeEach
    void sameKeysOnBothSides() {
        inCluster.flushall();
        single.flushAll();
        for (int i = 0; i < KEYS; i++) {
            String key = "key:" + i;
            inCluster.set(key, "value " + i);
            inDb0.set(key, "value " + i);
            if (i % 10 == 0) {
                inCluster.hset("{user:" + i + "}:profile", Map.of("name", "n" + i, "lang", "en"));
                inDb0.hset("{user:" + i + "}:profile", Map.of("name", "n" + i, "lang", "en"));
                inCluster.sadd("{user:" + i + "}:roles", "reader", "writer");
                inDb0.sadd("{user:" + i + "}:roles", "reader", "writer");
            }
            if (i % 7 == 0) {
                inCluster.pexpireat(key, System.currentTimeMillis() + 3_600_000L + i);
                inDb0.pexpireat(key, inCluster.pexpiretime(key));
            }
        }
        for (int i = 0; i < 20; i++) {
            inDb2.set("db2:" + i, "second database " + i);
            inCluster.set("db2:" + i, "second database " + i);
        }
        for (RedisServer master : cluster.masters()) {
            assertThat(inCluster.getConnection(master.host(), master.port()).dbsize())
                    .as("keys on %s", master)
                    .isPositive();
        }
    }

    private int verify(String source, String target, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "verify",
                "--source",
                source,
                "--target",
                target,
                "--round-delay-ms",
                "50",
                "--report",
                dir.resolve("report.json").toString()));
        args.addAll(List.of(more));
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return ferry(args.toArray(String[]::new));
    }

    private static long total() {
        return KEYS + 2 * (KEYS / 10) + 20;
    }

    @Test
    void aSingleServerAgainstAClusterIsEqualThenDifferent(@TempDir Path dir) {
        int equal = verify(single.uri(), cluster.seedUri(), dir, "--find-extra");

        assertThat(equal).as("exit status; out:%n%s%nerr:%n%s", out, err).isZero();
        assertThat(out.toString()).contains("EQUAL: " + total() + " keys compared");

        inCluster.set("key:5", "changed on the cluster");
        inCluster.del("{user:30}:roles");
        inCluster.set("db2:3", "changed in the cluster's only database");
        inCluster.set("stray", "only on the cluster");

        int different = verify(single.uri(), cluster.seedUri(), dir, "--find-extra");

        assertThat(different).as("exit status; out:%n%s%nerr:%n%s", out, err).isEqualTo(1);
        assertThat(out.toString())
                .contains("confirmed different: 4")
                .contains("value   db 0 \"key:5\"")
                .contains("missing db 0 \"{user:30}:roles\"")
                .contains("value   db 2 \"db2:3\"")
                .contains("extra   db 0 \"stray\"");
    }

    @Test
    void aClusterAgainstASingleServerIsEqualThenDifferent(@TempDir Path dir) {
        // A cluster has database 0 only: the single server's database 0 holds all of its keys.
        single.flushAll();
        for (int i = 0; i < 20; i++) {
            inDb0.set("db2:" + i, "second database " + i);
        }
        for (int i = 0; i < KEYS; i++) {
            String key = "key:" + i;
            inDb0.set(key, "value " + i);
            long expiry = inCluster.pexpiretime(key);
            if (expiry > 0) {
                inDb0.pexpireat(key, expiry);
            }
            if (i % 10 == 0) {
                inDb0.hset("{user:" + i + "}:profile", Map.of("name", "n" + i, "lang", "en"));
                inDb0.sadd("{user:" + i + "}:roles", "reader", "writer");
            }
        }

        int equal = verify(cluster.seedUri(), single.uri(), dir, "--find-extra");

        assertThat(equal).as("exit status; out:%n%s%nerr:%n%s", out, err).isZero();
        assertThat(out.toString()).contains("EQUAL: " + total() + " keys compared");

        inDb0.hset("{user:40}:profile", "lang", "fr");
        inDb0.del("key:123");
        inDb0.set("stray", "only on the single server");

        int different = verify(cluster.seedUri(), single.uri(), dir, "--find-extra");

        assertThat(different).as("exit status; out:%n%s%nerr:%n%s", out, err).isEqualTo(1);
        assertThat(out.toString())
                .contains("confirmed different: 3")
                .contains("value   db 0 \"{user:40}:profile\"")
                .contains("missing db 0 \"key:123\"")
                .contains("extra   db 0 \"stray\"");

        int refused = verify(cluster.seedUri() + "/2", single.uri(), dir);

        assertThat(refused).isEqualTo(2);
        assertThat(err.toString()).contains("Redis Cluster, which has database 0 only");
    }

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
}
