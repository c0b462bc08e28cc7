package io.ferry.workload;

import io.ferry.settings.RedisUri;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares two servers key by key, and checks a workload's history against the target, with its own plain reads
 * (SCAN, TYPE, the type's read command, PTTL; see {@link KeyReader}), independent of Ferry's comparator and mover.
 * Either side may be a Redis Cluster ({@link Keyspace}: found out by asking, every master scanned, each key read from
 * the master serving it); a cluster's database 0 is compared with a single server's database of the URI.
 *
 * <ol>
 *   <li>Every source key is read on both sides: same type, same value, both without an expiry or both expiring within
 *       the tolerance of each other. A key missing on one side whose other copy expires within the tolerance counts
 *       as equal.
 *   <li>Every target key the source lacks is an extra key.
 *   <li>With a history, every key it wrote is read on the target and judged against the {@link ExpectedState}: a
 *       key that differs loses the acknowledged writes made to it since it was last set whole.
 * </ol>
 *
 * Keys found different are read again {@code rounds - 1} times, {@code roundDelay} apart, so a repair in flight is
 * not reported. Not thread-safe; one run per instance.
 */
public final class Checker implements AutoCloseable {
    /**
     * How the check runs.
     *
     * @param ttlTolerance how far apart two expiries (or an expiry and the history's window) may be
     * @param sampleSize divergent keys listed in the report, at most
     * @param batch keys per SCAN page and per pipelined read
     * @param rounds times a different key is read before it is reported
     * @param roundDelay the pause before each further round
     * @param timeout how long one read may take
     */
    public record Options(
            Duration ttlTolerance, int sampleSize, int batch, int rounds, Duration roundDelay, Duration timeout) {
        public static final Options DEFAULTS =
                new Options(Duration.ofSeconds(2), 20, 500, 3, Duration.ofSeconds(1), Duration.ofSeconds(10));

        public Options {
            if (sampleSize < 0 || batch < 1 || rounds < 1) {
                throw new IllegalArgumentException("sample size, batch or rounds out of range");
            }
        }

        public Options withTtlTolerance(Duration tolerance) {
            return new Options(tolerance, sampleSize, batch, rounds, roundDelay, timeout);
        }

        public Options withSampleSize(int size) {
            return new Options(ttlTolerance, size, batch, rounds, roundDelay, timeout);
        }

        public Options withRounds(int count, Duration delay) {
            return new Options(ttlTolerance, sampleSize, batch, count, delay, timeout);
        }
    }

    private final Options options;
    private final Keyspace source;
    private final Keyspace target;
    private final KeyReader sourceReader;
    private final KeyReader targetReader;

    /**
     * Connects to both servers, and finds out of each whether it is a single server or a Redis Cluster node.
     *
     * @throws CheckException when one of them cannot be reached, or is a cluster node and its URI selects a database
     *     other than 0
     */
    public Checker(RedisUri source, RedisUri target, Options options) {
        this.options = options;
        this.source = Keyspace.open("source", source, options.timeout());
        try {
            this.target = Keyspace.open("target", target, options.timeout());
        } catch (CheckException e) {
            this.source.close();
            throw e;
        }
        this.sourceReader = this.source.reader();
        this.targetReader = this.target.reader();
    }

    /** Runs the comparison (and the history check when {@code history} is not null). */
    public CheckReport run(Path history) throws IOException, InterruptedException {
        long started = System.nanoTime();
        CheckReport.Builder report = new CheckReport.Builder(options.sampleSize());
        report.sides(source.describe(), target.describe());
        Set<String> sourceKeys = new HashSet<>();
        Map<String, String> different = new LinkedHashMap<>();
        source.scan(options.batch(), batch -> {
            List<String> fresh = new ArrayList<>();
            for (String key : batch) {
                if (sourceKeys.add(key)) {
                    fresh.add(key);
                }
            }
            Map<String, KeyValue> left = sourceReader.read(fresh);
            Map<String, KeyValue> right = targetReader.read(fresh);
            for (String key : fresh) {
                KeyValue s = left.get(key);
                report.compared(s.bytes());
                String difference = difference(s, right.get(key));
                if (difference != null) {
                    different.put(key, difference);
                }
            }
        });
        report.sourceKeys(sourceKeys.size());
        long[] targetKeys = {0};
        target.scan(options.batch(), batch -> {
            List<String> extra = new ArrayList<>();
            for (String key : batch) {
                targetKeys[0]++;
                if (!sourceKeys.contains(key)) {
                    extra.add(key);
                }
            }
            if (!extra.isEmpty()) {
                Map<String, KeyValue> left = sourceReader.read(extra);
                Map<String, KeyValue> right = targetReader.read(extra);
                for (String key : extra) {
                    String difference = difference(left.get(key), right.get(key));
                    if (difference != null) {
                        different.put(key, difference);
                    }
                }
            }
        });
        report.targetKeys(targetKeys[0]);
        for (int round = 1; round < options.rounds() && !different.isEmpty(); round++) {
            pause();
            List<String> again = new ArrayList<>(different.keySet());
            different.clear();
            for (int from = 0; from < again.size(); from += options.batch()) {
                List<String> batch = again.subList(from, Math.min(again.size(), from + options.batch()));
                Map<String, KeyValue> left = sourceReader.read(batch);
                Map<String, KeyValue> right = targetReader.read(batch);
                for (String key : batch) {
                    String difference = difference(left.get(key), right.get(key));
                    if (difference != null) {
                        different.put(key, difference);
                    }
                }
            }
        }
        different.forEach(report::divergent);
        if (history != null) {
            checkHistory(history, report);
        }
        return report.seconds((System.nanoTime() - started) / 1e9).build();
    }

    private void checkHistory(Path history, CheckReport.Builder report) throws IOException, InterruptedException {
        ExpectedState expected = new ExpectedState(options.sampleSize());
        long[] acknowledged = {0};
        long records = HistoryWriter.read(history, record -> {
            expected.apply(record);
            if (record.acknowledged()) {
                acknowledged[0]++;
            }
        });
        report.history(records, acknowledged[0], expected.anomalies(), expected.anomalySamples());
        List<String> keys = new ArrayList<>(expected.keys().keySet());
        keys.sort(null);
        Set<String> wrong = new HashSet<>(keys);
        long tolerance = options.ttlTolerance().toMillis();
        for (int round = 0; round < options.rounds() && !wrong.isEmpty(); round++) {
            if (round > 0) {
                pause();
            }
            Set<String> stillWrong = new HashSet<>();
            List<String> toRead = keys.stream().filter(wrong::contains).toList();
            for (int from = 0; from < toRead.size(); from += options.batch()) {
                List<String> batch = toRead.subList(from, Math.min(toRead.size(), from + options.batch()));
                Map<String, KeyValue> actual = targetReader.read(batch);
                long now = System.currentTimeMillis();
                for (String key : batch) {
                    if (expected.judge(key, actual.get(key), now, tolerance) == ExpectedState.Verdict.DIFFERENT) {
                        stillWrong.add(key);
                    }
                }
            }
            wrong = stillWrong;
        }
        long undetermined = 0;
        for (String key : keys) {
            ExpectedState.KeyModel model = expected.key(key);
            if (!model.determined()) {
                undetermined++;
            } else if (wrong.contains(key)) {
                report.lost(key, model.acknowledgedSinceReset(), "expected " + describe(model));
            }
        }
        report.historyKeys(keys.size(), undetermined);
    }

    private static String describe(ExpectedState.KeyModel model) {
        return model.value() == null
                ? "absent"
                : new KeyValue(model.type(), model.value(), model.expireMax()).describe();
    }

    /** What differs between the two copies of a key, or null when they agree. */
    private String difference(KeyValue s, KeyValue t) {
        long now = System.currentTimeMillis();
        long tolerance = options.ttlTolerance().toMillis();
        if (!s.exists() && !t.exists()) {
            return null;
        }
        if (!s.exists() || !t.exists()) {
            KeyValue present = s.exists() ? s : t;
            if (present.expireAtMillis() >= 0 && present.expireAtMillis() - now <= tolerance) {
                return null; // expiring: the other side's copy is already gone
            }
            return s.exists()
                    ? "missing on the target (source: " + s.describe() + ")"
                    : "extra on the target (" + t.describe() + ")";
        }
        if (!s.type().equals(t.type())) {
            return "type: source " + s.type() + ", target " + t.type();
        }
        if (!Objects.equals(s.value(), t.value())) {
            return "value: source " + s.describe() + ", target " + t.describe();
        }
        if ((s.expireAtMillis() < 0) != (t.expireAtMillis() < 0)) {
            return "expiry: "
                    + (s.expireAtMillis() < 0 ? "only the target's key expires" : "only the source's " + "key expires");
        }
        if (Math.abs(s.expireAtMillis() - t.expireAtMillis()) > tolerance) {
            return "expiry: " + Math.abs(s.expireAtMillis() - t.expireAtMillis()) + " ms apart";
        }
        return null;
    }

    private void pause() throws InterruptedException {
        // Production code, not a test: a deliberate pause so repairs in flight land before the next look.
        Thread.sleep(options.roundDelay().toMillis());
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
