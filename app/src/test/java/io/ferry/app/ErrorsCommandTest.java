package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The shape of {@code ferry errors ACTION} on the command line; nothing is run. */
class ErrorsCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void errorsAloneListsItsActions() {
        int status = ferry("errors");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(out.toString()).contains("list", "export", "replay");
    }

    @Test
    void eachActionHasItsOwnSettings() {
        assertThat(ferry("errors", "replay", "--help")).isZero();
        assertThat(out.toString())
                .contains("--source=VALUE", "--target=VALUE", "--target.tls.ca-file", "--expiry-tolerance-ms=N")
                .contains("--kafka=VALUE", "--data-dir=VALUE", "--run-id=VALUE")
                .doesNotContain("--file");

        int status = ferry("errors", "export", "--kafka", "127.0.0.1:9092", "--source", "redis://h:1");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString())
                .contains("in the settings of 'errors export'")
                .contains("setting 'file' is required")
                .contains("unknown flag '--source'");
    }

    @Test
    void replaySettingsAreCheckedWithTheirSecretsMasked() {
        int status = ferry(
                "settings",
                "errors",
                "replay",
                "--source",
                "redis://ops:pa55word@127.0.0.1:6379",
                "--target",
                "redis://127.0.0.1:6380",
                "--conflict-policy",
                "NONE");

        assertThat(status).as("stderr: %s", err).isZero();
        assertThat(out.toString())
                .contains("settings of errors replay are valid:")
                .contains("source = redis://ops:[hidden]@127.0.0.1:6379  (flag)")
                .contains("conflict-policy = NONE  (flag)")
                .doesNotContain("pa55word");
    }

    @Test
    void mergeIsRefusedForReplayToo() {
        int status = ferry(
                "errors",
                "replay",
                "--source",
                "redis://ops:pa55word@127.0.0.1:6379",
                "--target",
                "redis://127.0.0.1:6380",
                "--conflict-policy",
                "MERGE");

        assertThat(status).isEqualTo(Ferry.EXIT_USAGE);
        assertThat(err.toString()).contains("conflict-policy", "MERGE");
        assertThat(out.toString() + err).doesNotContain("pa55word");
    }
}
