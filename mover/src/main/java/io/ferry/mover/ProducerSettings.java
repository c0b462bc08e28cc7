package io.ferry.mover;

import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.HashMap;
import java.util.Map;

/** The producer settings of every mover publisher: nothing it sends may be lost or written twice. */
final class ProducerSettings {
    private ProducerSettings() {}

    /** {@code kafka} plus {@code acks=all}, idempotence and {@code clientId}. */
    static Map<String, Object> durable(Map<String, Object> kafka, String clientId) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }
}
