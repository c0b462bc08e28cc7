package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The command lines of ferry analyzer and ferry analyze, checked without starting anything. */
class AnalyzerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void theAnalyzerWithoutKafkaSaysSoAndExitsNonZero() {
        assertThat(ferry("analyzer")).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("setting 'kafka' is required");
    }

    @Test
    void badValuesAreAllReportedAtOnce() {
        int status = ferry(
                "settings",
                "analyzer",
                "--kafka",
                "127.0.0.1:9092",
                "--target-profile",
                "dragonfly",
                "--window-ms",
                "10",
                "--processing",
                "SOMETIMES");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString())
                .contains("target-profile")
                .contains("window-ms")
                .contains("'SOMETIMES' is not one of EXACTLY_ONCE, AT_LEAST_ONCE");
    }

    @Test
    void goodSettingsShowTheEffectiveConfiguration() {
        int status = ferry(
                "settings",
                "analyze",
                "--kafka",
                "127.0.0.1:9092",
                "--source",
                "redis://app:s3cret@127.0.0.1:6379",
                "--target-profile",
                "elasticache");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("target-profile = elasticache  (flag)")
                .contains("report = ferry-analysis-report.json  (default)")
                .doesNotContain("s3cret");
    }

    @Test
    void bothAreListedInTheHelp() {
        assertThat(ferry("--help")).isZero();
        assertThat(out.toString()).contains("analyzer", "analyze");
    }
}
