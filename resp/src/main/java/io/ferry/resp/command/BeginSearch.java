package io.ferry.resp.command;

import java.util.Objects;

/**
 * Where a key specification starts looking for keys: a fixed argument index, or the argument after a
 * keyword. Immutable.
 */
public sealed interface BeginSearch {

    /** The search starts at argument {@code index} (0 is the command name). */
    record Index(int index) implements BeginSearch {}

    /**
     * The search starts after the first argument equal to {@code keyword} (ignoring ASCII case), looked
     * for from argument {@code startFrom} towards the end, or, when {@code startFrom} is negative, from
     * argument {@code argc + startFrom} back towards the start.
     */
    record Keyword(String keyword, int startFrom) implements BeginSearch {
        public Keyword {
            Objects.requireNonNull(keyword, "keyword");
        }
    }

    /** The server could not describe the start (Redis's {@code unknown}: keys depend on data or parsing). */
    record Unknown() implements BeginSearch {}
}
