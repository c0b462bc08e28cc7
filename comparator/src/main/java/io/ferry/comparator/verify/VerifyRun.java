package io.ferry.comparator.verify;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.endpoint.ServerFacts;
import io.ferry.endpoint.Throttle;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A keyspace verify ({@code ferry verify}): walks every database of the source with SCAN (and, with
 * {@link VerifyOptions#findExtra}, of the target, looking each key up on the source), compares each
 * key on both sides with {@link KeyComparer}s on {@link VerifyOptions#workers} threads, throttled like
 * the mover, and writes the keys found different to a file. Then, multi-round: after {@link
 * VerifyOptions#roundDelay}, only the keys of one round are compared again in the next, so a key that
 * a write in flight made differ for a moment is counted transient, not reported; what still differs
 * after {@link VerifyOptions#rounds} rounds is confirmed, handed to the {@code confirmed} consumer and
 * sampled in the {@link VerifyReport}.
 *
 * <p>Either side may be a Redis Cluster. A cluster side is walked master by master (SCAN on each node
 * serving slots), and its keys are read through a cluster connection, from the node serving each key's
 * slot. A cluster has database 0 only: a single server's databases are each compared against it (the
 * keys of every source database against the cluster's one, as the copy puts them there), and a cluster
 * source is compared against the single server's database 0.
 *
 * <p>With a state folder, the walk saves its position about once a second, and a run started again
 * with the same folder, endpoints and options resumes from there (keys after the last save are
 * compared again; counts are those of the saved position). {@link #stop} ends a run early, its state
 * saved. {@link #progress} may be read from any thread.
 */
public final class VerifyRun {
    private static final Logger log = LoggerFactory.getLogger(VerifyRun.class);
    private static final long SAVE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RedisEndpoint source;
    private final RedisEndpoint target;
    private final List<Integer> dbs;
    private final VerifyOptions options;
    private final Throttle.Options throttleOptions;
    private final Path stateFolder;
    private final MeterRegistry meters;
    private final Consumer<Mismatch> confirmed;
    private final VerifyProgress progress = new VerifyProgress();
    private volatile boolean stopped;

    /**
     * @param dbs the source databases to compare, each against the same number on a single-server target or
     *     against database 0 of a cluster; empty: every one holding keys. A cluster source has database 0 only
     * @param throttleOptions how to throttle on the source's health; null: not throttled
     * @param stateFolder where the state and the mismatch files live; null: a temporary folder, no resume
     * @param confirmed receives each confirmed mismatch, on the run's thread
     */
    public VerifyRun(
            RedisEndpoint source,
            RedisEndpoint target,
            List<Integer> dbs,
            VerifyOptions options,
            Throttle.Options throttleOptions,
            Path stateFolder,
            MeterRegistry meters,
            Consumer<Mismatch> confirmed) {
        this.source = Objects.requireNonNull(source, "source");
        this.target = Objects.requireNonNull(target, "target");
        this.dbs = List.copyOf(new TreeSet<>(dbs));
        this.options = Objects.requireNonNull(options, "options");
        this.throttleOptions = throttleOptions;
        this.stateFolder = stateFolder;
        this.meters = meters;
        this.confirmed = confirmed;
    }

    public VerifyProgress progress() {
        return progress;
    }

    /** Ends the run at the next window; {@link #run} then returns a report marked incomplete. */
    public void stop() {
        stopped = true;
    }

    /** Runs the verify to its end (or {@link #stop}) and returns its report. */
    public VerifyReport run() throws InterruptedException, IOException {
        Instant started = Instant.now();
        boolean temporary = stateFolder == null;
        Path folder = temporary ? Files.createTempDirectory("ferry-verify") : stateFolder;
        Files.createDirectories(folder);
        ClientResources resources = DefaultClientResources.builder().build();
        Sides sides = null;
        // Database 0 for the admin clients: a cluster refuses SELECT, and INFO covers every database anyway.
        try (RedisEndpoint.Client sourceAdmin = source.withDb(0).open(resources);
                RedisEndpoint.Client targetAdmin = target.withDb(0).open(resources)) {
            ServerFacts sourceFacts = facts(sourceAdmin);
            ServerFacts targetFacts = facts(targetAdmin);
            if (sourceFacts.cluster() && !dbs.isEmpty() && !dbs.equals(List.of(0))) {
                throw new IllegalArgumentException("the source is a Redis Cluster, which has database 0 only: "
                        + "database " + dbs.get(dbs.size() - 1) + " cannot be compared (leave the database out "
                        + "of the source URI)");
            }
            sides = new Sides(resources, sourceFacts, targetFacts);
            String identity = source.uri().host() + ":" + source.uri().port() + "/"
                    + source.uri().db() + layout(sourceFacts) + " -> "
                    + target.uri().host() + ":"
                    + target.uri().port() + layout(targetFacts) + " "
                    + options.withWorkers(1).withSampleSize(0);
            VerifyState state = temporary
                    ? VerifyState.start(identity)
                    : VerifyState.load(folder, identity).orElse(VerifyState.start(identity));
            if (state.round() > 0 || state.checked() > 0) {
                log.info(
                        "Resuming the verify saved in {} ({} keys compared, round {} done)",
                        folder,
                        state.checked(),
                        state.round());
            }
            progress.total(sides.keys(true, sides.sourceUnits())
                    + (options.findExtra() ? sides.keys(false, sides.targetUnits()) : 0));
            try (Throttle throttle = throttleOptions == null
                    ? Throttle.NONE
                    : new Throttle(sourceAdmin, throttleOptions, meters, "ferry.verify")) {
                if (state.round() == 0) {
                    state = walk(state, folder, sides, throttle);
                    if (stopped) {
                        return report(started, state, List.of(), false, new Confirmed());
                    }
                    state = state.roundDone(1);
                    save(state, folder, temporary);
                }
                List<Long> rounds = new ArrayList<>();
                for (int done = 1; done <= state.round(); done++) {
                    rounds.add(count(VerifyState.mismatchFile(folder, done)));
                }
                Confirmed confirmed = new Confirmed();
                int round = state.round();
                if (options.rounds() == 1) {
                    // No re-check asked for: the walk's mismatches stand, read once more for their sides.
                    recheck(folder, round, sides, throttle, confirmed);
                }
                while (round < options.rounds() && rounds.get(rounds.size() - 1) > 0 && !stopped) {
                    boolean last = round + 1 == options.rounds();
                    Thread.sleep(options.roundDelay().toMillis());
                    progress.phase("round " + (round + 1) + " of " + options.rounds());
                    rounds.add(recheck(folder, round, sides, throttle, last ? confirmed : null));
                    round++;
                    if (!stopped && !last) {
                        state = state.roundDone(round);
                        save(state, folder, temporary);
                    }
                }
                if (stopped) {
                    return report(started, state, rounds, false, new Confirmed());
                }
                VerifyReport report = report(started, state, rounds, true, confirmed);
                state = state.done();
                save(state, folder, temporary);
                return report;
            }
        } finally {
            if (sides != null) {
                sides.close();
            }
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            if (temporary) {
                deleteFolder(folder);
            }
        }
    }

    private static ServerFacts facts(RedisEndpoint.Client client) {
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect()) {
            return ServerFacts.of(connection);
        }
    }

    /** What the identity of a saved state says of a cluster side: its masters, so another layout starts over. */
    private static String layout(ServerFacts facts) {
        return facts.cluster() ? " cluster " + new TreeSet<>(facts.clusterMasters()) : "";
    }

    /** The databases to walk on a single server: those asked for, or every one holding keys. */
    private List<Integer> databases(ServerFacts facts) {
        if (!dbs.isEmpty()) {
            return dbs;
        }
        return new ArrayList<>(new TreeMap<>(facts.keysPerDb()).keySet());
    }

    /**
     * A part of a side walked with one SCAN: a database of a single server ({@code node} null), or a master
     * of a cluster ({@code host:port}, database 0).
     */
    private record Unit(String node, int db) {
        boolean before(VerifyState position) {
            if (node == null || position.node() == null) {
                return db < position.db();
            }
            return node.compareTo(position.node()) < 0;
        }

        boolean at(VerifyState position) {
            return Objects.equals(node, position.node()) && db == position.db();
        }
    }

    /**
     * How the two sides' keyspaces line up, and their clients: per database for a single server, one for a
     * cluster (its connections follow slots) plus one per master for the walk; opened when first needed.
     */
    private final class Sides implements AutoCloseable {
        private final ClientResources resources;
        private final ServerFacts sourceFacts;
        private final ServerFacts targetFacts;
        private final List<Integer> sourceDbs;
        private final Map<Integer, RedisEndpoint.Client> sourceClients = new HashMap<>();
        private final Map<Integer, RedisEndpoint.Client> targetClients = new HashMap<>();
        private final Map<String, RedisEndpoint.Client> nodeClients = new HashMap<>();

        Sides(ClientResources resources, ServerFacts sourceFacts, ServerFacts targetFacts) {
            this.resources = resources;
            this.sourceFacts = sourceFacts;
            this.targetFacts = targetFacts;
            this.sourceDbs = sourceFacts.cluster() ? List.of(0) : databases(sourceFacts);
        }

        /** The source's walk: each master of a cluster, else each database. */
        List<Unit> sourceUnits() {
            return units(sourceFacts, sourceDbs);
        }

        /**
         * The target's walk (extra keys): each master of a cluster; database 0 of a single server facing a
         * cluster source (a cluster has no other); else each database.
         */
        List<Unit> targetUnits() {
            return units(
                    targetFacts, sourceFacts.cluster() || targetFacts.cluster() ? List.of(0) : databases(targetFacts));
        }

        private List<Unit> units(ServerFacts facts, List<Integer> databases) {
            if (facts.cluster()) {
                return new TreeSet<>(facts.clusterMasters())
                        .stream().map(node -> new Unit(node, 0)).toList();
            }
            return databases.stream().map(db -> new Unit(null, db)).toList();
        }

        /** The target database the source's database {@code db} is compared against. */
        int targetDb(int db) {
            return targetFacts.cluster() ? 0 : db;
        }

        /** The source database a key found on the target's {@code unit} is compared in. */
        int sourceDbOfTarget(Unit unit) {
            if (targetFacts.cluster()) {
                return sourceDbs.isEmpty() ? 0 : sourceDbs.get(0);
            }
            return sourceFacts.cluster() ? 0 : unit.db();
        }

        /**
         * The source databases a target key of {@code db} must be missing from to be extra: every source
         * database when they all land in a cluster's database 0, else {@code db} alone.
         */
        List<Integer> sourceDbsOfTarget(int db) {
            return targetFacts.cluster() && sourceDbs.size() > 1 ? sourceDbs : List.of(db);
        }

        /** Keys the walk of {@code units} will see: INFO keyspace of a single server, DBSIZE of each master. */
        long keys(boolean ofSource, List<Unit> units) {
            ServerFacts facts = ofSource ? sourceFacts : targetFacts;
            long keys = 0;
            for (Unit unit : units) {
                if (unit.node() == null) {
                    keys += facts.keysPerDb().getOrDefault(unit.db(), 0L);
                } else {
                    try (StatefulRedisConnection<byte[], byte[]> node = scanConnection(ofSource, unit)) {
                        keys += node.sync().dbsize();
                    }
                }
            }
            return keys;
        }

        synchronized RedisEndpoint.Client client(boolean ofSource, int db) {
            Map<Integer, RedisEndpoint.Client> clients = ofSource ? sourceClients : targetClients;
            RedisEndpoint endpoint = ofSource ? source : target;
            return clients.computeIfAbsent(db, d -> endpoint.withDb(d).open(resources));
        }

        /** A connection that walks {@code unit}: to its master on a cluster, else to its database. */
        synchronized StatefulRedisConnection<byte[], byte[]> scanConnection(boolean ofSource, Unit unit) {
            if (unit.node() == null) {
                return client(ofSource, unit.db()).connect();
            }
            return nodeClients
                    .computeIfAbsent((ofSource ? "source " : "target ") + unit.node(), k -> client(ofSource, 0)
                            .node(unit.node()))
                    .connect();
        }

        private SideConnection connect(boolean ofSource, int db) {
            ServerFacts facts = ofSource ? sourceFacts : targetFacts;
            return facts.cluster()
                    ? SideConnection.of(client(ofSource, 0).connectCluster())
                    : SideConnection.of(client(ofSource, db).connect());
        }

        KeyComparer comparer(int db) {
            return new KeyComparer(
                    connect(true, db),
                    sourceFacts.hasExpireTime(),
                    connect(false, targetDb(db)),
                    targetFacts.hasExpireTime(),
                    options,
                    System::currentTimeMillis);
        }

        @Override
        public synchronized void close() {
            nodeClients.values().forEach(RedisEndpoint.Client::close);
            sourceClients.values().forEach(RedisEndpoint.Client::close);
            targetClients.values().forEach(RedisEndpoint.Client::close);
        }
    }

    /**
     * A page of keys to compare, numbered in the order the walk found them; {@code db} is the source database
     * they are compared in (and recorded under), {@code after} the walk's position once they are done.
     */
    private record Window(long sequence, int db, List<byte[]> keys, boolean onTarget, VerifyState after) {}

    private static final Window END = new Window(-1, -1, List.of(), false, null);

    /** A window compared: the verdict of each of its keys (a target window: of its keys the source lacks). */
    private record Compared(Window window, List<KeyComparer.Result> results) {}

    /** Round 1: walks the source (and the target), compares, writes mismatches in walk order, saves. */
    private VerifyState walk(VerifyState start, Path folder, Sides sides, Throttle throttle)
            throws InterruptedException, IOException {
        progress.phase("comparing");
        progress.restore(start.checked(), start.counts());
        BlockingQueue<Window> windows = new ArrayBlockingQueue<>(options.workers() * 2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Path file = VerifyState.mismatchFile(folder, 1);
        try (KeyFile.Writer mismatches = new KeyFile.Writer(file, start.mismatchBytes())) {
            InOrder inOrder = new InOrder(start, mismatches, folder);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < options.workers(); i++) {
                Thread worker = new Thread(() -> work(windows, sides, throttle, inOrder, failure), "ferry-verify-" + i);
                worker.start();
                workers.add(worker);
            }
            try {
                long sequence = 0;
                VerifyState position = start;
                if (VerifyState.SOURCE.equals(position.phase())) {
                    sequence = scan(windows, sides, true, sides.sourceUnits(), position, sequence, failure);
                    position = position.at(VerifyState.TARGET, -1, null, "0", true, 0, Map.of(), 0);
                }
                if (options.findExtra() && !stopped && failure.get() == null) {
                    scan(windows, sides, false, sides.targetUnits(), position, sequence, failure);
                }
            } finally {
                for (int i = 0; i < workers.size(); i++) {
                    windows.put(END);
                }
                for (Thread worker : workers) {
                    worker.join();
                }
            }
            if (failure.get() != null) {
                throw new VerifyException("the verify stopped: " + failure.get().getMessage(), failure.get());
            }
            return inOrder.finish();
        }
    }

    /** Walks the units (databases or masters) of one side from {@code position}, queueing a window per SCAN page. */
    private long scan(
            BlockingQueue<Window> windows,
            Sides sides,
            boolean ofSource,
            List<Unit> units,
            VerifyState position,
            long sequence,
            AtomicReference<Throwable> failure)
            throws InterruptedException {
        String phase = ofSource ? VerifyState.SOURCE : VerifyState.TARGET;
        boolean resuming = phase.equals(position.phase());
        for (Unit unit : units) {
            if (resuming && (unit.before(position) || (unit.at(position) && position.dbDone()))) {
                continue;
            }
            ScanCursor cursor = resuming && unit.at(position) ? ScanCursor.of(position.cursor()) : ScanCursor.INITIAL;
            int db = ofSource ? unit.db() : sides.sourceDbOfTarget(unit);
            try (StatefulRedisConnection<byte[], byte[]> connection = sides.scanConnection(ofSource, unit)) {
                ScanArgs args = ScanArgs.Builder.limit(options.windowKeys());
                do {
                    if (stopped || failure.get() != null) {
                        return sequence;
                    }
                    KeyScanCursor<byte[]> page = connection.sync().scan(cursor, args);
                    List<byte[]> keys = new ArrayList<>(page.getKeys().size());
                    for (byte[] key : page.getKeys()) {
                        if (options.selects(key)) {
                            keys.add(key);
                        }
                    }
                    VerifyState after = position.at(
                            phase, unit.db(), unit.node(), page.getCursor(), page.isFinished(), 0, Map.of(), 0);
                    windows.put(new Window(sequence++, db, keys, !ofSource, after));
                    cursor = page;
                } while (!cursor.isFinished());
            }
        }
        return sequence;
    }

    private void work(
            BlockingQueue<Window> windows,
            Sides sides,
            Throttle throttle,
            InOrder inOrder,
            AtomicReference<Throwable> failure) {
        Map<Integer, KeyComparer> comparers = new HashMap<>();
        try {
            while (true) {
                Window window = windows.take();
                if (window == END) {
                    return;
                }
                if (failure.get() != null) {
                    continue;
                }
                try {
                    KeyComparer comparer = comparers.computeIfAbsent(window.db(), sides::comparer);
                    List<byte[]> keys = window.keys();
                    throttle.acquire(Math.max(1, keys.size()));
                    if (window.onTarget()) {
                        for (int db : sides.sourceDbsOfTarget(window.db())) {
                            if (!keys.isEmpty()) {
                                keys = comparers
                                        .computeIfAbsent(db, sides::comparer)
                                        .missingOnSource(keys);
                            }
                        }
                    }
                    List<KeyComparer.Result> results = keys.isEmpty() ? List.of() : comparer.compare(keys);
                    inOrder.done(new Compared(window, results));
                } catch (RuntimeException | IOException e) {
                    failure.compareAndSet(null, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            comparers.values().forEach(KeyComparer::close);
        }
    }

    /**
     * Applies compared windows in walk order, whatever order the workers finish them in: mismatches
     * written, counts added, the position moved and saved now and then, so a saved state always covers
     * exactly the windows before its position.
     */
    private final class InOrder {
        private final TreeMap<Long, Compared> waiting = new TreeMap<>();
        private final KeyFile.Writer mismatches;
        private final Path folder;
        private final EnumMap<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        private VerifyState state;
        private long checked;
        private long next;
        private long savedAt = System.nanoTime();

        InOrder(VerifyState start, KeyFile.Writer mismatches, Path folder) {
            this.state = start;
            this.mismatches = mismatches;
            this.folder = folder;
            this.counts.putAll(start.counts());
            this.checked = start.checked();
        }

        synchronized void done(Compared compared) throws IOException {
            waiting.put(compared.window().sequence(), compared);
            while (!waiting.isEmpty() && waiting.firstKey() == next) {
                Compared first = waiting.pollFirstEntry().getValue();
                for (KeyComparer.Result result : first.results()) {
                    counts.merge(result.verdict(), 1L, Long::sum);
                    if (result.verdict().isMismatch()) {
                        mismatches.write(first.window().db(), result.key());
                    }
                    progress.add(result.verdict());
                }
                if (!first.window().onTarget()) {
                    // The target walk's keys found on the source were compared on the source walk.
                    checked += first.window().keys().size();
                }
                progress.checked(first.window().keys().size());
                Window window = first.window();
                state = window.after()
                        .at(
                                window.after().phase(),
                                window.after().db(),
                                window.after().node(),
                                window.after().cursor(),
                                window.after().dbDone(),
                                0,
                                counts,
                                checked);
                next++;
            }
            if (System.nanoTime() - savedAt > SAVE_INTERVAL_NANOS) {
                savedAt = System.nanoTime();
                saveState();
            }
        }

        synchronized VerifyState finish() throws IOException {
            saveState();
            return state;
        }

        private void saveState() throws IOException {
            long length = mismatches.flush();
            state = state.at(
                    state.phase(), state.db(), state.node(), state.cursor(), state.dbDone(), length, counts, checked);
            if (stateFolder != null) {
                state.save(folder);
            }
        }
    }

    /** The confirmed mismatches: counted per kind, a sample of each kept, each handed on. */
    private final class Confirmed {
        final EnumMap<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        final Map<Verdict, List<Mismatch>> samples = new EnumMap<>(Verdict.class);

        void add(Mismatch mismatch) {
            counts.merge(mismatch.verdict(), 1L, Long::sum);
            List<Mismatch> sample = samples.computeIfAbsent(mismatch.verdict(), v -> new ArrayList<>());
            if (sample.size() < options.sampleSize()) {
                sample.add(mismatch);
            }
            if (confirmed != null) {
                confirmed.accept(mismatch);
            }
        }
    }

    /**
     * Round {@code round + 1}: compares again the keys round {@code round} found different. Those still
     * different go to the next round's file or, in the last round ({@code last} not null), are confirmed.
     * Returns how many still differ.
     */
    private long recheck(Path folder, int round, Sides sides, Throttle throttle, Confirmed last)
            throws IOException, InterruptedException {
        Map<Integer, KeyComparer> comparers = new HashMap<>();
        long different = 0;
        try (KeyFile.Reader reader = new KeyFile.Reader(VerifyState.mismatchFile(folder, round));
                KeyFile.Writer writer = new KeyFile.Writer(VerifyState.mismatchFile(folder, round + 1), 0)) {
            long[] count = {0};
            forEachWindow(reader, (db, keys) -> {
                throttle.acquire(keys.size());
                for (KeyComparer.Result result :
                        comparers.computeIfAbsent(db, sides::comparer).compare(keys)) {
                    if (!result.verdict().isMismatch()) {
                        continue;
                    }
                    count[0]++;
                    if (last != null) {
                        last.add(new Mismatch(db, result.key(), result.verdict(), result.source(), result.target()));
                    } else {
                        writer.write(db, result.key());
                    }
                }
            });
            writer.flush();
            different = count[0];
        } finally {
            comparers.values().forEach(KeyComparer::close);
        }
        return different;
    }

    private VerifyReport report(
            Instant started, VerifyState state, List<Long> rounds, boolean complete, Confirmed confirmed) {
        return new VerifyReport(
                started,
                Instant.now(),
                complete,
                state.checked(),
                state.counts(),
                rounds,
                confirmed.counts,
                confirmed.samples);
    }

    interface WindowAction {
        void accept(int db, List<byte[]> keys) throws InterruptedException, IOException;
    }

    /** Reads a mismatch file in windows of one database each, at most {@code windowKeys} keys. */
    private void forEachWindow(KeyFile.Reader reader, WindowAction action) throws IOException, InterruptedException {
        List<byte[]> keys = new ArrayList<>(options.windowKeys());
        int db = -1;
        for (KeyFile.Entry entry = reader.next(); entry != null; entry = reader.next()) {
            if (stopped) {
                return;
            }
            if ((entry.db() != db || keys.size() == options.windowKeys()) && !keys.isEmpty()) {
                action.accept(db, keys);
                keys = new ArrayList<>(options.windowKeys());
            }
            db = entry.db();
            keys.add(entry.key());
        }
        if (!keys.isEmpty()) {
            action.accept(db, keys);
        }
    }

    private static long count(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long count = 0;
        try (KeyFile.Reader reader = new KeyFile.Reader(file)) {
            while (reader.next() != null) {
                count++;
            }
        }
        return count;
    }

    private void save(VerifyState state, Path folder, boolean temporary) throws IOException {
        if (!temporary) {
            state.save(folder);
        }
    }

    private static void deleteFolder(Path folder) {
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not remove the verify's temporary folder {}: {}", folder, e.getMessage());
        }
    }
}
