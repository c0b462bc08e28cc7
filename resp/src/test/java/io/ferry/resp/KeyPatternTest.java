package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class KeyPatternTest {
    /** Whether {@code pattern} matches {@code key}, after checking every form of the key agrees. */
    private static boolean matches(KeyPattern pattern, byte[] key) {
        boolean fromArray = pattern.matches(key);
        ByteBuf direct = Unpooled.directBuffer(key.length).writeBytes(key);
        ByteBuf framed = Unpooled.buffer()
                .writeBytes(new byte[] {'x', '*'})
                .writeBytes(key)
                .writeByte('y');
        try {
            framed.readerIndex(2).writerIndex(2 + key.length);
            assertThat(pattern.matches(direct))
                    .as("%s on a direct buffer", pattern)
                    .isEqualTo(fromArray);
            assertThat(pattern.matches(framed))
                    .as("%s on a framed buffer", pattern)
                    .isEqualTo(fromArray);
            assertThat(framed.readerIndex()).isEqualTo(2);
            assertThat(framed.writerIndex()).isEqualTo(2 + key.length);
        } finally {
            direct.release();
            framed.release();
        }
        return fromArray;
    }

    private static boolean matches(String pattern, String key) {
        return matches(KeyPattern.compile(pattern), key.getBytes(StandardCharsets.UTF_8));
    }

    /*
     * Expectations checked by hand against redis-server 7.0 with KEYS (SET the key, then KEYS the
     * pattern). '~' stands for an empty key; CSV quotes keep spaces and commas.
     */
    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "*| anything| true",
                // KEYS * lists an empty key only because the command skips matching for "*".
                "*| ~| false",
                "**| ~| false",
                "user:*| user:42| true",
                "user:*| user:| true",
                "user:*| user| false",
                "user:*| xuser:1| false",
                "user:42| user:42| true",
                "user:42| user:420| false",
                "user:42| User:42| false",
                "h?llo| hello| true",
                "h?llo| hllo| false",
                "h?llo| heello| false",
                "h*llo| hllo| true",
                "h*llo| heeeello| true",
                "h*llo| hello world| false",
                "h[ae]llo| hello| true",
                "h[ae]llo| hallo| true",
                "h[ae]llo| hillo| false",
                "h[^e]llo| hallo| true",
                "h[^e]llo| hello| false",
                "h[a-b]llo| hbllo| true",
                "h[a-b]llo| hcllo| false",
                "h[b-a]llo| hallo| true",
                "[a-c-e]| d| false",
                "[a-c-e]| -| true",
                "[a-c-e]| e| true",
                // A '-' before the closing ']' ranges up to ']', and the set is never closed.
                "[a-]| ]| true",
                "[a-]| -| false",
                // "[]" is an empty set, so "[]a]" matches nothing.
                "[]a]| a| false",
                "[]a]| ]| false",
                "[]| x| false",
                "[| [| false",
                "[^| x| true",
                "[abc| b| true",
                "[abc| bc| false",
                "a[| a| false",
                "[\\]]| ]| true",
                "[\\-]| -| true",
                "[\\| \\| true",
                "\\*| *| true",
                "\\*| x| false",
                "\\?| ?| true",
                "\\[a]| [a]| true",
                // A backslash at the end of the pattern is itself.
                "a\\| a\\| true",
                "a\\\\*| a\\b| true",
                "a\\b| ab| true",
                "a*b*c| abc| true",
                "a*b*c| axxbyyc| true",
                "a*b*c| axxbyyc!| false",
                "a*b*c*| abc| true",
                "*:*| user:1| true",
                "*:*| user1| false",
                "?| ~| false",
                "?*| a| true",
                "*?| a| true",
                "*?| ~| false",
                "[*]| *| true",
                "[?]| x| false",
                "a?*c| abc| true",
                "a?*c| ac| false",
                "{user}*| {user}:1| true",
                "*[0-9]| user:7| true",
                "*[0-9]| user:x| false",
                "[^a-z]*| Abc| true",
                "[^a-z]*| abc| false",
                "été:*| été:1| true",
                // '?' is one byte, and 'é' two in UTF-8.
                "?té| été| false",
                "??té| été| true",
            })
    void matchesAsRedisDoes(String pattern, String key, boolean expected) {
        assertThat(matches(pattern, key.equals("~") ? "" : key)).isEqualTo(expected);
    }

    /**
     * Differential cases recorded from redis-server 7.0.15: random patterns and keys over bytes that
     * matter to the matcher ({@code * ? [ ] ^ - \}, 0x80, 0xff), each row the pattern and key in hex
     * and whether KEYS listed the key. Patterns of stars only are left out (see above).
     */
    @Test
    void agreesWithRedisOnRecordedRandomCases() throws IOException {
        int rows = 0;
        try (InputStream in = Objects.requireNonNull(
                        getClass().getResourceAsStream("redis-7.0-stringmatch.tsv"), "recorded cases");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] row = line.split("\t", -1);
                byte[] pattern = ByteBufUtil.decodeHexDump(row[0]);
                byte[] key = ByteBufUtil.decodeHexDump(row[1]);
                boolean expected = row[2].equals("1");
                assertThat(matches(KeyPattern.compile(pattern), key))
                        .as("pattern %s, key %s", row[0], row[1])
                        .isEqualTo(expected);
                rows++;
            }
        }
        assertThat(rows).isGreaterThan(1_000);
    }

    @Test
    void rangesCompareSignedBytesAsRedisOnX86() {
        // [a-é]: 'é' is 0xc3 0xa9, so the range is 'a' to 0xc3, signed: -61 .. 97, holding '0'.
        assertThat(matches("[a-é]", "0")).isTrue();
        assertThat(matches("[a-é]", "z")).isFalse();
    }

    @Test
    void nestedStarsStayFast() {
        String pattern = "*a".repeat(500) + "b";
        String key = "a".repeat(10_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(matches(pattern, key)).isFalse();
            assertThat(matches("*a".repeat(500), key)).isTrue();
            assertThat(matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(100_000)))
                    .isFalse();
        });
    }

    @Test
    void literalsAndPrefixesAreCompiledToComparisons() {
        assertThat(KeyPattern.compile("user:42").kind()).isEqualTo(KeyPattern.Kind.LITERAL);
        assertThat(KeyPattern.compile("user:42:*").kind()).isEqualTo(KeyPattern.Kind.PREFIX);
        assertThat(KeyPattern.compile("user:42:**").literal()).isEqualTo(bytes("user:42:"));
        assertThat(KeyPattern.compile("a\\*b*").literal()).isEqualTo(bytes("a*b"));
        assertThat(KeyPattern.compile("a\\").literal()).isEqualTo(bytes("a\\"));
        assertThat(KeyPattern.compile("*").literal()).isEmpty();
        assertThat(KeyPattern.compile("user:*:name").kind()).isEqualTo(KeyPattern.Kind.GLOB);
        assertThat(KeyPattern.compile("user:?").kind()).isEqualTo(KeyPattern.Kind.GLOB);
        assertThat(KeyPattern.compile("user:[12]").kind()).isEqualTo(KeyPattern.Kind.GLOB);
    }

    @Test
    void badPatternsAreRefusedByName() {
        assertThatThrownBy(() -> KeyPattern.compile(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key pattern must not be empty");
        assertThatThrownBy(() -> KeyPattern.compile("k".repeat(1025)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("key pattern length: 1025 bytes (expected: <= 1024): \"kkk");
        // 512 two-byte characters: 1,024 bytes, the most accepted.
        assertThat(KeyPattern.compile("é".repeat(512)).pattern()).hasSize(512);
        assertThatThrownBy(() -> KeyPattern.compile("é".repeat(513)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("key pattern length: 1026 bytes");
        assertThatThrownBy(() -> KeyPattern.compile("user:\ud800*"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key pattern is not valid text (an unpaired surrogate): \"user:\ud800*\"");
        assertThatThrownBy(() -> KeyPattern.compile((String) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void patternsAreValuesNamedByTheirText() {
        assertThat(KeyPattern.compile("user:*"))
                .isEqualTo(KeyPattern.compile("user:*"))
                .hasSameHashCodeAs(KeyPattern.compile("user:*"))
                .hasToString("user:*");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
