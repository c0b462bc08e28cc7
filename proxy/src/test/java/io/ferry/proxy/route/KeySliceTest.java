package io.ferry.proxy.route;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeySliceTest {
    private static final int[] CANARY_WALK = {0, 5, 20, 40, 80, 100};

    /** The bucket of {@code key}, after checking that every form of the key gives the same one. */
    private static int bucketOf(byte[] key) {
        int fromArray = KeySlice.bucket(key);
        ByteBuf heap = Unpooled.wrappedBuffer(key);
        ByteBuf direct = Unpooled.directBuffer(key.length).writeBytes(key);
        // A slice in the middle of a larger heap buffer: non-zero reader index and array offset.
        ByteBuf framed = Unpooled.buffer(key.length + 8)
                .writeBytes(new byte[] {'{', 'x', '}', 0})
                .writeBytes(key)
                .writeBytes(new byte[] {'{', 'y', '}', 0});
        try {
            ByteBuf slice = framed.slice(4, key.length);
            assertThat(KeySlice.bucket(heap)).as("heap buffer").isEqualTo(fromArray);
            assertThat(KeySlice.bucket(direct)).as("direct buffer").isEqualTo(fromArray);
            assertThat(KeySlice.bucket(slice)).as("slice").isEqualTo(fromArray);
            framed.readerIndex(4).writerIndex(4 + key.length);
            assertThat(KeySlice.bucket(framed)).as("framed buffer").isEqualTo(fromArray);
            assertThat(framed.readerIndex()).as("reader index untouched").isEqualTo(4);
            assertThat(direct.readerIndex()).as("reader index untouched").isZero();
        } finally {
            heap.release();
            direct.release();
            framed.release();
        }
        return fromArray;
    }

    private static int bucketOf(String key) {
        return bucketOf(key.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean inRatio(String key, int ratioPercent) {
        ByteBuf buf = Unpooled.copiedBuffer(key, StandardCharsets.UTF_8);
        try {
            return KeySlice.inRatio(buf, ratioPercent);
        } finally {
            buf.release();
        }
    }

    /*
     * Golden values: these must never change, since every proxy, tool and version must put a key in
     * the same bucket. Recompute one with Python: zlib.crc32(b"user:1") % 10000; for a key with a
     * hash tag, hash the tag only: zlib.crc32(b"user1000") % 10000.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "user:1, 802",
        "user:42, 9558",
        "orders:2024:17, 3319",
        // CRC 2356372769, above 2^31: the CRC is taken as unsigned.
        "foo, 2769",
        "user1000, 4294",
        "{user1000}.following, 4294",
        "a{}b, 1748",
        "{, 8937"
    })
    void bucketsAreTheCrc32OfTheKeyModuloTenThousand(String key, int expected) {
        assertThat(bucketOf(key)).isEqualTo(expected);
    }

    @Test
    void bucketsOfBinaryKeysAreGoldenToo() {
        // zlib.crc32(b"\xff\x00binary") % 10000
        assertThat(bucketOf(new byte[] {(byte) 0xff, 0, 'b', 'i', 'n', 'a', 'r', 'y'}))
                .isEqualTo(7593);
    }

    @Test
    void bucketsAgreeWithJavaUtilZipCrc32() {
        Random random = new Random(42);
        for (int n = 0; n < 2_000; n++) {
            byte[] key = new byte[random.nextInt(64)];
            random.nextBytes(key);
            // Braces would select a hash tag; the plain function is what is compared here.
            for (int i = 0; i < key.length; i++) {
                if (key[i] == '{') {
                    key[i] = 'x';
                }
            }
            CRC32 crc = new CRC32();
            crc.update(key);
            assertThat(bucketOf(key))
                    .as("bucket of %d random bytes", key.length)
                    .isEqualTo((int) (crc.getValue() % KeySlice.BUCKETS));
        }
    }

    @Test
    void keysWithTheSameHashTagShareABucket() {
        int tag = bucketOf("user1000");
        assertThat(bucketOf("{user1000}.following")).isEqualTo(tag);
        assertThat(bucketOf("{user1000}.followers")).isEqualTo(tag);
        assertThat(bucketOf("profile:{user1000}")).isEqualTo(tag);
        // Only the first '{' and the first '}' after it count, as in Redis Cluster.
        assertThat(bucketOf("x{user1000}{other}")).isEqualTo(tag);
        assertThat(bucketOf("x{user1000}}")).isEqualTo(tag);
        assertThat(bucketOf("{{user1000}")).isEqualTo(bucketOf("{user1000"));
    }

    @Test
    void keysWithoutAUsableTagHashWhole() {
        CRC32 crc = new CRC32();
        for (String key : new String[] {"", "{}", "a{}b", "{}{user1000}", "{", "user{1000", "}{", "a}b{"}) {
            crc.reset();
            crc.update(key.getBytes(StandardCharsets.UTF_8));
            assertThat(bucketOf(key)).as("bucket of \"%s\"", key).isEqualTo((int) (crc.getValue() % 10_000));
        }
        assertThat(bucketOf("")).isZero();
        // "{}{user1000}": the first tag is empty, so the whole key is hashed, not "user1000".
        assertThat(bucketOf("{}{user1000}")).isNotEqualTo(bucketOf("user1000"));
    }

    @Test
    void ratiosZeroAndHundredAreNeverAndAlways() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(inRatio("key:" + i, 0)).isFalse();
            assertThat(inRatio("key:" + i, 100)).isTrue();
        }
        assertThat(inRatio("", 0)).isFalse();
        assertThat(inRatio("", 100)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 101, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void ratiosOutsideZeroToHundredAreRefused(int ratio) {
        assertThatThrownBy(() -> inRatio("k", ratio))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ratioPercent: " + ratio + " (expected: 0 .. 100)");
    }

    @Test
    void aCanaryWalkOnlyMovesKeysToTheTarget() {
        for (int i = 0; i < 20_000; i++) {
            String key = "session:" + i;
            for (int step = 1; step < CANARY_WALK.length; step++) {
                if (inRatio(key, CANARY_WALK[step - 1])) {
                    assertThat(inRatio(key, CANARY_WALK[step]))
                            .as("%s, in the slice at %d%%, at %d%%", key, CANARY_WALK[step - 1], CANARY_WALK[step])
                            .isTrue();
                }
            }
            for (int ratio = 0; ratio < 100; ratio++) {
                if (inRatio(key, ratio)) {
                    assertThat(inRatio(key, ratio + 1))
                            .as("%s at %d%% then %d%%", key, ratio, ratio + 1)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aRatioTakesItsShareOfKeys() {
        int inSlice = 0;
        for (int i = 0; i < 100_000; i++) {
            if (inRatio("user:" + i + ":profile", 20)) {
                inSlice++;
            }
        }
        assertThat(inSlice / 1_000.0).as("percent of keys in the 20%% slice").isBetween(19.0, 21.0);
    }
}
