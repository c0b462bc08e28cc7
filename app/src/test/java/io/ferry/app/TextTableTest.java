package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextTableTest {
    private final StringWriter text = new StringWriter();
    private final PrintWriter out = new PrintWriter(text);

    @Test
    void columnsAreAsWideAsTheHeaderAndTheSampledRows() {
        TextTable table = new TextTable(out, List.of("A", "LONG HEADER", "LAST"), 2);
        table.row("wide cell", "x", "free text");
        table.row("a", "b", "c");
        table.row("a much wider cell", "y", "z");
        table.end();

        assertThat(text.toString().lines())
                .containsExactly(
                        "A          LONG HEADER  LAST",
                        "wide cell  x            free text",
                        "a          b            c",
                        "a much wider cell  y            z");
    }

    @Test
    void rowsFewerThanTheSampleArePrintedAtTheEnd() {
        TextTable table = new TextTable(out, List.of("K", "V"), 100);
        table.row("key", "value");
        out.flush();
        assertThat(text.toString()).isEmpty();

        table.end();
        assertThat(text.toString().lines()).containsExactly("K    V", "key  value");
    }

    @Test
    void noRowsPrintNothing() {
        new TextTable(out, List.of("K", "V"), 10).end();
        assertThat(text.toString()).isEmpty();
    }
}
