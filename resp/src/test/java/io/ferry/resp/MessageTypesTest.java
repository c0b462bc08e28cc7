package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageTypesTest {

    @Test
    void singleLineTypesRejectLineBreaksThatWouldForgeFrames() {
        assertThatThrownBy(() -> SimpleStringMessage.of("OK\r\n+FORGED")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ErrorMessage.of("ERR\nx")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimpleStringMessage.of("a\rb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerbatimStringMessage("t\nt", Unpooled.EMPTY_BUFFER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerbatimStringMessage("txtx", Unpooled.EMPTY_BUFFER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerbatimStringMessage("a:b", Unpooled.EMPTY_BUFFER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharedRepliesCannotBeReleased() {
        assertThat(SimpleStringMessage.OK.release()).isFalse();
        assertThat(SimpleStringMessage.OK.refCnt()).isEqualTo(1);
        assertThat(SimpleStringMessage.PONG.text()).isEqualTo("PONG");
        assertThat(SimpleStringMessage.QUEUED.content().isReadOnly()).isTrue();
        assertThat(IntegerMessage.of(1)).isSameAs(IntegerMessage.ONE).isSameAs(IntegerMessage.of(1));
        assertThat(IntegerMessage.of(-1)).isSameAs(IntegerMessage.MINUS_ONE);
        assertThat(IntegerMessage.of(1023)).isSameAs(IntegerMessage.of(1023));
        assertThat(IntegerMessage.of(1024)).isEqualTo(IntegerMessage.of(1024));
    }

    @Test
    void decoderReturnsSharedReplies() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            var decoded = channel.feed("+OK\r\n+PONG\r\n+QUEUED\r\n:0\r\n").drain();
            assertThat(decoded.get(0)).isSameAs(SimpleStringMessage.OK);
            assertThat(decoded.get(1)).isSameAs(SimpleStringMessage.PONG);
            assertThat(decoded.get(2)).isSameAs(SimpleStringMessage.QUEUED);
            assertThat(decoded.get(3)).isSameAs(IntegerMessage.ZERO);
            RespTestChannel.release(decoded);
        }
    }

    @Test
    void aggregatesReleaseTheirElements() {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        ByteBuf a = alloc.buffer(1).writeByte('a');
        ByteBuf b = alloc.buffer(1).writeByte('b');
        ByteBuf c = alloc.buffer(1).writeByte('c');
        AttributeMessage message = new AttributeMessage(
                MapMessage.of(new SimpleStringMessage(a), IntegerMessage.ONE),
                ArrayMessage.of(new BulkStringMessage(b), SetMessage.of(new BulkErrorMessage(c))));
        assertThat(message.release()).isTrue();
        assertThat(a.refCnt() + b.refCnt() + c.refCnt()).isZero();
    }

    @Test
    void mapsExposeEntries() {
        MapMessage map = MapMessage.of(SimpleStringMessage.of("k"), IntegerMessage.ONE);
        assertThat(map.entryCount()).isEqualTo(1);
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.key(0)).isEqualTo(SimpleStringMessage.of("k"));
        assertThat(map.value(0)).isEqualTo(IntegerMessage.ONE);
        assertThatThrownBy(() -> MapMessage.of(IntegerMessage.ONE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aggregatesOfDifferentKindsAreNotEqual() {
        assertThat(ArrayMessage.of(IntegerMessage.ONE)).isNotEqualTo(SetMessage.of(IntegerMessage.ONE));
        assertThat(ArrayMessage.of(IntegerMessage.ONE)).isEqualTo(ArrayMessage.of(IntegerMessage.ONE));
        assertThat(ArrayMessage.of(IntegerMessage.ONE).hashCode())
                .isEqualTo(ArrayMessage.of(IntegerMessage.ONE).hashCode());
        assertThat(BulkStringMessage.of("x")).isNotEqualTo(SimpleStringMessage.of("x"));
        assertThat(new VerbatimStringMessage("txt", Unpooled.EMPTY_BUFFER))
                .isNotEqualTo(new VerbatimStringMessage("mkd", Unpooled.EMPTY_BUFFER));
    }

    @Test
    void doublesKeepTheirTextAndParse() {
        assertThat(new DoubleMessage("1e+300").value()).isEqualTo(1e300);
        assertThat(new DoubleMessage("-inf").value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(new DoubleMessage("INF").value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(new DoubleMessage("nan").value()).isNaN();
        assertThat(DoubleMessage.of(-0.5).text()).isEqualTo("-0.5");
        assertThatThrownBy(() -> new DoubleMessage("0x1p3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DoubleMessage("Infinity")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DoubleMessage("1d")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bigNumbersKeepTheirTextAndParse() {
        BigInteger big = BigInteger.TWO.pow(200).negate();
        assertThat(BigNumberMessage.of(big).value()).isEqualTo(big);
        assertThatThrownBy(() -> new BigNumberMessage("12a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BigNumberMessage("-")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void errorsExposeTheirCode() {
        ErrorMessage moved = ErrorMessage.of("MOVED 3999 127.0.0.1:6381");
        assertThat(moved.hasCode("moved".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(moved.hasCode("MOVE".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(ErrorMessage.of("READONLY").hasCode("READONLY".getBytes(StandardCharsets.US_ASCII)))
                .isTrue();
        assertThat(moved.text()).isEqualTo("MOVED 3999 127.0.0.1:6381");
    }

    @Test
    void typesNameTheirWirePrefix() {
        assertThat(RespType.fromPrefix((byte) '%')).isEqualTo(RespType.MAP);
        assertThat(RespType.fromPrefix((byte) '@')).isNull();
        assertThat(RespType.fromPrefix((byte) 0xff)).isNull();
        assertThat(NullMessage.RESP2_BULK.type()).isEqualTo(RespType.NULL);
        assertThat(new String(NullMessage.RESP2_ARRAY.wireBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("*-1\r\n");
        assertThat(BooleanMessage.of(true).value()).isTrue();
        assertThat(AttributeMessage.unwrap(IntegerMessage.ONE)).isSameAs(IntegerMessage.ONE);
        assertThat(AttributeMessage.unwrap(new AttributeMessage(MapMessage.of(), IntegerMessage.ZERO)))
                .isSameAs(IntegerMessage.ZERO);
    }

    @Test
    void rendersBoundedPrintableText() {
        assertThat(BulkStringMessage.of("a\r\n\u0001").toString()).isEqualTo("BulkStringMessage[\"a\\r\\n\\x01\"]");
        assertThat(BulkStringMessage.of("x".repeat(1000)).toString()).endsWith("...(1000 bytes)]");
        ArrayMessage big = ArrayMessage.of(java.util.Collections.nCopies(100, IntegerMessage.ONE));
        assertThat(big.toString()).endsWith("...(100 elements)]");
        BulkStringMessage released = BulkStringMessage.of("x");
        released.release();
        assertThat(released.toString()).contains("<released>");
    }
}
