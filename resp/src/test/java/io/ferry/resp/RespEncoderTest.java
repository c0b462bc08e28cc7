package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RespEncoderTest {

    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

    @AfterEach
    void nothingLeftAllocated() {
        assertThat(alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory())
                .isZero();
    }

    private String encode(RespMessage message) {
        ByteBuf encoded = RespEncoder.encode(alloc, message);
        try {
            return encoded.toString(StandardCharsets.ISO_8859_1);
        } finally {
            encoded.release();
        }
    }

    @Test
    void writesIntegersAtTheEdgesOfLong() {
        for (long value : new long[] {
            0,
            9,
            10,
            -1,
            -9,
            -10,
            99,
            100,
            1023,
            1024,
            Long.MAX_VALUE,
            Long.MIN_VALUE,
            Long.MIN_VALUE + 1,
            1_000_000_000_000_000_000L,
            999_999_999_999_999_999L
        }) {
            assertThat(encode(IntegerMessage.of(value))).isEqualTo(":" + value + "\r\n");
        }
    }

    @Test
    void writesEachNullInItsOwnWireForm() {
        assertThat(encode(NullMessage.RESP2_BULK)).isEqualTo("$-1\r\n");
        assertThat(encode(NullMessage.RESP2_ARRAY)).isEqualTo("*-1\r\n");
        assertThat(encode(NullMessage.RESP3)).isEqualTo("_\r\n");
    }

    @Test
    void writesCommandsAsArraysOfBulkStrings() {
        CommandMessage command = CommandMessage.of("SET", "key", "");
        try {
            assertThat(encode(command)).isEqualTo("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
        } finally {
            command.release();
        }
    }

    @Test
    void writesDoublesFromJavaValues() {
        assertThat(encode(DoubleMessage.of(1.5))).isEqualTo(",1.5\r\n");
        assertThat(encode(DoubleMessage.of(Double.POSITIVE_INFINITY))).isEqualTo(",inf\r\n");
        assertThat(encode(DoubleMessage.of(Double.NEGATIVE_INFINITY))).isEqualTo(",-inf\r\n");
        assertThat(encode(DoubleMessage.of(Double.NaN))).isEqualTo(",nan\r\n");
        assertThat(encode(DoubleMessage.of(1e300))).isEqualTo(",1.0E300\r\n");
    }

    @Test
    void addsLargePayloadsWithoutCopyingThem() {
        ByteBuf payload = alloc.buffer(RespFrameWriter.COPY_THRESHOLD);
        byte[] bytes = new byte[RespFrameWriter.COPY_THRESHOLD];
        Arrays.fill(bytes, (byte) 'x');
        payload.writeBytes(bytes);
        ArrayMessage reply = ArrayMessage.of(new BulkStringMessage(payload), IntegerMessage.ONE);

        ByteBuf encoded = RespEncoder.encode(alloc, reply);
        try {
            assertThat(encoded).isInstanceOf(CompositeByteBuf.class);
            assertThat(payload.refCnt())
                    .as("the payload is shared with the output, not copied")
                    .isEqualTo(2);
            assertThat(encoded.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo("*2\r\n$1024\r\n" + "x".repeat(1024) + "\r\n:1\r\n");
        } finally {
            encoded.release();
        }
        assertThat(payload.refCnt()).isEqualTo(1);
        reply.release();
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void copiesSmallPayloadsIntoOneBuffer() {
        ByteBuf payload = alloc.buffer(16).writeBytes("small".getBytes(StandardCharsets.US_ASCII));
        BulkStringMessage message = new BulkStringMessage(payload);
        ByteBuf encoded = RespEncoder.encode(alloc, message);
        try {
            assertThat(encoded).isNotInstanceOf(CompositeByteBuf.class);
            assertThat(payload.refCnt()).isEqualTo(1);
            assertThat(encoded.toString(StandardCharsets.US_ASCII)).isEqualTo("$5\r\nsmall\r\n");
        } finally {
            encoded.release();
            message.release();
        }
    }

    @Test
    void encodesTheSameMessageTwiceWithoutChangingIt() {
        ByteBuf payload = alloc.buffer(2048).writeZero(2048);
        BulkStringMessage message = new BulkStringMessage(payload);
        ByteBuf first = RespEncoder.encode(alloc, message);
        ByteBuf second = RespEncoder.encode(alloc, message);
        try {
            assertThat(first).isEqualTo(second);
            assertThat(payload.readableBytes()).isEqualTo(2048);
        } finally {
            first.release();
            second.release();
            message.release();
        }
    }

    @Test
    void pipelineEncoderReleasesWhatItWrites() {
        EmbeddedChannel channel = new EmbeddedChannel(RespEncoder.INSTANCE);
        channel.config().setAllocator(alloc);
        ByteBuf payload = alloc.buffer(4096).writeZero(4096);
        BulkStringMessage big = new BulkStringMessage(payload);
        CommandMessage command = CommandMessage.of(alloc.buffer(3).writeBytes(new byte[] {'G', 'E', 'T'}));

        assertThat(channel.writeOutbound(big, command, SimpleStringMessage.OK, SimpleStringMessage.OK))
                .isTrue();

        assertThat(command.refCnt()).isZero();
        assertThat(big.refCnt())
                .as("the payload lives on in the encoded composite only")
                .isEqualTo(1);
        List<String> written =
                List.of(readOutbound(channel), readOutbound(channel), readOutbound(channel), readOutbound(channel));
        assertThat(big.refCnt()).isZero();
        assertThat(written.get(0)).startsWith("$4096\r\n").endsWith("\r\n").hasSize(4096 + 9);
        assertThat(written.subList(1, 4)).containsExactly("*1\r\n$3\r\nGET\r\n", "+OK\r\n", "+OK\r\n");
        assertThat(SimpleStringMessage.OK.refCnt())
                .as("shared replies survive being written")
                .isEqualTo(1);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void encodeIntoAppendsTheSameBytesAsEncode() {
        List<RespMessage> messages = List.of(
                SimpleStringMessage.OK,
                IntegerMessage.of(-7),
                NullMessage.RESP3,
                BulkStringMessage.of("value"),
                ArrayMessage.of(BulkStringMessage.of("a"), IntegerMessage.of(1)),
                CommandMessage.of("SET", "k", "v"));
        ByteBuf into = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        StringBuilder expected = new StringBuilder();
        try {
            for (RespMessage message : messages) {
                RespEncoder.encodeInto(into, message);
                expected.append(encode(message));
            }
            assertThat(into.toString(StandardCharsets.ISO_8859_1)).isEqualTo(expected.toString());
        } finally {
            into.release();
            ((CommandMessage) messages.get(5)).release();
        }
    }

    @Test
    void isSmallCountsPayloadsUpToTheLimit() {
        byte[] kilobyte = new byte[1024];
        assertThat(RespEncoder.isSmall(SimpleStringMessage.OK, 1024)).isTrue();
        assertThat(RespEncoder.isSmall(BulkStringMessage.of(kilobyte), 1024)).isFalse();
        assertThat(RespEncoder.isSmall(BulkStringMessage.of(new byte[100]), 1024))
                .isTrue();
        List<RespMessage> many = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(BulkStringMessage.of(new byte[64]));
        }
        assertThat(RespEncoder.isSmall(ArrayMessage.of(many), 1024))
                .as("20 x 64 bytes")
                .isFalse();
        assertThat(RespEncoder.isSmall(ArrayMessage.of(many.subList(0, 5)), 1024))
                .isTrue();
        CommandMessage big = CommandMessage.of("SET", "k", new String(new char[2000]).replace('\0', 'x'));
        try {
            assertThat(RespEncoder.isSmall(big, 1024)).isFalse();
        } finally {
            big.release();
        }
    }

    private static String readOutbound(EmbeddedChannel channel) {
        ByteBuf buf = channel.readOutbound();
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    @Test
    void encodesDeeplyNestedAggregatesWithinTheLimit() {
        RespMessage message = IntegerMessage.ONE;
        for (int i = 0; i < RespLimits.DEFAULT_MAX_NESTING_DEPTH; i++) {
            message = ArrayMessage.of(message);
        }
        String wire = encode(message);
        assertThat(wire).startsWith("*1\r\n*1\r\n").endsWith("*1\r\n:1\r\n").hasSize(128 * 4 + 4);
        ((ArrayMessage) message).release();
    }
}
