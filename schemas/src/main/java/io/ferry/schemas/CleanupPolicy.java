package io.ferry.schemas;

import org.apache.kafka.common.config.TopicConfig;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How Kafka discards a topic's old records: by age ({@link #DELETE}) or by keeping only the latest record per key
 * ({@link #COMPACT}).
 *
 * <p>Immutable and thread-safe.
 */
public enum CleanupPolicy {
    /** Records older than the topic's retention are deleted. */
    DELETE(TopicConfig.CLEANUP_POLICY_DELETE),
    /** Only the latest record of each key is kept, for as long as the topic exists; a null value deletes the key. */
    COMPACT(TopicConfig.CLEANUP_POLICY_COMPACT);

    private final String configValue;

    CleanupPolicy(String configValue) {
        this.configValue = configValue;
    }

    /** The value of the topic's {@code cleanup.policy} config. */
    public String configValue() {
        return configValue;
    }

    /**
     * Whether a topic whose {@code cleanup.policy} is {@code actual} (a comma-separated list, as Kafka reports it)
     * treats records the way this policy needs. "compact,delete" satisfies neither: it would lose compacted state to
     * retention, and lose keyed history to compaction.
     */
    public boolean isSatisfiedBy(String actual) {
        Set<String> policies = new TreeSet<>();
        Arrays.stream(actual.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .forEach(policies::add);
        return policies.equals(Set.of(configValue));
    }
}
