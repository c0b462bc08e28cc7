package io.ferry.app;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table of text columns printed as rows arrive, so a long listing needs no more memory than its
 * first rows: the column widths are those of the header and the first {@code sample} rows, held until
 * then (or until {@link #end}); a later, wider cell pushes the rest of its row right. The last column
 * is never padded. Prints nothing at all when no row came. Not thread-safe.
 */
final class TextTable {
    private static final String GAP = "  ";

    private final PrintWriter out;
    private final List<String> headers;
    private final int sample;
    private final List<String[]> held = new ArrayList<>();
    private int[] widths;

    TextTable(PrintWriter out, List<String> headers, int sample) {
        if (sample < 1) {
            throw new IllegalArgumentException("sample: " + sample + " (expected: >= 1)");
        }
        this.out = out;
        this.headers = List.copyOf(headers);
        this.sample = sample;
    }

    /** Adds a row of exactly one cell per column. */
    void row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "a row of " + cells.length + " cells (expected: " + headers.size() + ", one per column)");
        }
        if (widths != null) {
            print(cells);
            return;
        }
        held.add(cells.clone());
        if (held.size() >= sample) {
            flushHeld();
        }
    }

    /** Prints the rows still held; call once, after the last row. */
    void end() {
        if (widths == null && !held.isEmpty()) {
            flushHeld();
        }
        out.flush();
    }

    private void flushHeld() {
        widths = new int[headers.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = headers.get(c).length();
        }
        for (String[] row : held) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        print(headers.toArray(String[]::new));
        for (String[] row : held) {
            print(row);
        }
        held.clear();
    }

    private void print(String[] cells) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            line.append(cells[c]);
            if (c < cells.length - 1) {
                line.append(" ".repeat(Math.max(0, widths[c] - cells[c].length())))
                        .append(GAP);
            }
        }
        out.println(line.toString().stripTrailing());
    }
}
