package io.ferry.resp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RespLimitsTest {

    @Test
    void defaultsAreRedisOwnLimits() {
        RespLimits limits = RespLimits.DEFAULTS;
        assertThat(limits.maxBulkLength()).isEqualTo(512 * 1024 * 1024);
        assertThat(limits.maxAggregateLength()).isEqualTo(1_048_576);
        assertThat(limits.maxInlineLength()).isEqualTo(64 * 1024);
        assertThat(limits.maxNestingDepth()).isEqualTo(128);
        assertThat(limits.maxFrameSize()).isEqualTo(1024L * 1024 * 1024);
        assertThat(RespLimits.builder().build()).isEqualTo(limits);
    }

    @Test
    void builderSetsEachValue() {
        RespLimits limits = RespLimits.builder()
                .maxBulkLength(1)
                .maxAggregateLength(2)
                .maxInlineLength(32)
                .maxNestingDepth(4)
                .maxFrameSize(RespLimits.UNLIMITED_FRAME_SIZE)
                .build();
        assertThat(limits).isEqualTo(new RespLimits(1, 2, 32, 4, Long.MAX_VALUE));
        assertThat(limits.toBuilder().maxNestingDepth(5).build().maxNestingDepth())
                .isEqualTo(5);
        assertThat(limits.maxNestingDepth()).as("immutable").isEqualTo(4);
    }

    @Test
    void builderRejectsEachValueOutOfRangeNamingIt() {
        RespLimits.Builder builder = RespLimits.builder();
        assertThatThrownBy(() -> builder.maxBulkLength(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBulkLength: 0 (expected: 1..2147483583)");
        assertThatThrownBy(() -> builder.maxBulkLength(Integer.MAX_VALUE)).hasMessageStartingWith("maxBulkLength");
        assertThatThrownBy(() -> builder.maxAggregateLength(-1))
                .hasMessage("maxAggregateLength: -1 (expected: 1..2147483647)");
        assertThatThrownBy(() -> builder.maxInlineLength(31))
                .hasMessage("maxInlineLength: 31 (expected: 32..2147483645)");
        assertThatThrownBy(() -> builder.maxNestingDepth(0)).hasMessage("maxNestingDepth: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> builder.maxNestingDepth(1025)).hasMessageStartingWith("maxNestingDepth: 1025");
        assertThatThrownBy(() -> builder.maxFrameSize(0))
                .hasMessage("maxFrameSize: 0 (expected: 1..9223372036854775807)");
        assertThat(builder.build())
                .as("a rejected value leaves the builder unchanged")
                .isEqualTo(RespLimits.DEFAULTS);
    }

    @Test
    void constructorValidatesToo() {
        assertThatThrownBy(() -> new RespLimits(1, 1, 1, 1, 1)).hasMessageStartingWith("maxInlineLength: 1");
        assertThatThrownBy(() -> new RespLimits(0, 1, 64, 1, 1)).hasMessageStartingWith("maxBulkLength: 0");
    }
}
