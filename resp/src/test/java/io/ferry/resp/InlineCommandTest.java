package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inline commands split exactly as Redis's sdssplitargs splits them. */
class InlineCommandTest {

    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("PING", List.of("PING")),
                Arguments.of("set k v", List.of("set", "k", "v")),
                Arguments.of("  a   b  ", List.of("a", "b")),
                Arguments.of("a\tb", List.of("a", "b")),
                Arguments.of("\"hello world\"", List.of("hello world")),
                Arguments.of("'hello world'", List.of("hello world")),
                Arguments.of("\"a\\nb\\r\\t\\b\\a\\\"\\\\z\\q\"", List.of("a\nb\r\t\b\u0007\"\\zq")),
                Arguments.of("\"\\x41\\x4a\\x4G\"", List.of("AJx4G")),
                Arguments.of("\"\\xff\\x00\"", List.of("\u00ff\u0000")),
                Arguments.of("'it\\'s'", List.of("it's")),
                Arguments.of("'a\\nb'", List.of("a\\nb")),
                Arguments.of("\"\" ''", List.of("", "")),
                Arguments.of("foo\"bar baz\"", List.of("foobar baz")),
                Arguments.of("\"a\" b", List.of("a", "b")),
                Arguments.of("\"a\"\tb", List.of("a", "b")),
                Arguments.of("'a'\u000bb", List.of("a", "b")),
                // Vertical tab is a blank between arguments but not inside an unquoted one, as in Redis.
                Arguments.of("a\u000bb", List.of("a\u000bb")),
                Arguments.of("\u000ba", List.of("a")),
                Arguments.of("a\u0000b c", List.of("a")),
                Arguments.of("GET k\r", List.of("GET", "k")),
                Arguments.of("a\rb", List.of("a", "b")),
                Arguments.of("\u00ff\u00fe", List.of("\u00ff\u00fe")),
                Arguments.of("\"unterminated\\\" still\"", List.of("unterminated\" still")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("splits")
    void splitsLikeRedis(String line, List<String> expected) {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            List<RespMessage> decoded = channel.feed(line + "\r\n").drain();
            try {
                assertThat(decoded).hasSize(1);
                assertThat(args((CommandMessage) decoded.get(0))).isEqualTo(expected);
            } finally {
                RespTestChannel.release(decoded);
            }
        }
    }

    static Stream<String> blankLines() {
        return Stream.of("", "   ", "\t \u000b\f", "\u0000 ignored after NUL");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("blankLines")
    void skipsBlankLinesLikeRedis(String line) {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertThat(channel.feed(line + "\r\n").drain()).isEmpty();
            assertThat(channel.decoder().failed()).isFalse();
        }
    }

    static Stream<String> unbalanced() {
        return Stream.of("\"abc", "'abc", "\"a\"b", "'a'b", "\"abc\\", "x \"a\"\"b\"", "\"a\u0000\"");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("unbalanced")
    void rejectsUnbalancedQuotes(String line) {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertThatThrownBy(() -> channel.feed(line + "\r\n"))
                    .isInstanceOfSatisfying(RespProtocolException.class, e -> assertThat(e.redisMessage())
                            .isEqualTo("Protocol error: unbalanced quotes in request"));
        }
    }

    private static List<String> args(CommandMessage command) {
        List<String> args = new ArrayList<>();
        for (ByteBuf arg : command.args()) {
            args.add(arg.toString(StandardCharsets.ISO_8859_1));
        }
        return args;
    }
}
