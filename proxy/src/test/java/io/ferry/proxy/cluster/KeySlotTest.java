package io.ferry.proxy.cluster;

import io.lettuce.core.cluster.SlotHash;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class KeySlotTest {
    @Test
    void agreesWithLettuceOnRandomKeysAndHashTags() {
        Random random = new Random(42);
        String[] shapes = {"", "{", "}", "{}", "{a}", "x{", "}{", "{tag}"};
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(24)];
            random.nextBytes(key);
            if (i % 3 == 0) {
                String shaped = shapes[random.nextInt(shapes.length)] + i + shapes[random.nextInt(shapes.length)];
                key = shaped.getBytes(StandardCharsets.UTF_8);
            }
            assertThat(KeySlot.of(key)).as("slot of key %d", i).isEqualTo(SlotHash.getSlot(key));
        }
    }

    @Test
    void knownSlotsAndHashTags() {
        // From the Redis Cluster specification and CLUSTER KEYSLOT.
        assertThat(KeySlot.of("foo".getBytes())).isEqualTo(12182);
        assertThat(KeySlot.of("123456789".getBytes())).isEqualTo(0x31C3 & 16383);
        assertThat(KeySlot.of("{user1000}.following".getBytes()))
                .isEqualTo(KeySlot.of("{user1000}.followers".getBytes()))
                .isEqualTo(KeySlot.of("user1000".getBytes()));
        // An empty tag is no tag: the whole key is hashed.
        assertThat(KeySlot.of("foo{}{bar}".getBytes())).isEqualTo(SlotHash.getSlot("foo{}{bar}"));
        assertThat(KeySlot.of("foo{{bar}}zap".getBytes())).isEqualTo(KeySlot.of("{bar".getBytes()));
    }

    @Test
    void readsTheReadableBytesInPlace() {
        ByteBuf key = Unpooled.copiedBuffer("xx{user1000}.following", StandardCharsets.UTF_8);
        key.readerIndex(2);
        assertThat(KeySlot.of(key)).isEqualTo(KeySlot.of("user1000".getBytes()));
        assertThat(key.readerIndex()).isEqualTo(2);
        key.release();
    }
}
