package io.ferry.testkit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisServersIT {
    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    static RedisClient client;

    @BeforeAll
    static void createClient() {
        client = RedisClient.create();
    }

    @AfterAll
    static void closeClient() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Test
    void sourceAndTargetAreSeparateRealServers() {
        try (StatefulRedisConnection<String, String> source = connect(redis.source());
                StatefulRedisConnection<String, String> target = connect(redis.target())) {
            source.sync().set("only-on-source", "v1");

            assertThat(source.sync().get("only-on-source")).isEqualTo("v1");
            assertThat(target.sync().get("only-on-source")).isNull();
            assertThat(redis.source().port()).isNotEqualTo(redis.target().port());
            assertThat(source.sync().info("server")).contains("redis_version:");
        }
    }

    @Test
    void aCleanStopAndRestartKeepsTheData() {
        RedisServer server = redis.start("durable");
        try (StatefulRedisConnection<String, String> connection = connect(server)) {
            connection.sync().set("kept", "across-restart");
        }
        int port = server.port();

        server.stop();
        assertThat(server.isRunning()).isFalse();
        server.restart();

        assertThat(server.port()).isEqualTo(port);
        try (StatefulRedisConnection<String, String> connection = connect(server)) {
            assertThat(connection.sync().get("kept")).isEqualTo("across-restart");
        }
    }

    @Test
    void restartEmptyLosesEverything() {
        RedisServer server = redis.start("wiped");
        try (StatefulRedisConnection<String, String> connection = connect(server)) {
            connection.sync().set("gone", "soon");
        }
        server.stop();
        server.restartEmpty();

        try (StatefulRedisConnection<String, String> connection = connect(server)) {
            assertThat(connection.sync().dbsize()).isZero();
        }
    }

    @Test
    void aPausedServerAnswersNothingUntilResumed() {
        RedisServer server = redis.start("frozen");
        try (StatefulRedisConnection<String, String> connection = connect(server)) {
            connection.setTimeout(Duration.ofMillis(300));
            RedisCommands<String, String> commands = connection.sync();
            commands.set("k", "v");

            server.pause();
            try {
                assertThatThrownBy(() -> commands.get("k")).isInstanceOf(RedisCommandTimeoutException.class);
            } finally {
                server.resume();
            }
            connection.setTimeout(Duration.ofSeconds(5));
            assertThat(commands.get("k")).isEqualTo("v");
        }
    }

    @Test
    void killLosesUnsavedDataAndExtraArgumentsApply() throws Exception {
        RedisServer server = redis.start("secured", "--requirepass", "s3cret");
        assertThat(server.command("PING")).startsWith("-NOAUTH");

        server.kill();
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(server::pid).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTlsServerAlsoServesTlsOnItsOwnPortWithClientCertificates(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create(dir);
        RedisServer server = redis.startWithTls(
                "tls", certificates.redisServerArgs(certificates.server()).toArray(String[]::new));

        assertThat(server.command("PING")).isEqualTo("+PONG");
        assertThat(server.tlsPort()).isNotEqualTo(server.port());
        assertThat(server.tlsUri()).isEqualTo("rediss://127.0.0.1:" + server.tlsPort());
        assertThatThrownBy(() -> redis.source().tlsPort()).isInstanceOf(IllegalStateException.class);

        RedisClient tlsClient = RedisClient.create();
        try {
            SslOptions ssl = SslOptions.builder()
                    .jdkSslProvider()
                    .trustManager(certificates.caCert().toFile())
                    .keyManager(
                            certificates.client().cert().toFile(),
                            certificates.client().key().toFile(),
                            null)
                    .build();
            tlsClient.setOptions(ClientOptions.builder().sslOptions(ssl).build());
            RedisURI uri = RedisURI.create(server.tlsUri());
            uri.setTimeout(Duration.ofSeconds(5));
            try (StatefulRedisConnection<String, String> connection = tlsClient.connect(uri)) {
                connection.sync().set("over-tls", "yes");
            }
        } finally {
            tlsClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        try (StatefulRedisConnection<String, String> plain = connect(server)) {
            assertThat(plain.sync().get("over-tls")).isEqualTo("yes");
        }
    }

    private static StatefulRedisConnection<String, String> connect(RedisServer server) {
        return client.connect(RedisURI.create(server.uri()));
    }
}
