package io.ferry.schemas;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What the Kafka record key of a {@link Topic} is, and so which key serde it uses.
 *
 * <p>Immutable and thread-safe.
 */
public enum KeyKind {
    /**
     * The raw bytes of a Redis key ({@code byte[]}, written as is). Keying by the Redis key puts every record about
     * one key in one partition, so consumers see them in the order they were produced.
     */
    REDIS_KEY(byte[].class),
    /** A text identifier ({@code String}, UTF-8): an entity id, a connection id, a run id. */
    STRING_ID(String.class);

    private final Class<?> javaType;

    KeyKind(Class<?> javaType) {
        this.javaType = javaType;
    }

    /** The Java type of the key: {@code byte[]} or {@code String}. */
    public Class<?> javaType() {
        return javaType;
    }

    /** A new key serde for this kind: Kafka's byte-array or string serde. */
    public Serde<?> serde() {
        return Serdes.serdeFrom(javaType);
    }
}
