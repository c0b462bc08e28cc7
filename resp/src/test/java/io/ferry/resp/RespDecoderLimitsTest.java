package io.ferry.resp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every limit, broken, yields its own Redis-worded error, and a declared length never makes the
 * decoder allocate or reserve anything in proportion to it.
 */
class RespDecoderLimitsTest {

    /** Far below what allocating by any of the declared counts in these tests would take. */
    private static final long SMALL_ALLOCATION = 256 * 1024;

    private static void assertProtocolError(RespTestChannel channel, String wire, String redisMessage, String detail) {
        assertThatThrownBy(() -> channel.feed(wire)).isInstanceOfSatisfying(RespProtocolException.class, e -> {
            assertThat(e.redisMessage()).isEqualTo(redisMessage);
            assertThat(e.getMessage()).isEqualTo(redisMessage + "; " + detail);
        });
        assertThat(channel.decoder().failed()).isTrue();
    }

    @Test
    void rejectsHugeBulkLengthAtOnce() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            long allocated = RespTestChannel.allocatedBytesDuring(() -> assertProtocolError(
                    channel,
                    "$2147483647\r\n",
                    "Protocol error: invalid bulk length",
                    "length: 2147483647 (expected: <= 536870912)"));
            assertThat(allocated).isLessThan(SMALL_ALLOCATION);
            assertThat(channel.usedMemory()).isZero();
        }
    }

    @Test
    void rejectsHugeBulkLengthInACommand() {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertProtocolError(
                    channel,
                    "*1\r\n$536870913\r\n",
                    "Protocol error: invalid bulk length",
                    "length: 536870913 (expected: <= 536870912)");
        }
    }

    @Test
    void waitsForALargeBulkWithinTheLimitWithoutReservingForIt() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            RespTestChannel.allocatedBytesDuring(() -> channel.feed("$536870912\r\nabc")); // warm up the code path
            channel.feed("\r\n"); // not an error: still inside the payload
            long allocated = RespTestChannel.allocatedBytesDuring(() -> channel.feed("defg"));
            assertThat(channel.drain()).isEmpty();
            assertThat(allocated).isLessThan(SMALL_ALLOCATION);
            assertThat(channel.usedMemory())
                    .as("only the bytes received are held")
                    .isLessThan(1024);
        }
    }

    @Test
    void rejectsHugeMultibulkCount() {
        for (RespDecoder.Mode mode : RespDecoder.Mode.values()) {
            try (RespTestChannel channel = RespTestChannel.of(mode)) {
                long allocated = RespTestChannel.allocatedBytesDuring(() -> assertProtocolError(
                        channel,
                        "*999999999\r\n",
                        "Protocol error: invalid multibulk length",
                        "length: 999999999 (expected: <= 1048576)"));
                assertThat(allocated).isLessThan(SMALL_ALLOCATION);
            }
        }
    }

    @Test
    void doesNotSizeCollectionsByTheDeclaredCount() {
        String[] headers = {"*1048576\r\n", "%1048576\r\n", "~1048576\r\n", ">1048576\r\n", "|1048576\r\n"};
        for (String header : headers) {
            try (RespTestChannel channel = RespTestChannel.replies()) {
                RespTestChannel.replies().feed(header).close(); // warm up the code path
                long allocated = RespTestChannel.allocatedBytesDuring(() -> channel.feed(header + ":1\r\n"));
                assertThat(allocated).as(header).isLessThan(SMALL_ALLOCATION);
                assertThat(channel.drain()).isEmpty();
            }
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            RespTestChannel.requests().feed("*1048576\r\n").close();
            long allocated = RespTestChannel.allocatedBytesDuring(() -> channel.feed("*1048576\r\n$1\r\na\r\n"));
            assertThat(allocated).isLessThan(SMALL_ALLOCATION);
        }
    }

    @Test
    void nestedHugeCountsStayBoundedToo() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            String level = "*1048576\r\n";
            RespTestChannel.replies().feed(level.repeat(128)).close();
            long allocated = RespTestChannel.allocatedBytesDuring(() -> channel.feed(level.repeat(128)));
            assertThat(allocated).isLessThan(SMALL_ALLOCATION);
        }
    }

    @Test
    void rejectsAggregatesOfEveryKindOverTheLimit() {
        RespLimits limits = RespLimits.builder().maxAggregateLength(3).build();
        String[][] cases = {
            {"*4\r\n", "Protocol error: invalid multibulk length"},
            {"%4\r\n", "Protocol error: invalid map length"},
            {"~4\r\n", "Protocol error: invalid set length"},
            {">4\r\n", "Protocol error: invalid push length"},
            {"|4\r\n", "Protocol error: invalid attribute length"},
        };
        for (String[] c : cases) {
            try (RespTestChannel channel = RespTestChannel.replies(limits)) {
                assertProtocolError(channel, c[0], c[1], "length: 4 (expected: <= 3)");
            }
        }
        try (RespTestChannel channel = RespTestChannel.requests(limits)) {
            assertProtocolError(
                    channel, "*4\r\n", "Protocol error: invalid multibulk length", "length: 4 (expected: <= 3)");
        }
    }

    @Test
    void rejectsStreamedAggregatesGrowingOverTheLimit() {
        RespLimits limits = RespLimits.builder().maxAggregateLength(3).build();
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            assertProtocolError(
                    channel,
                    "*?\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
                    "Protocol error: invalid multibulk length",
                    "streamed elements: more than 3 (expected: <= 3)");
        }
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            channel.feed("%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n+c\r\n:3\r\n"); // three entries are fine
            assertProtocolError(
                    channel,
                    "+d\r\n",
                    "Protocol error: invalid map length",
                    "streamed elements: more than 3 (expected: <= 3)");
        }
    }

    @Test
    void acceptsAggregatesAtTheLimit() {
        RespLimits limits = RespLimits.builder().maxAggregateLength(2).build();
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            List<RespMessage> decoded = channel.feed("*2\r\n:1\r\n:2\r\n%?\r\n:1\r\n:1\r\n:2\r\n:2\r\n.\r\n")
                    .drain();
            assertThat(decoded).hasSize(2);
            RespTestChannel.release(decoded);
        }
    }

    @Test
    void rejectsNestingDeeperThanTheLimit() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            assertProtocolError(
                    channel, "*1\r\n".repeat(129), "Protocol error: too deep nesting", "depth: 129 (expected: <= 128)");
        }
        try (RespTestChannel channel = RespTestChannel.replies()) {
            List<RespMessage> decoded =
                    channel.feed("*1\r\n".repeat(128) + ":1\r\n").drain();
            assertThat(decoded).hasSize(1);
            RespTestChannel.release(decoded);
        }
        RespLimits shallow = RespLimits.builder().maxNestingDepth(2).build();
        try (RespTestChannel channel = RespTestChannel.replies(shallow)) {
            assertProtocolError(
                    channel, "*1\r\n|1\r\n*0\r\n", "Protocol error: too deep nesting", "depth: 3 (expected: <= 2)");
        }
    }

    @Test
    void rejectsTooBigInlineRequest() {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            channel.feed("a".repeat(65_537)); // could still end in CRLF: 65,536 bytes and a CR
            assertProtocolError(
                    channel,
                    "b",
                    "Protocol error: too big inline request",
                    "length: more than 65536 bytes (expected: <= 65536)");
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertProtocolError(
                    channel,
                    "a".repeat(65_537) + "\n",
                    "Protocol error: too big inline request",
                    "length: more than 65536 bytes (expected: <= 65536)");
        }
    }

    @Test
    void acceptsInlineRequestAtTheLimit() {
        for (String terminator : new String[] {"\r\n", "\n"}) {
            try (RespTestChannel channel = RespTestChannel.requests()) {
                List<RespMessage> decoded =
                        channel.feed("a".repeat(65_536) + terminator).drain();
                assertThat(((CommandMessage) decoded.get(0)).arg(0).readableBytes())
                        .isEqualTo(65_536);
                RespTestChannel.release(decoded);
            }
        }
    }

    @Test
    void rejectsTooLongHeaderLines() {
        String digits = "1".repeat(70_000);
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertProtocolError(
                    channel,
                    "*" + digits,
                    "Protocol error: too big mbulk count string",
                    "length: more than 65536 bytes (expected: <= 65536)");
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertProtocolError(
                    channel,
                    "*1\r\n$" + digits,
                    "Protocol error: too big bulk count string",
                    "length: more than 65536 bytes (expected: <= 65536)");
        }
        try (RespTestChannel channel = RespTestChannel.replies()) {
            assertProtocolError(
                    channel,
                    "+" + "x".repeat(70_000),
                    "Protocol error: too big line",
                    "length: more than 65536 bytes (expected: <= 65536)");
        }
    }

    @Test
    void scansASlowlyArrivingLineOnlyOnce() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            byte[] line = RespTestChannel.bytes("+" + "x".repeat(60_000) + "\r\n");
            long start = System.nanoTime();
            channel.feedBytewise(line);
            List<RespMessage> decoded = channel.drain();
            assertThat(decoded).hasSize(1);
            RespTestChannel.release(decoded);
            // Rescanning from the start on every byte would take 1.8 billion byte reads.
            assertThat(System.nanoTime() - start).isLessThan(20_000_000_000L);
        }
    }

    @Test
    void rejectsFramesOverTheFrameSizeBeforeTheirPayloadArrives() {
        RespLimits limits = RespLimits.builder().maxFrameSize(100).build();
        try (RespTestChannel channel = RespTestChannel.requests(limits)) {
            channel.feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n");
            assertProtocolError(channel, "$80\r\n", "Protocol error: too big frame", "size: 107 (expected: <= 100)");
        }
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            assertProtocolError(
                    channel,
                    "*?\r\n" + ":1234567890\r\n".repeat(8),
                    "Protocol error: too big frame",
                    "size: 108 (expected: <= 100)");
        }
        try (RespTestChannel channel = RespTestChannel.requests(limits)) {
            assertProtocolError(
                    channel, "x".repeat(99) + "\r\n", "Protocol error: too big frame", "size: 101 (expected: <= 100)");
        }
    }

    @Test
    void countsFrameSizePerFrame() {
        RespLimits limits = RespLimits.builder().maxFrameSize(30).build();
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            String frame = "*2\r\n$5\r\nhello\r\n:1\r\n"; // 22 bytes
            List<RespMessage> decoded = channel.feed(frame.repeat(10)).drain();
            assertThat(decoded).hasSize(10);
            RespTestChannel.release(decoded);
        }
        try (RespTestChannel channel = RespTestChannel.requests(limits)) {
            List<RespMessage> decoded = channel.feed("*0\r\n".repeat(20) + "PING PONG PING PONG\r\n".repeat(5))
                    .drain();
            assertThat(decoded).hasSize(5);
            RespTestChannel.release(decoded);
        }
    }

    @Test
    void rejectsStreamedStringsOverTheBulkLimit() {
        RespLimits limits = RespLimits.builder().maxBulkLength(10).build();
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            channel.feed("$?\r\n;6\r\nabcdef\r\n");
            assertProtocolError(
                    channel, ";5\r\n", "Protocol error: invalid bulk length", "length: 11 (expected: <= 10)");
        }
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            assertProtocolError(
                    channel,
                    "$?\r\n;11\r\n",
                    "Protocol error: invalid streamed string chunk length",
                    "length: 11 (expected: <= 10)");
        }
    }

    @Test
    void rejectsOtherPayloadsOverTheBulkLimit() {
        RespLimits limits = RespLimits.builder().maxBulkLength(10).build();
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            assertProtocolError(
                    channel, "!11\r\n", "Protocol error: invalid bulk error length", "length: 11 (expected: <= 10)");
        }
        try (RespTestChannel channel = RespTestChannel.replies(limits)) {
            assertProtocolError(
                    channel,
                    "=11\r\n",
                    "Protocol error: invalid verbatim string length",
                    "length: 11 (expected: <= 10)");
        }
    }

    @Test
    void rejectsInlineCommandsWithTooManyArguments() {
        RespLimits limits = RespLimits.builder().maxAggregateLength(3).build();
        try (RespTestChannel channel = RespTestChannel.requests(limits)) {
            List<RespMessage> decoded = channel.feed("a b c\r\n").drain();
            assertThat(decoded).hasSize(1);
            RespTestChannel.release(decoded);
            assertProtocolError(
                    channel,
                    "a b c d\r\n",
                    "Protocol error: invalid multibulk length",
                    "inline arguments: more than 3 (expected: <= 3)");
        }
    }
}
