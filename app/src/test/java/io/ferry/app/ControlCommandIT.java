package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ferry control} on the command line: its settings, checked before anything starts, the token masked. */
class ControlCommandIT {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ferry(String... args) {
        return Ferry.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void withoutKafkaOrTokenItSaysSo() {
        int status = ferry("control", "--listen", "127.0.0.1:not-a-port");

        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("setting 'kafka' is required").contains("setting 'listen'");

        assertThat(ferry("control", "--kafka", "127.0.0.1:9092")).isNotZero();
        assertThat(err.toString()).contains("give exactly one of 'token' and 'token-file'");
    }

    @Test
    void aShortTokenIsRefusedAndTheEffectiveSettingsHideTheToken() {
        assertThat(ferry("control", "--kafka", "127.0.0.1:9092", "--token", "short"))
                .isNotZero();
        assertThat(err.toString()).contains("at least 16 characters").doesNotContain("short'");

        int status = ferry("settings", "control", "--kafka", "127.0.0.1:9092", "--token", "a-long-secret-token-123");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString()).contains("token = [hidden]").doesNotContain("a-long-secret-token-123");
    }
}
