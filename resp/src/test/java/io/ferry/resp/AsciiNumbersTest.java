package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AsciiNumbersTest {

    private static ByteBuf ascii(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static long parseLength(String text) {
        ByteBuf buf = ascii(text);
        return AsciiNumbers.parseLength(buf, 0, buf.readableBytes());
    }

    private static long parseInteger(String text) {
        ByteBuf buf = ascii(text);
        return AsciiNumbers.parseInteger(buf, 0, buf.readableBytes());
    }

    @Test
    void parsesCanonicalLengths() {
        assertThat(parseLength("0")).isZero();
        assertThat(parseLength("-1")).isEqualTo(-1);
        assertThat(parseLength("536870912")).isEqualTo(536870912);
        assertThat(parseLength("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(parseLength("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "-", "+1", "01", "-0", "00", " 1", "1 ", "1a", "9223372036854775808", "99999999999999999999"
            })
    void rejectsNonCanonicalLengths(String text) {
        assertThatThrownBy(() -> parseLength(text)).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void parsesIntegersWithSignsAndLeadingZeros() {
        assertThat(parseInteger("+5")).isEqualTo(5);
        assertThat(parseInteger("-005")).isEqualTo(-5);
        assertThat(parseInteger("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThatThrownBy(() -> parseInteger("9223372036854775808")).isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> parseInteger("+")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void writesLongsAsLongToStringDoes() {
        Random random = new Random(7);
        ByteBuf buf = Unpooled.buffer();
        for (int i = 0; i < 10_000; i++) {
            long value =
                    switch (i % 3) {
                        case 0 -> random.nextLong();
                        case 1 -> random.nextInt();
                        default -> random.nextInt(2000) - 1000;
                    };
            buf.clear();
            AsciiNumbers.writeLong(buf, value);
            assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo(Long.toString(value));
        }
    }

    @Test
    void recognisesResp3Doubles() {
        for (String valid :
                new String[] {"1", "-1", "+1.5", "1.5e10", "1E-5", "inf", "-inf", "nan", "0.10000000000000001"}) {
            assertThat(AsciiNumbers.isDouble(valid)).as(valid).isTrue();
        }
        for (String invalid : new String[] {"", "-", ".5", "1.", "1e", "1e+", "Infinity", "1,5", "1.5.5", " 1"}) {
            assertThat(AsciiNumbers.isDouble(invalid)).as(invalid).isFalse();
        }
    }
}
