package io.ferry.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A JUnit 5 extension owning the real {@code redis-server} processes of one test class.
 *
 * <pre>{@code
 * @RegisterExtension static final RedisServers redis = new RedisServers();
 * ... redis.source().uri() ... redis.target().pause() ... redis.start("replica", "--maxmemory", "10mb")
 * }</pre>
 *
 * <p>Servers start on first use, each on a free loopback port with its own temporary directory, and
 * are killed and their directories deleted after the class. Register it as a static field.
 */
public final class RedisServers implements BeforeAllCallback, AfterAllCallback {
    private static final int START_ATTEMPTS = 3;

    private final Map<String, RedisServer> servers = new LinkedHashMap<>();
    private Path root;

    @Override
    public void beforeAll(ExtensionContext context) {
        redisServerBinary();
        try {
            root = Files.createTempDirectory("ferry-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeAll();
    }

    /** The server named "source", started when first asked for. */
    public synchronized RedisServer source() {
        return server("source");
    }

    /** The server named "target", started when first asked for. */
    public synchronized RedisServer target() {
        return server("target");
    }

    /** The server of that name, started with no extra arguments when first asked for. */
    public synchronized RedisServer server(String name) {
        RedisServer existing = servers.get(name);
        return existing != null ? existing : start(name);
    }

    /** Starts a new server with extra {@code redis-server} arguments (for example "--requirepass", "s3cret"). */
    public synchronized RedisServer start(String name, String... extraArgs) {
        return start(name, false, extraArgs);
    }

    /**
     * Starts a new server that also serves TLS, on a second free port ({@link RedisServer#tlsPort()}).
     * The plain port stays, so the harness's own checks ({@link RedisServer#command}) work as
     * before. The extra arguments configure TLS: at least {@code --tls-cert-file}, {@code
     * --tls-key-file} and {@code --tls-ca-cert-file} (Redis requires client certificates unless
     * {@code --tls-auth-clients no}).
     */
    public synchronized RedisServer startWithTls(String name, String... extraArgs) {
        return start(name, true, extraArgs);
    }

    private RedisServer start(String name, boolean tls, String... extraArgs) {
        if (servers.containsKey(name)) {
            throw new IllegalStateException("a redis-server named " + name + " already exists in this class");
        }
        if (root == null) {
            throw new IllegalStateException(
                    "RedisServers must be registered with @RegisterExtension on a static field");
        }
        Path dir = root.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            // A free port can be taken between picking and binding; new ones are tried then.
            RedisServer server =
                    new RedisServer(name, dir, FreePorts.next(), tls ? FreePorts.next() : 0, List.of(extraArgs));
            try {
                server.start();
                servers.put(name, server);
                return server;
            } catch (IllegalStateException e) {
                server.destroy();
                failure = e;
            }
        }
        throw failure;
    }

    /** Every server started so far, in start order. */
    public synchronized List<RedisServer> all() {
        return new ArrayList<>(servers.values());
    }

    private synchronized void closeAll() {
        servers.values().forEach(RedisServer::destroy);
        servers.clear();
        if (root != null) {
            deleteTree(root);
            root = null;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // Only temporary files are left behind; the servers themselves are already gone.
        }
    }

    /**
     * The {@code redis-server} to run: {@code FERRY_REDIS_SERVER} if set, else the one on the PATH.
     *
     * @throws IllegalStateException naming what to install when there is none
     */
    static String redisServerBinary() {
        String configured = System.getenv("FERRY_REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("redis-server was not found on the PATH. Install the Debian package "
                + "'redis-server' (apt-get install redis-server; 'make test' does this when run as root) "
                + "or set FERRY_REDIS_SERVER to its path.");
    }
}
