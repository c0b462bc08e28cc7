package io.ferry.endpoint;

import com.google.common.util.concurrent.RateLimiter;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a pass over the keyspace (a copy, a verify) gentle on a source that serves production: the
 * workers of a process take permits for
 * the keys they are about to handle, and the rate of permits follows the source's own health. A sampler
 * thread pings the source every {@value #SAMPLE_MS} ms on a connection of its own (a busy Redis answers
 * late, whoever keeps it busy) and reads INFO's CPU time and ops every second; once a second the
 * {@link Controller} backs the rate off when the median ping is above the latency budget or the
 * source's CPU above its ceiling, and raises it again while both are met, until the copy runs
 * unthrottled again. The current limit, latency and CPU are gauges. Thread-safe.
 */
public final class Throttle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Throttle.class);
    private static final int SAMPLE_MS = 100;
    private static final long CONTROL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A throttle that never waits. */
    public static final Throttle NONE = new Throttle();

    /**
     * How gentle to be.
     *
     * @param latencyBudget the source's median PING time above which the copy slows down
     * @param maxCpuPercent the source's CPU use (user + system, % of one core) above which it slows down
     * @param maxRate keys per second never exceeded; 0: no ceiling of its own
     * @param minRate keys per second the copy never goes below, however unhealthy the source looks
     */
    public record Options(Duration latencyBudget, double maxCpuPercent, double maxRate, double minRate) {
        public static final Options DEFAULTS = new Options(Duration.ofMillis(5), 80, 0, 100);

        public Options {
            if (latencyBudget.isNegative() || latencyBudget.isZero()) {
                throw new IllegalArgumentException("latencyBudget: " + latencyBudget + " (expected: > 0)");
            }
            if (maxCpuPercent <= 0) {
                throw new IllegalArgumentException("maxCpuPercent: " + maxCpuPercent + " (expected: > 0)");
            }
            if (maxRate < 0 || minRate < 1 || (maxRate > 0 && maxRate < minRate)) {
                throw new IllegalArgumentException("maxRate " + maxRate + ", minRate " + minRate
                        + " (expected: minRate >= 1, maxRate 0 or >= minRate)");
            }
        }
    }

    /**
     * The control law, apart from I/O so it can be reasoned about and tested: multiplicative decrease
     * from what the copy achieved when the source is unhealthy, multiplicative increase while healthy,
     * unlimited again once the copy uses less than half of its limit (something else holds it back).
     */
    static final class Controller {
        static final double DECREASE = 0.7;
        static final double INCREASE = 1.25;
        private final Options options;

        Controller(Options options) {
            this.options = options;
        }

        /** The next limit in keys/s ({@code Double.POSITIVE_INFINITY}: none). */
        double next(double limit, double achieved, double latencyMs, double cpuPercent) {
            boolean unhealthy =
                    latencyMs > options.latencyBudget().toNanos() / 1e6 || cpuPercent > options.maxCpuPercent();
            double next;
            if (unhealthy && achieved < options.minRate()) {
                // The copy is idle (starting, between tasks): the source is slow by itself, and cutting
                // a rate nobody uses would only hold back the copy when it starts.
                next = limit;
            } else if (unhealthy) {
                next = Math.max(options.minRate(), Math.min(limit, achieved) * DECREASE);
            } else if (Double.isInfinite(limit)) {
                next = limit;
            } else {
                next = achieved < limit * 0.5 ? Double.POSITIVE_INFINITY : limit * INCREASE;
            }
            if (options.maxRate() > 0) {
                next = Math.min(next, options.maxRate());
            }
            return next;
        }
    }

    private final Options options;
    private final Controller controller;
    private final RateLimiter limiter;
    private final AtomicLong permits = new AtomicLong();
    private final AtomicLong waitedMicros = new AtomicLong();
    private final Thread sampler;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private volatile double limit = Double.POSITIVE_INFINITY;
    private volatile double latencyMs;
    private volatile double cpuPercent;
    private volatile boolean running = true;

    private Throttle() {
        this.options = Options.DEFAULTS;
        this.controller = new Controller(options);
        this.limiter = null;
        this.sampler = null;
        this.connection = null;
    }

    /**
     * Starts sampling {@code source}; {@link #close} stops. Its gauges are named {@code
     * <meterPrefix>.rate.limit}, {@code <meterPrefix>.source.latency.ms} and {@code
     * <meterPrefix>.source.cpu.percent} ({@code ferry.mover}, {@code ferry.verify}).
     */
    public Throttle(RedisEndpoint.Client source, Options options, MeterRegistry meters, String meterPrefix) {
        this.options = options;
        this.controller = new Controller(options);
        this.limit = options.maxRate() > 0 ? options.maxRate() : Double.POSITIVE_INFINITY;
        this.limiter = RateLimiter.create(Double.isInfinite(limit) ? Double.MAX_VALUE : limit);
        this.connection = source.connect();
        Gauge.builder(meterPrefix + ".rate.limit", this, t -> Double.isInfinite(t.limit) ? -1 : t.limit)
                .description("Keys per second the workers of this process may handle; -1: no limit")
                .register(meters);
        Gauge.builder(meterPrefix + ".source.latency.ms", this, t -> t.latencyMs)
                .description("The source's median PING time, sampled by the throttle")
                .register(meters);
        Gauge.builder(meterPrefix + ".source.cpu.percent", this, t -> t.cpuPercent)
                .description("The source's CPU use (user + system, % of one core) from INFO")
                .register(meters);
        this.sampler = new Thread(this::sample, "ferry-throttle");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Waits until {@code keys} more keys may be copied. */
    public void acquire(int keys) {
        if (limiter == null || keys <= 0) {
            return;
        }
        permits.addAndGet(keys);
        if (!Double.isInfinite(limit)) {
            double waited = limiter.acquire(keys);
            if (waited > 0) {
                waitedMicros.addAndGet((long) (waited * 1e6));
            }
        }
    }

    /** Milliseconds the workers of this process have waited for permits since start, all together. */
    public long waitedMillis() {
        return waitedMicros.get() / 1000;
    }

    /** The current limit in keys/s, {@code Double.POSITIVE_INFINITY} when there is none. */
    public double limit() {
        return limit;
    }

    public double latencyMs() {
        return latencyMs;
    }

    public double cpuPercent() {
        return cpuPercent;
    }

    private void sample() {
        double[] pings = new double[(int) (CONTROL_NANOS / TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS))];
        int count = 0;
        long windowStart = System.nanoTime();
        long permitsAtStart = permits.get();
        double cpuAtStart = cpuSeconds();
        while (running) {
            try {
                long start = System.nanoTime();
                connection.sync().ping();
                if (count < pings.length) {
                    pings[count++] = (System.nanoTime() - start) / 1e6;
                }
                TimeUnit.MILLISECONDS.sleep(SAMPLE_MS);
                long now = System.nanoTime();
                if (now - windowStart >= CONTROL_NANOS) {
                    double seconds = (now - windowStart) / 1e9;
                    double[] sorted = Arrays.copyOf(pings, count);
                    Arrays.sort(sorted);
                    latencyMs = count == 0 ? 0 : sorted[count / 2];
                    double cpu = cpuSeconds();
                    cpuPercent = cpu < 0 || cpuAtStart < 0 ? 0 : 100 * (cpu - cpuAtStart) / seconds;
                    double achieved = (permits.get() - permitsAtStart) / seconds;
                    adjust(controller.next(limit, achieved, latencyMs, cpuPercent), achieved);
                    count = 0;
                    windowStart = now;
                    permitsAtStart = permits.get();
                    cpuAtStart = cpu;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RedisException e) {
                // The source is unreachable or refuses PING: the workers will see it and report.
                log.debug("throttle sample failed: {}", e.toString());
            }
        }
    }

    private void adjust(double next, double achieved) {
        double previous = limit;
        if (next == previous) {
            return;
        }
        limit = next;
        if (!Double.isInfinite(next)) {
            limiter.setRate(next);
        }
        if (Double.isInfinite(next) || Double.isInfinite(previous) || Math.abs(next - previous) > previous * 0.5) {
            log.info(
                    "copy rate limit {} (achieved {} keys/s; source PING median {} ms, CPU {}%)",
                    Double.isInfinite(next) ? "lifted" : String.format("%,.0f keys/s", next),
                    String.format("%,.0f", achieved),
                    String.format("%.2f", latencyMs),
                    String.format("%.0f", cpuPercent));
        }
    }

    /** used_cpu_sys + used_cpu_user from INFO cpu, or -1 when the server does not say. */
    private double cpuSeconds() {
        try {
            Map<String, String> fields = new HashMap<>();
            for (String line : List.of(connection.sync().info("cpu").split("\r?\n"))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(
                            line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
            return Double.parseDouble(fields.getOrDefault("used_cpu_sys", "-1"))
                    + Double.parseDouble(fields.getOrDefault("used_cpu_user", "-1"));
        } catch (RedisException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        running = false;
        if (sampler != null) {
            sampler.interrupt();
            try {
                sampler.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.close();
        }
    }
}
