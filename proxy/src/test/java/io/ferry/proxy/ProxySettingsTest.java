package io.ferry.proxy;

import io.ferry.schemas.ReadMode;
import io.ferry.schemas.WritePolicy;
import io.ferry.settings.SettingsException;
import io.ferry.settings.SettingsLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's migration settings: what a route needs, refused with a reason naming the settings. */
class ProxySettingsTest {
    private static ProxyConfig load(Map<String, String> flags) {
        return ProxyConfig.from(SettingsLoader.load(ProxySettings.SPEC, Optional.empty(), flags));
    }

    @Test
    void aTargetWithAPolicyAndModeBecomesTheInitialRoute() {
        ProxyConfig config = load(Map.of(
                "source", "redis://127.0.0.1:6379",
                "target", "redis://127.0.0.1:6380",
                "write-policy", "SOURCE_AUTHORITATIVE",
                "read-mode", "RATIO",
                "ratio", "20",
                "mirror-timeout-ms", "750"));
        assertThat(config.target().port()).isEqualTo(6380);
        assertThat(config.route().writePolicy()).isEqualTo(WritePolicy.SOURCE_AUTHORITATIVE);
        assertThat(config.route().readMode()).isEqualTo(ReadMode.RATIO);
        assertThat(config.route().ratioPercent()).isEqualTo(20);
        assertThat(config.route().epoch())
                .as("any control-topic state overrides flags")
                .isZero();
        assertThat(config.mirrorTimeout()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void withoutATargetTheProxyIsAPassthrough() {
        ProxyConfig config = load(Map.of("source", "redis://127.0.0.1:6379"));
        assertThat(config.target()).isNull();
        assertThat(config.route().usesTarget()).isFalse();
    }

    @Test
    void routesThatNeedATargetOrWouldLoseWritesAreRefused() {
        assertThatThrownBy(() -> load(Map.of("source", "redis://127.0.0.1:6379", "write-policy", "BOTH_REQUIRED")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("need a target");
        assertThatThrownBy(() -> load(Map.of(
                        "source", "redis://127.0.0.1:6379",
                        "target", "redis://127.0.0.1:6380",
                        "read-mode", "FALLBACK_ON_MISS")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("SOURCE_ONLY never writes to it");
        assertThatThrownBy(() -> load(Map.of(
                        "source", "redis://127.0.0.1:6379",
                        "target", "redis://127.0.0.1:6380",
                        "write-policy", "SOURCE_AUTHORITATIVE",
                        "ratio", "150")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("ratio");
    }
}
