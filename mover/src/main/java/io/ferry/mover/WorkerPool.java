package io.ferry.mover;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The mover workers (and other loops) of one process, each on a daemon thread of its own: started
 * together, watched for the first failure, stopped together before the clients they use are closed.
 * Thread-safe for {@link #stop}; {@link #start} from one thread.
 */
final class WorkerPool {
    /** A loop the pool runs: it stops when asked and says why it stopped on its own. */
    interface Loop extends Runnable {
        void stop();

        Throwable failure();
    }

    private final List<Loop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** The first throwable a loop let out (an Error, say), which its own failure() cannot report. */
    private volatile Throwable escaped;

    /** Starts {@code count} loops made by {@code loop}, named {@code name-<i>}. */
    synchronized void start(int count, String name, IntFunction<Loop> loop) {
        for (int i = 0; i < count; i++) {
            start(name + "-" + i, loop.apply(i));
        }
    }

    synchronized void start(String name, Loop loop) {
        Thread thread = new Thread(
                () -> {
                    try {
                        loop.run();
                    } catch (Throwable e) {
                        // Without this, a loop killed by an Error would leave the run waiting for it for ever.
                        if (escaped == null) {
                            escaped = e;
                        }
                        throw e;
                    }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        loops.add(loop);
        threads.add(thread);
    }

    /** Why the first loop that stopped on its own did so, or null. */
    synchronized Throwable firstFailure() {
        if (escaped != null) {
            return escaped;
        }
        for (Loop loop : loops) {
            if (loop.failure() != null) {
                return loop.failure();
            }
        }
        return null;
    }

    /** Asks every loop to stop and waits (up to 30 s each) until it has. */
    void stop() throws InterruptedException {
        List<Loop> stopping;
        List<Thread> joining;
        synchronized (this) {
            stopping = List.copyOf(loops);
            joining = List.copyOf(threads);
        }
        for (Loop loop : stopping) {
            loop.stop();
        }
        for (Thread thread : joining) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }
}
