package io.ferry.resp;

import io.ferry.resp.RespCorpus.Case;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.ferry.resp.RespTestChannel.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Every frame decodes the same however the bytes are cut into buffers, alone or pipelined. */
class RespDecoderFragmentationTest {

    static Stream<Arguments> cases() {
        return Stream.concat(
                RespCorpus.replies().stream().map(c -> Arguments.of(RespDecoder.Mode.REPLIES, c)),
                RespCorpus.requests().stream().map(c -> Arguments.of(RespDecoder.Mode.REQUESTS, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodesWholeFrame(RespDecoder.Mode mode, Case c) {
        assertDecodes(mode, c, channel -> channel.feed(bytes(c.wire())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodesFrameSplitAtEveryOffset(RespDecoder.Mode mode, Case c) {
        byte[] wire = bytes(c.wire());
        for (int cut = 1; cut < wire.length; cut++) {
            int at = cut;
            assertDecodes(mode, c, channel -> {
                channel.feed(wire, 0, at);
                assertThat(channel.drain())
                        .as("nothing before the frame is complete, cut at %d", at)
                        .isEmpty();
                channel.feed(wire, at, wire.length);
            });
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodesFrameFedOneByteAtATime(RespDecoder.Mode mode, Case c) {
        assertDecodes(mode, c, channel -> channel.feedBytewise(bytes(c.wire())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodesFrameSplitAtEveryPairOfOffsets(RespDecoder.Mode mode, Case c) {
        byte[] wire = bytes(c.wire());
        for (int first = 1; first < wire.length; first++) {
            for (int second = first + 1; second < wire.length; second++) {
                int a = first;
                int b = second;
                assertDecodes(mode, c, channel -> channel.feedSplit(wire, a, b));
            }
        }
    }

    @Test
    void decodesPipelinedRepliesInOneBuffer() {
        assertPipelined(RespDecoder.Mode.REPLIES, RespCorpus.replies(), (channel, wire) -> channel.feed(wire));
    }

    @Test
    void decodesPipelinedRepliesOneByteAtATime() {
        assertPipelined(RespDecoder.Mode.REPLIES, RespCorpus.replies(), RespTestChannel::feedBytewise);
    }

    @Test
    void decodesPipelinedRepliesCutAtRandom() {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            assertPipelined(RespDecoder.Mode.REPLIES, RespCorpus.replies(), (channel, wire) -> {
                int[] cuts = random.ints(1 + random.nextInt(40), 1, wire.length)
                        .sorted()
                        .toArray();
                channel.feedSplit(wire, cuts);
            });
        }
    }

    @Test
    void decodesPipelinedRequestsInOneBufferAndBytewise() {
        assertPipelined(RespDecoder.Mode.REQUESTS, RespCorpus.requests(), (channel, wire) -> channel.feed(wire));
        assertPipelined(RespDecoder.Mode.REQUESTS, RespCorpus.requests(), RespTestChannel::feedBytewise);
    }

    @Test
    void decodesManySmallCommandsInOneBuffer() {
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            wire.append("*2\r\n$3\r\nGET\r\n$")
                    .append(Integer.toString(i).length())
                    .append("\r\n")
                    .append(i)
                    .append("\r\n");
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            List<RespMessage> decoded = channel.feed(wire.toString()).drain();
            try {
                assertThat(decoded).hasSize(10_000);
                CommandMessage last = (CommandMessage) decoded.get(9_999);
                assertThat(last.arg(1).toString(java.nio.charset.StandardCharsets.US_ASCII))
                        .isEqualTo("9999");
            } finally {
                RespTestChannel.release(decoded);
            }
        }
    }

    private interface Feeding {
        void feed(RespTestChannel channel);
    }

    private interface WireFeeding {
        void feed(RespTestChannel channel, byte[] wire);
    }

    private static void assertDecodes(RespDecoder.Mode mode, Case c, Feeding feeding) {
        RespMessage expected = c.expected().get();
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            feeding.feed(channel);
            List<RespMessage> decoded = channel.drain();
            try {
                assertThat(decoded).as(c.name()).containsExactly(expected);
            } finally {
                RespTestChannel.release(decoded);
            }
        } finally {
            io.netty.util.ReferenceCountUtil.release(expected);
        }
    }

    private static void assertPipelined(RespDecoder.Mode mode, List<Case> cases, WireFeeding feeding) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<RespMessage> expected = new ArrayList<>();
        for (Case c : cases) {
            wire.writeBytes(bytes(c.wire()));
            expected.add(c.expected().get());
        }
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            feeding.feed(channel, wire.toByteArray());
            List<RespMessage> decoded = channel.drain();
            try {
                assertThat(decoded).containsExactlyElementsOf(expected);
            } finally {
                RespTestChannel.release(decoded);
            }
        } finally {
            RespTestChannel.release(expected);
        }
    }
}
