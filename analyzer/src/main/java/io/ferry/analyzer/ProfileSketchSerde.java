package io.ferry.analyzer;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/**
 * Kafka serde of {@link ProfileSketch}, for the analyzer's stores, changelogs and repartition topic.
 * A value that is not a profile raises a {@link SerializationException}. Stateless and thread-safe.
 */
public final class ProfileSketchSerde
        implements Serde<ProfileSketch>, Serializer<ProfileSketch>, Deserializer<ProfileSketch> {
    public static final ProfileSketchSerde INSTANCE = new ProfileSketchSerde();

    @Override
    public byte[] serialize(String topic, ProfileSketch sketch) {
        return sketch == null ? null : sketch.toBytes();
    }

    @Override
    public ProfileSketch deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return ProfileSketch.fromBytes(bytes);
        } catch (IOException e) {
            throw new SerializationException("Not a traffic profile on " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}

    @Override
    public Serializer<ProfileSketch> serializer() {
        return this;
    }

    @Override
    public Deserializer<ProfileSketch> deserializer() {
        return this;
    }
}
