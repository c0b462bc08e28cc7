package io.ferry.resp;

import io.ferry.resp.RespCorpus.Case;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static io.ferry.resp.RespTestChannel.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Every type survives encode then decode, and encodes to the exact bytes Redis would send. */
class RespRoundTripTest {

    static Stream<Arguments> cases() {
        return Stream.concat(
                RespCorpus.replies().stream().map(c -> Arguments.of(RespDecoder.Mode.REPLIES, c)),
                RespCorpus.requests().stream().map(c -> Arguments.of(RespDecoder.Mode.REQUESTS, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodedMessageDecodesToAnEqualMessage(RespDecoder.Mode mode, Case c) {
        RespMessage original = c.expected().get();
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            ByteBuf encoded = RespEncoder.encode(channel.alloc(), original);
            byte[] wire = ByteBufUtil.getBytes(encoded);
            encoded.release();

            List<RespMessage> decoded = channel.feed(wire).drain();
            try {
                assertThat(decoded).containsExactly(original);
            } finally {
                RespTestChannel.release(decoded);
            }
        } finally {
            ReferenceCountUtil.release(original);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodesToTheCanonicalWireForm(RespDecoder.Mode mode, Case c) {
        RespMessage original = c.expected().get();
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            ByteBuf encoded = RespEncoder.encode(channel.alloc(), original);
            String wire = encoded.toString(StandardCharsets.ISO_8859_1);
            encoded.release();
            assertThat(wire).isEqualTo(canonical(mode, c));
        } finally {
            ReferenceCountUtil.release(original);
        }
    }

    /**
     * What the encoder writes for a case: its own wire form, except where several forms mean the same
     * message (streamed forms become counted ones, attributes back to back become one, commands become
     * arrays of bulk strings).
     */
    private static String canonical(RespDecoder.Mode mode, Case c) {
        return switch (c.name()) {
            case "streamed string" -> "$11\r\nHello world\r\n";
            case "empty streamed string" -> "$0\r\n\r\n";
            case "streamed array" -> "*3\r\n:1\r\n:2\r\n:3\r\n";
            case "empty streamed array" -> "*0\r\n";
            case "streamed map" -> "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n";
            case "streamed set" -> "~1\r\n+a\r\n";
            case "nested streamed forms" -> "*3\r\n*1\r\n:1\r\n$1\r\nx\r\n*1\r\n~0\r\n";
            case "attribute inside a streamed array" -> "*1\r\n|1\r\n+a\r\n:1\r\n:2\r\n";
            case "attributes back to back" -> "|2\r\n+a\r\n:1\r\n+b\r\n:2\r\n+OK\r\n";
            case "inline", "empty commands are skipped" -> "*1\r\n$4\r\nPING\r\n";
            case "inline with bare LF" -> "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
            case "inline with quotes" -> "*3\r\n$3\r\nset\r\n$3\r\na b\r\n$3\r\nc\nd\r\n";
            default -> new String(bytes(c.wire()), StandardCharsets.ISO_8859_1);
        };
    }
}
