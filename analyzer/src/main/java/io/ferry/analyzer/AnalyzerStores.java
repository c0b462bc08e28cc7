package io.ferry.analyzer;

/**
 * The names of the analyzer's state stores. The two queryable ones are {@link #WINDOWS} and {@link
 * #OVERALL}; both live on the one instance that runs the merging task (see {@link AnalyzerTopology}).
 */
public final class AnalyzerStores {
    /** Per traffic partition: folded profiles not yet passed on to the merge, by window start (in memory, logged). */
    public static final String PENDING = "analyzer-pending";
    /** Per traffic partition: the live buffer in front of {@link #PENDING} (in memory, not logged). */
    public static final String BUFFER = "analyzer-buffer";
    /** Queryable: the traffic profile of each window, by window start in ms (persistent, logged). */
    public static final String WINDOWS = "analyzer-windows";
    /** Queryable: the profile of all traffic seen, under the key {@link #OVERALL_KEY} (persistent, logged). */
    public static final String OVERALL = "analyzer-overall";
    /** The one key of {@link #OVERALL}. */
    public static final String OVERALL_KEY = "overall";
    /** Window starts whose profile changed since the analysis topic last got it; -1 for the overall profile. */
    public static final String CHANGED = "analyzer-changed";

    private AnalyzerStores() {}
}
