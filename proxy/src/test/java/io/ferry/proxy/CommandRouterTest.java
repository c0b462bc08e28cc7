package io.ferry.proxy;

import io.ferry.proxy.route.KeySlice;
import io.ferry.proxy.route.TenantRules;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandTable;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Phase;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Side;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.TenantRule;
import io.ferry.schemas.WritePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where each kind of command goes under each write policy, read mode and strategy. */
class CommandRouterTest {
    private static final CommandTable TABLE = CommandTable.bundled();

    private static CommandRouter.Decision decide(MigrationRoute route, String... args) {
        CommandMessage command = CommandMessage.of(args);
        try {
            CommandRouter.Decision decision = new CommandRouter.Decision();
            CommandRouter.decide(route, TABLE.lookup(command), command, new KeyPositions(), decision);
            return decision;
        } finally {
            command.release();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "SOURCE_ONLY, SOURCE, " + Exchange.SINGLE,
        "SOURCE_AUTHORITATIVE, SOURCE, " + Exchange.MIRRORED,
        "BEST_EFFORT, SOURCE, " + Exchange.MIRRORED,
        "BOTH_REQUIRED, SOURCE, " + Exchange.BOTH_REQUIRED,
        "TARGET_AUTHORITATIVE, TARGET, " + Exchange.MIRRORED,
        "TARGET_ONLY, TARGET, " + Exchange.SINGLE,
    })
    void writesFollowTheWritePolicy(WritePolicy policy, Side served, byte plan) {
        ReadMode mode = policy == WritePolicy.TARGET_ONLY ? ReadMode.TARGET : ReadMode.SOURCE;
        CommandRouter.Decision decision = decide(MigrationRoute.of(policy, mode, 0), "SET", "k", "v");
        assertThat(decision.served).isEqualTo(served);
        assertThat(decision.plan).isEqualTo(plan);
        assertThat(decision.write).isTrue();
        assertThat(decision.traced).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "SOURCE, SOURCE, " + Exchange.SINGLE,
        "TARGET, TARGET, " + Exchange.SINGLE,
        "FALLBACK_ON_MISS, TARGET, " + Exchange.FALLBACK,
        "VERSION_COMPARE, SOURCE, " + Exchange.COMPARED,
        "REPLICATED, SOURCE, " + Exchange.COMPARED,
    })
    void readsFollowTheReadMode(ReadMode mode, Side served, byte plan) {
        CommandRouter.Decision decision =
                decide(MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, mode, 0), "GET", "k");
        assertThat(decision.served).isEqualTo(served);
        assertThat(decision.plan).isEqualTo(plan);
        assertThat(decision.write).isFalse();
    }

    @Test
    void ratioReadsByKeySliceAndSplitMultiKeyReadsGoToTheAuthoritativeSide() {
        MigrationRoute route = MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 50);
        String low = keyWithBucket(true);
        String high = keyWithBucket(false);
        assertThat(decide(route, "GET", low).served).isEqualTo(Side.TARGET);
        assertThat(decide(route, "GET", high).served).isEqualTo(Side.SOURCE);
        assertThat(decide(route, "MGET", low, low).served).isEqualTo(Side.TARGET);
        assertThat(decide(route, "MGET", low, high).served)
                .as("keys on both sides")
                .isEqualTo(Side.SOURCE);
        assertThat(decide(route, "DBSIZE").served).as("no key").isEqualTo(Side.SOURCE);
        assertThat(decide(MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 100), "GET", high).served)
                .isEqualTo(Side.TARGET);
        assertThat(decide(MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 0), "GET", low).served)
                .isEqualTo(Side.SOURCE);
    }

    @Test
    void scriptsWithKeysRunOnTheAuthoritativeSideAndAreRepaired() {
        MigrationRoute route = MigrationRoute.of(WritePolicy.TARGET_AUTHORITATIVE, ReadMode.TARGET, 0);
        CommandRouter.Decision eval = decide(route, "EVAL", "return 1", "1", "k");
        assertThat(eval.served).isEqualTo(Side.TARGET);
        assertThat(eval.plan).isEqualTo(Exchange.SINGLE);
        assertThat(eval.repairOther).isTrue();
        CommandRouter.Decision load = decide(route, "SCRIPT", "LOAD", "return 1");
        assertThat(load.plan).as("SCRIPT LOAD reaches both sides").isEqualTo(Exchange.MIRRORED);
        assertThat(load.traced).as("no key to repair").isFalse();
    }

    @Test
    void publishReachesBothSidesAndIntrospectionAsksTheAuthoritativeSide() {
        MigrationRoute route = MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.TARGET, 0);
        CommandRouter.Decision publish = decide(route, "PUBLISH", "news", "hello");
        assertThat(publish.plan).isEqualTo(Exchange.MIRRORED);
        assertThat(publish.traced).isFalse();
        assertThat(decide(route, "PING").served).isEqualTo(Side.SOURCE);
        assertThat(decide(route, "INFO").served).isEqualTo(Side.SOURCE);
    }

    @Test
    void shadowNeverServesTheTargetAndTenantsPickTheirSide() {
        MigrationRoute shadow = new MigrationRoute(
                Phase.COMPARE,
                Strategy.SHADOW,
                WritePolicy.SOURCE_AUTHORITATIVE,
                ReadMode.TARGET,
                100,
                TenantRules.of(List.of()),
                1);
        assertThat(decide(shadow, "GET", "k").served).isEqualTo(Side.SOURCE);
        MigrationRoute tenants = new MigrationRoute(
                Phase.MIGRATE,
                Strategy.USER_BY_USER,
                WritePolicy.SOURCE_AUTHORITATIVE,
                ReadMode.SOURCE,
                0,
                TenantRules.of(List.of(new TenantRule("eu", List.of("eu:"), Side.TARGET))),
                2);
        assertThat(decide(tenants, "GET", "eu:1").served).isEqualTo(Side.TARGET);
        assertThat(decide(tenants, "GET", "us:1").served).isEqualTo(Side.SOURCE);
        assertThat(decide(tenants, "SET", "eu:1", "v").plan).isEqualTo(Exchange.MIRRORED);
    }

    @Test
    void routesThatWouldLoseWritesAreRefused() {
        assertThatThrownBy(() -> MigrationRoute.of(WritePolicy.SOURCE_ONLY, ReadMode.TARGET, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SOURCE_ONLY never writes to it");
        assertThatThrownBy(() -> MigrationRoute.of(WritePolicy.TARGET_ONLY, ReadMode.SOURCE, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TARGET_ONLY never writes to it");
        assertThatThrownBy(() -> MigrationRoute.of(WritePolicy.SOURCE_AUTHORITATIVE, ReadMode.RATIO, 101))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratio: 101");
    }

    /** A key in the lower half of the buckets (read from the target at 50 %), or the upper half. */
    private static String keyWithBucket(boolean lowerHalf) {
        for (int i = 0; ; i++) {
            String key = "key:" + i;
            boolean lower = KeySlice.bucket(key.getBytes(StandardCharsets.UTF_8)) < KeySlice.BUCKETS / 2;
            if (lower == lowerHalf) {
                return key;
            }
        }
    }
}
