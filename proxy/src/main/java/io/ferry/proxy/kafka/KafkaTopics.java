package io.ferry.proxy.kafka;

import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicBootstrapException;
import io.ferry.schemas.TopicRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * The topics a proxy publishes to: created when missing (replication factor 3, or the number of
 * brokers when fewer), so a proxy started against a new cluster works at once. A Kafka that does
 * not answer at start-up does not stop the proxy: it serves, and what it cannot publish is handled
 * as any outage is (the writes log keeps keys for repair).
 */
public final class KafkaTopics {
    private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private KafkaTopics() {}

    /** The registry for {@code prefix}, after creating missing topics if Kafka answers. */
    public static TopicRegistry ensure(Map<String, Object> kafka, String prefix) {
        TopicRegistry topics = TopicRegistry.builder().prefix(prefix).build();
        try (Admin admin = Admin.create(kafka)) {
            return TopicBootstrap.ensure(admin, prefix, TIMEOUT);
        } catch (TopicBootstrapException e) {
            log.error("Kafka topics {}.* are not as Ferry needs them: {}", prefix, e.getMessage());
        } catch (RuntimeException e) {
            log.error("Kafka did not answer at start-up ({}); serving, and publishing once it answers", e.toString());
        }
        return topics;
    }
}
