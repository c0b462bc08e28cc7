package io.ferry.endpoint;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The throttle's control law: back off from what was achieved, recover while healthy, cap and floor. */
class ThrottleTest {
    private static final double NONE = Double.POSITIVE_INFINITY;
    private final Throttle.Controller controller =
            new Throttle.Controller(new Throttle.Options(Duration.ofMillis(5), 80, 0, 100));

    @Test
    void aSlowSourceHoldsTheCopyBelowWhatItAchieved() {
        assertThat(controller.next(NONE, 50_000, 12, 20)).isEqualTo(35_000);
        assertThat(controller.next(35_000, 30_000, 9, 20)).isEqualTo(21_000);
    }

    @Test
    void aBusyCpuHoldsTheCopyBackToo() {
        assertThat(controller.next(NONE, 10_000, 0.2, 95)).isEqualTo(7_000);
    }

    @Test
    void neverBelowTheFloor() {
        assertThat(controller.next(120, 120, 50, 100)).isEqualTo(100);
        assertThat(controller.next(100, 100, 50, 100)).isEqualTo(100);
    }

    @Test
    void anIdleCopyIsNotHeldBackForASourceSlowByItself() {
        assertThat(controller.next(NONE, 0, 50, 100)).isEqualTo(NONE);
        assertThat(controller.next(5_000, 10, 50, 100)).isEqualTo(5_000);
    }

    @Test
    void aHealthySourceGetsTheRateBackStepByStepThenUnlimited() {
        assertThat(controller.next(1_000, 1_000, 0.3, 10)).isEqualTo(1_250);
        assertThat(controller.next(1_250, 1_240, 0.3, 10)).isEqualTo(1_562.5);
        // The copy uses less than half its limit: the limit is not what holds it back.
        assertThat(controller.next(10_000, 3_000, 0.3, 10)).isEqualTo(NONE);
        assertThat(controller.next(NONE, 50_000, 0.3, 10)).isEqualTo(NONE);
    }

    @Test
    void aCeilingAlwaysApplies() {
        Throttle.Controller capped =
                new Throttle.Controller(new Throttle.Options(Duration.ofMillis(5), 80, 2_000, 100));
        assertThat(capped.next(NONE, 50_000, 0.3, 10)).isEqualTo(2_000);
        assertThat(capped.next(2_000, 2_000, 0.3, 10)).isEqualTo(2_000);
        assertThat(capped.next(2_000, 2_000, 30, 10)).isEqualTo(1_400);
    }

    @Test
    void nonsenseOptionsAreRefusedByName() {
        assertThatThrownBy(() -> new Throttle.Options(Duration.ZERO, 80, 0, 100))
                .hasMessageContaining("latencyBudget");
        assertThatThrownBy(() -> new Throttle.Options(Duration.ofMillis(1), 80, 50, 100))
                .hasMessageContaining("maxRate 50");
    }
}
