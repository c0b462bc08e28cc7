package io.ferry.control.stats;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class StatsWindowTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_000_000);

    private final StatsWindow window = new StatsWindow(Duration.ofSeconds(5), Duration.ofMinutes(1));

    private static Map<String, String> proxy(String node, double interval, double sourceOps, double p99, long errors) {
        return Map.of(
                "node", node,
                "intervalSeconds", Double.toString(interval),
                "sourceOpsPerSecond", Double.toString(sourceOps),
                "sourceP99Ms", Double.toString(p99),
                "sourceErrors", Long.toString(errors),
                "divergences", "1");
    }

    private Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    @Test
    void ratesOfSeveralNodesAddUpAndTheSlowestNodesLatencyShows() {
        window.add("shop", at(5), "stats.proxy", proxy("a", 5, 100, 2.5, 1));
        window.add("shop", at(5), "stats.proxy", proxy("b", 5, 50, 7.0, 2));
        // Sent as the interval ended: both fall in [0, 5), finished at 5 s.
        List<StatsWindow.Row> rows = window.rows("shop", at(5));
        assertThat(rows).hasSize(1);
        StatsWindow.Row row = rows.get(0);
        assertThat(row.start()).isEqualTo(T0);
        assertThat(row.value("source_ops_per_second")).isEqualTo(150);
        assertThat(row.value("source_p99_ms")).isEqualTo(7.0);
        assertThat(row.value("nodes")).isEqualTo(2);
        // Counts are summed over the events of the bucket they were sent in.
        assertThat(row.value("source_errors")).isEqualTo(3);
        assertThat(row.value("divergences")).isEqualTo(2);
    }

    @Test
    void aNodesRateFillsEveryBucketItsIntervalCoversWeightedByHowMuchItCovers() {
        // Every 10 s: the event at 12.5 s covers (2.5, 12.5]: half of [0, 5), all of [5, 10), half of [10, 15).
        window.add("shop", at(12.5), "stats.proxy", proxy("a", 10, 40, 1, 0));
        // The next covers (12.5, 22.5]: the other half of [10, 15) at another rate.
        window.add("shop", at(22.5), "stats.proxy", proxy("a", 10, 80, 3, 0));
        List<StatsWindow.Row> rows = window.rows("shop", at(25));
        assertThat(rows).extracting(StatsWindow.Row::start).containsExactly(T0, at(5), at(10), at(15), at(20));
        assertThat(rows.get(0).value("source_ops_per_second")).isCloseTo(40, within(1e-9));
        assertThat(rows.get(1).value("source_ops_per_second")).isCloseTo(40, within(1e-9));
        assertThat(rows.get(2).value("source_ops_per_second")).isCloseTo(60, within(0.1));
        assertThat(rows.get(2).value("source_p99_ms"))
                .as("the worst of the bucket")
                .isEqualTo(3);
        assertThat(rows.get(3).value("source_ops_per_second")).isCloseTo(80, within(1e-9));
        assertThat(rows.get(2).value("nodes")).as("one node, counted once").isEqualTo(1);
    }

    @Test
    void onlyFinishedBucketsWithinTheWindowAreShownWithGapsAsZeros() {
        window.add("shop", at(1), "stats.proxy", proxy("a", 1, 10, 1, 0));
        window.add("shop", at(16), "stats.proxy", proxy("a", 1, 30, 1, 0));
        assertThat(window.rows("shop", at(17)))
                .as("[15, 20) is not finished")
                .extracting(row -> row.value("source_ops_per_second"))
                .containsExactly(10.0, 0.0, 0.0);
        assertThat(window.rows("shop", at(20))).hasSize(4);
        // A minute later the first buckets have left the window.
        window.add("shop", at(80), "stats.proxy", proxy("a", 1, 5, 1, 0));
        List<StatsWindow.Row> late = window.rows("shop", at(85));
        assertThat(late).extracting(StatsWindow.Row::start).containsExactly(at(75), at(80));
        assertThat(late.get(0).value("source_ops_per_second")).isEqualTo(5);
        assertThat(window.rows("other-run", at(85))).isEmpty();
    }

    @Test
    void moversAddTheirRatesAndTheirThrottles() {
        window.add(
                "shop",
                at(5),
                "stats.mover",
                Map.of(
                        "node", "m1",
                        "intervalSeconds", "5",
                        "keysPerSecond", "200",
                        "bytesPerSecond", "4096",
                        "errorKeys", "2",
                        "throttled", "true",
                        "throttleLimit", "250",
                        "throttleSleepMs", "120"));
        window.add(
                "shop",
                at(5),
                "stats.mover",
                Map.of(
                        "node", "m2",
                        "intervalSeconds", "5",
                        "keysPerSecond", "300",
                        "errorKeys", "1",
                        "throttled", "false",
                        "throttleLimit", "none"));
        window.add("shop", at(5), "stats.comparator", Map.of("node", "c", "intervalSeconds", "5", "divergences", "4"));
        window.add("shop", at(5), "migration.approved", Map.of());
        window.add("shop", at(5), "stats.mover", Map.of("node", "m3", "keysPerSecond", "not a number"));
        StatsWindow.Row row = window.rows("shop", at(10)).get(0);
        assertThat(row.value("mover_keys_per_second")).isEqualTo(500);
        assertThat(row.value("mover_bytes_per_second")).isEqualTo(4096);
        assertThat(row.value("error_keys")).isEqualTo(3);
        assertThat(row.value("throttled_movers")).isEqualTo(1);
        assertThat(row.value("throttle_limit")).isEqualTo(250);
        assertThat(row.value("throttle_sleep_ms")).isEqualTo(120);
        assertThat(row.value("divergences")).isEqualTo(4);
        assertThat(row.value("nodes")).isEqualTo(4);
    }

    @Test
    void runsBeyondTheLimitDropTheOneUpdatedLongestAgo() {
        for (int i = 0; i <= StatsWindow.MAX_RUNS; i++) {
            window.add("run-" + i, at(1), "stats.proxy", proxy("a", 1, 1, 1, 0));
        }
        assertThat(window.rows("run-0", at(5))).isEmpty();
        assertThat(window.rows("run-1", at(5))).hasSize(1);
        assertThat(window.rows("run-" + StatsWindow.MAX_RUNS, at(5))).hasSize(1);
    }
}
