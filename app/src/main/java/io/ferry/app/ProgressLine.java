package io.ferry.app;

import java.io.PrintStream;
import java.time.Duration;

/**
 * The progress line of a long command ({@code ferry copy}, {@code ferry verify}): a bar when the total
 * is known, the command's own figures, an ETA. On a terminal it is redrawn in place at each call;
 * otherwise (a log, a pipe) a line is printed every 10 s, the first after 10 s, when the rate and the
 * ETA mean something. Thread-safe.
 */
final class ProgressLine {
    private static final int BAR = 20;
    private static final long INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final PrintStream out;
    private final boolean terminal;
    private long lastPrinted = System.nanoTime();
    private boolean drawn;

    ProgressLine(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Shows {@code done} of {@code total} (0: unknown, no bar), then {@code figures}, then the ETA when
     * {@code etaSeconds} is not negative.
     */
    synchronized void show(long done, long total, String figures, long etaSeconds) {
        long now = System.nanoTime();
        if (!terminal && now - lastPrinted < INTERVAL_NANOS) {
            return;
        }
        lastPrinted = now;
        StringBuilder text = new StringBuilder();
        if (total > 0) {
            double fraction = Math.min(1.0, done / (double) total);
            int filled = (int) Math.round(fraction * BAR);
            text.append('[')
                    .append("#".repeat(filled))
                    .append("-".repeat(BAR - filled))
                    .append(String.format("] %3.0f%%  ", fraction * 100));
        }
        text.append(figures);
        if (etaSeconds >= 0) {
            text.append(String.format("  ETA %d:%02d", etaSeconds / 60, etaSeconds % 60));
        }
        if (terminal) {
            out.print("\r" + text + "   ");
            drawn = true;
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Ends a line drawn in place, so what follows starts on a line of its own. */
    synchronized void end() {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }
}
