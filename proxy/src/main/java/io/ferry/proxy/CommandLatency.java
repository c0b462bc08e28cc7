package io.ferry.proxy;

import io.ferry.resp.command.CommandInfo;
import io.ferry.schemas.Side;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * How long each side took to answer the client's commands: a Micrometer timer {@code ferry.proxy.command} per side,
 * command and outcome (with a percentile histogram, so Prometheus gets buckets), and per side the figures of the
 * current interval for the stats events (replies, errors, latency percentiles). The command tag is the top-level name
 * from the command table ({@code GET}, {@code CONFIG}); a name the table does not know is tagged {@code other}, so
 * the tag's values stay bounded whatever clients send. Thread-safe: every event loop records, wait-free but for the
 * first use of a command.
 */
final class CommandLatency {
    static final String METER = "ferry.proxy.command";
    static final String OTHER = "other";

    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Command> commands = new ConcurrentHashMap<>();
    private final Command other;
    private final SideFigures source = new SideFigures();
    private final SideFigures target = new SideFigures();

    CommandLatency(MeterRegistry meters) {
        this.meters = meters;
        this.other = new Command(OTHER);
    }

    /** The meters of {@code info}'s command. */
    Command of(CommandInfo info) {
        if (!info.isKnown()) {
            return other;
        }
        String name = info.topLevelName();
        Command command = commands.get(name);
        return command != null ? command : commands.computeIfAbsent(name, n -> new Command(n.toUpperCase(Locale.ROOT)));
    }

    SideFigures figures(Side side) {
        return side == Side.SOURCE ? source : target;
    }

    /** One command's timers, registered on first use of each (side, outcome). */
    final class Command {
        private final String name;
        private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(4);

        private Command(String name) {
            this.name = name;
        }

        /** A reply (or a failure, {@code error}) from {@code side}, {@code nanos} after the command was sent. */
        void record(Side side, long nanos, boolean error) {
            int slot = (side == Side.SOURCE ? 0 : 2) + (error ? 1 : 0);
            Timer timer = timers.get(slot);
            if (timer == null) {
                // Registering is idempotent: a race registers the same timer twice.
                timer = Timer.builder(METER)
                        .description("Time from sending a client's command to a side to its reply, by side, "
                                + "command and outcome (error: an error reply or a lost connection)")
                        .tag("side", side == Side.SOURCE ? "source" : "target")
                        .tag("command", name)
                        .tag("outcome", error ? "error" : "ok")
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofNanos(20_000))
                        .maximumExpectedValue(Duration.ofSeconds(10))
                        .register(meters);
                timers.set(slot, timer);
            }
            timer.record(nanos, TimeUnit.NANOSECONDS);
            figures(side).record(nanos, error);
        }
    }

    /**
     * One side's figures since the last {@link #take}: replies (the latency recorder's count), errors, and latency
     * percentiles. Recording is wait-free; {@link #take} is for one reader at a time.
     */
    static final class SideFigures {
        private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(10);

        private final Recorder latency = new Recorder(1, HIGHEST_NANOS, 2);
        private final LongAdder errors = new LongAdder();
        private Histogram recycled;
        private long errorsTaken;

        void record(long nanos, boolean error) {
            latency.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
            if (error) {
                errors.increment();
            }
        }

        /** The figures since the last call, and a new interval begins. */
        synchronized Interval take() {
            recycled = latency.getIntervalHistogram(recycled);
            long errorsNow = errors.sum();
            long errorsSince = errorsNow - errorsTaken;
            errorsTaken = errorsNow;
            long count = recycled.getTotalCount();
            return new Interval(
                    count,
                    errorsSince,
                    count == 0 ? 0 : recycled.getValueAtPercentile(50) / 1e6,
                    count == 0 ? 0 : recycled.getValueAtPercentile(99) / 1e6);
        }
    }

    /** One side's figures over an interval; latencies in milliseconds. */
    record Interval(long replies, long errors, double p50Ms, double p99Ms) {}
}
