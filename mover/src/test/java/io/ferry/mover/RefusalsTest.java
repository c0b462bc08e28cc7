package io.ferry.mover;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which server errors send a key to the type-command copy, and which turn the window scripts off. */
class RefusalsTest {
    @Test
    void aPayloadTheTargetCannotReadFallsBackToTypeCommands() {
        assertThat(KeyCopier.refusesPayload("ERR DUMP payload version or checksum are wrong"))
                .isTrue();
        assertThat(KeyCopier.refusesPayload("ERR Bad data format")).isTrue();
        assertThat(KeyCopier.refusesPayload("ERR unknown command 'RESTORE', with args beginning with: 'k'"))
                .isTrue();
        assertThat(KeyCopier.refusesPayload("ERR Unknown Redis command called from script script: 2b0a"))
                .isTrue();
    }

    @Test
    void otherFailuresAreRetriedAndReportedInstead() {
        assertThat(KeyCopier.refusesPayload("OOM command not allowed when used memory > 'maxmemory'."))
                .isFalse();
        assertThat(KeyCopier.refusesPayload("NOPERM this user has no permissions to access one of the keys"))
                .isFalse();
        assertThat(KeyCopier.refusesPayload("BUSYKEY Target key name already exists."))
                .isFalse();
    }

    @Test
    void scriptsAreLeftForPlainCommandsWhenTheServerWillNotRunThem() {
        assertThat(WindowScripts.refused("NOPERM this user has no permissions to run the 'eval' command"))
                .isTrue();
        assertThat(WindowScripts.refused("CROSSSLOT Keys in request don't hash to the same slot"))
                .isTrue();
        assertThat(WindowScripts.refused("ERR unknown command 'EVAL'")).isTrue();
        assertThat(WindowScripts.refused("LOADING Redis is loading the dataset in memory"))
                .isFalse();
        assertThat(WindowScripts.refused("BUSY Redis is busy running a script")).isFalse();
    }
}
