package io.ferry.analyzer;

import io.ferry.resp.command.CommandTable;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetProfileTest {
    private static final CommandTable TABLE = CommandTable.bundled();

    private static String refusal(TargetProfile target, String name, String display) {
        return target.refusal(TABLE.find(name).orElseThrow(), display).orElse(null);
    }

    @Test
    void refusesDisabledCommandsAndWholeContainers() {
        assertThat(refusal(TargetProfile.ELASTICACHE, "config|set", "CONFIG SET"))
                .isEqualTo("disabled on elasticache");
        assertThat(refusal(TargetProfile.ELASTICACHE, "get", "GET")).isNull();
        // Memorystore disables CONFIG GET and SET but not CONFIG HELP.
        assertThat(refusal(TargetProfile.MEMORYSTORE, "config|get", "CONFIG GET"))
                .isNotNull();
        assertThat(refusal(TargetProfile.MEMORYSTORE, "config|help", "CONFIG HELP"))
                .isNull();
    }

    @Test
    void refusesCommandsNewerThanTheTargetVersion() {
        TargetProfile six = TargetProfile.REDIS.withVersion("6.0");
        assertThat(refusal(six, "getex", "GETEX")).isEqualTo("added in Redis 6.2.0, the target runs 6.0");
        assertThat(refusal(six, "get", "GET")).isNull();
        assertThat(refusal(TargetProfile.REDIS.withVersion("6.2.7"), "getex", "GETEX"))
                .isNull();
    }

    @Test
    void aVersionWithoutPatchMeansAnyPatch() {
        assertThat(TargetProfile.REDIS.isOlderThan("7.0.15")).isFalse();
        assertThat(TargetProfile.REDIS.isOlderThan("7.2.4")).isTrue();
        assertThat(TargetProfile.REDIS.withVersion("7.0.5").isOlderThan("7.0.15"))
                .isTrue();
        assertThat(TargetProfile.REDIS.isOlderThan("6.2.7")).isFalse();
    }

    @Test
    void addsDisabledCommandsAndRejectsBadNamesAndVersions() {
        TargetProfile custom = TargetProfile.REDIS.withDisabled(List.of("flushall", "client|kill"));
        assertThat(custom.disabled()).containsExactlyInAnyOrder("FLUSHALL", "CLIENT KILL");
        assertThat(refusal(custom, "flushall", "FLUSHALL")).isNotNull();
        assertThatThrownBy(() -> TargetProfile.named("dragonfly"))
                .hasMessageContaining("expected one of [azure, elasticache, memorystore, redis]");
        assertThatThrownBy(() -> TargetProfile.REDIS.withVersion("seven")).hasMessageContaining("major.minor");
    }
}
