package io.ferry.schemas;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicBootstrapTest {

    @Test
    void anUnreachableKafkaFailsWithinTheTimeout() {
        // Port 1 on loopback: nothing listens, so the admin client never gets an answer.
        Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:1",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                100));
        try {
            TopicBootstrap bootstrap = new TopicBootstrap(admin, TopicRegistry.defaults(), Duration.ofMillis(500));

            assertThatThrownBy(bootstrap::run)
                    .isInstanceOf(TopicBootstrapException.class)
                    .hasMessageContaining("Cannot list topics: no answer from Kafka within PT0.5S");
        } finally {
            // A plain close would wait for the abandoned request to time out (a minute by default).
            admin.close(Duration.ZERO);
        }
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> new TopicBootstrap(null, TopicRegistry.defaults(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout: PT0S");
    }
}
