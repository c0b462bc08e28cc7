package io.ferry.settings;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisUriTest {
    @Test
    void parsesEveryPart() {
        RedisUri uri = RedisUri.parse("rediss://app:s%40cret@cache.example.com:6380/3");

        assertThat(uri.tls()).isTrue();
        assertThat(uri.host()).isEqualTo("cache.example.com");
        assertThat(uri.port()).isEqualTo(6380);
        assertThat(uri.db()).isEqualTo(3);
        assertThat(uri.username()).contains("app");
        assertThat(uri.password()).contains("s@cret");
        assertThat(uri).hasToString("rediss://app:[hidden]@cache.example.com:6380/3");
    }

    @Test
    void defaultsAndBarePassword() {
        RedisUri uri = RedisUri.parse("redis://pw@localhost");

        assertThat(uri.port()).isEqualTo(6379);
        assertThat(uri.db()).isZero();
        assertThat(uri.username()).isEmpty();
        assertThat(uri.password()).contains("pw");
        assertThat(RedisUri.parse("redis://[::1]:7000").host()).isEqualTo("::1");
        assertThat(RedisUri.parse("redis://[::1]:7000")).hasToString("redis://[::1]:7000");
        assertThat(RedisUri.parse("redis://h:1").password()).isEqualTo(Optional.empty());
    }

    @Test
    void badUrisSayWhatIsWrongWithoutThePassword() {
        assertThatThrownBy(() -> RedisUri.parse("redis://u:topsecret@h:1/x"))
                .hasMessageContaining("database 'x'")
                .message()
                .doesNotContain("topsecret");
        assertThatThrownBy(() -> RedisUri.parse("redis://u:topsecret@:1"))
                .message()
                .doesNotContain("topsecret");
        assertThatThrownBy(() -> RedisUri.parse("redis://h:70000")).hasMessageContaining("port");
        assertThatThrownBy(() -> RedisUri.parse("h:6379")).hasMessageContaining("redis://");
    }

    @Test
    void maskCoversEveryUriInText() {
        assertThat(Secrets.mask("a redis://u:p1@h:1 and rediss://p2@h:2 and http://x/y"))
                .isEqualTo("a redis://u:[hidden]@h:1 and rediss://[hidden]@h:2 and http://x/y");
    }

    @Test
    void hostPort() {
        assertThat(HostPort.parse("0.0.0.0:6380")).isEqualTo(new HostPort("0.0.0.0", 6380));
        assertThat(HostPort.parse("[::1]:1")).hasToString("[::1]:1");
        assertThatThrownBy(() -> HostPort.parse("::1:1")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> HostPort.parse("h:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> HostPort.parse("h")).hasMessageContaining("host:port");
    }
}
