package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ferry comparator} on the command line: its settings, checked before anything starts. */
class ComparatorCommandIT {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void withoutKafkaItSaysSoAndExitsNonZero() {
        int status = ferry(
                "comparator",
                "--source",
                "redis://ops:pa55word@127.0.0.1:1",
                "--target",
                "redis://127.0.0.1:2",
                "--max-replays-per-second",
                "0");

        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("setting 'kafka' is required").contains("setting 'max-replays-per-second'");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }

    @Test
    void theEffectiveSettingsMaskThePassword() {
        int status = ferry(
                "settings",
                "comparator",
                "--source",
                "redis://ops:pa55word@127.0.0.1:1",
                "--target",
                "redis://127.0.0.1:2",
                "--kafka",
                "127.0.0.1:9092",
                "--repair",
                "true");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("repair = true")
                .contains("ttl-tolerance-ms = 2000")
                .doesNotContain("pa55word");
    }
}
