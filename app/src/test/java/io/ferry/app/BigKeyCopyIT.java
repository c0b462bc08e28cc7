package io.ferry.app;

import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.KeyValue;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys far bigger than the mover's heap: {@code ferry copy} runs as its own JVM with a 96 MB heap and
 * copies a 256 MB hash and a 256 MB string (each bigger than the whole heap) with their expiry.
 */
class BigKeyCopyIT {
    private static final int HEAP_MB = 96;
    private static final int FIELDS = 256 * 1024;
    private static final int FIELD_BYTES = 1024;
    private static final long STRING_BYTES = 256L * 1024 * 1024;

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    @Test
    void keysBiggerThanTheHeapAreCopiedInChunks() throws Exception {
        RedisServer source = redis.start("big-source");
        RedisServer target = redis.start("big-target");
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<byte[], byte[]> src = client.connect(ByteArrayCodec.INSTANCE, redisUri(source));
                StatefulRedisConnection<byte[], byte[]> dst =
                        client.connect(ByteArrayCodec.INSTANCE, redisUri(target))) {
            RedisCommands<byte[], byte[]> s = src.sync();
            for (int from = 0; from < FIELDS; from += 16 * 1024) {
                s.eval(
                        "local pad = string.rep('v', tonumber(ARGV[3])) "
                                + "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do "
                                + "redis.call('HSET', KEYS[1], 'field:' .. i, i .. pad) end return 0",
                        ScriptOutputType.INTEGER,
                        new byte[][] {b("big:hash")},
                        b(String.valueOf(from)),
                        b(String.valueOf(from + 16 * 1024 - 1)),
                        b(String.valueOf(FIELD_BYTES)));
            }
            s.setrange(b("big:string"), STRING_BYTES - 5, b("tail!"));
            s.setrange(b("big:string"), 12_345_678, b("somewhere in the middle"));
            s.pexpire(b("big:hash"), 3_600_000);
            s.set(b("small"), b("small value"));
            assertThat(s.memoryUsage(b("big:hash"))).isGreaterThan(STRING_BYTES);

            Path log = Files.createTempFile("ferry-copy-", ".log");
            Process copy = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Xmx" + HEAP_MB + "m",
                            "-jar",
                            Path.of("target", "ferry.jar").toString(),
                            "copy",
                            "--source",
                            source.uri(),
                            "--target",
                            target.uri(),
                            "--kafka",
                            kafka.bootstrapServers(),
                            "--run-id",
                            "big-keys")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean exited = copy.waitFor(4, TimeUnit.MINUTES);
            if (!exited) {
                copy.destroyForcibly();
            }
            String output = Files.readString(log);
            assertThat(exited)
                    .as("ferry copy ended within 4 minutes; its output:%n%s", output)
                    .isTrue();
            assertThat(copy.exitValue()).as("exit status; output:%n%s", output).isZero();
            assertThat(output)
                    .doesNotContain("OutOfMemoryError")
                    .contains("3 keys copied")
                    .contains("2 big keys copied in chunks");

            RedisCommands<byte[], byte[]> d = dst.sync();
            assertThat(d.pexpiretime(b("big:hash"))).isEqualTo(s.pexpiretime(b("big:hash")));
            assertThat(d.get(b("small"))).isEqualTo(b("small value"));
            assertThat(d.strlen(b("big:string"))).isEqualTo(STRING_BYTES);
            for (long offset = 0; offset < STRING_BYTES; offset += 16 << 20) {
                assertThat(Arrays.equals(
                                d.getrange(b("big:string"), offset, offset + (16 << 20) - 1),
                                s.getrange(b("big:string"), offset, offset + (16 << 20) - 1)))
                        .as("bytes from %d of the string", offset)
                        .isTrue();
            }
            assertThat(d.hlen(b("big:hash"))).isEqualTo(FIELDS);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                MapScanCursor<byte[], byte[]> chunk = s.hscan(b("big:hash"), cursor, ScanArgs.Builder.limit(4096));
                List<byte[]> fields = new ArrayList<>(chunk.getMap().keySet());
                List<KeyValue<byte[], byte[]>> copied = d.hmget(b("big:hash"), fields.toArray(byte[][]::new));
                for (int i = 0; i < fields.size(); i++) {
                    assertThat(copied.get(i).getValueOrElse(null))
                            .as("field %s", new String(fields.get(i), StandardCharsets.UTF_8))
                            .isEqualTo(chunk.getMap().get(fields.get(i)));
                }
                cursor = chunk;
            } while (!cursor.isFinished());
            assertThat(d.keys("*ferry-tmp*")).isEmpty();
        } finally {
            client.shutdown();
        }
    }

    private static io.lettuce.core.RedisURI redisUri(RedisServer server) {
        return io.lettuce.core.RedisURI.create(server.uri());
    }

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
