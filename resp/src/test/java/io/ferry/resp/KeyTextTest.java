package io.ferry.resp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class KeyTextTest {
    private static ByteBuffer key(byte... bytes) {
        return ByteBuffer.wrap(bytes);
    }

    @Test
    void printableAsciiIsKeptAsIs() {
        assertThat(KeyText.quoted(ByteBuffer.wrap("user:42 {a}~".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("\"user:42 {a}~\"");
    }

    @Test
    void otherBytesAreEscapedAsRedisCliDoes() {
        assertThat(KeyText.escaped(key((byte) 0, (byte) 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0x1b)))
                .isEqualTo("\\x00\\x7f\\x80\\xff\\x1b");
        assertThat(KeyText.escaped(key((byte) '\n', (byte) '\r', (byte) '\t', (byte) 7, (byte) '\b')))
                .isEqualTo("\\n\\r\\t\\a\\b");
        assertThat(KeyText.quoted(key((byte) '"', (byte) '\\'))).isEqualTo("\"\\\"\\\\\"");
        assertThat(KeyText.quoted(key())).isEqualTo("\"\"");
    }

    @Test
    void utf8IsEscapedByteByByte() {
        assertThat(KeyText.escaped(ByteBuffer.wrap("é".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("\\xc3\\xa9");
    }

    @Test
    void theBufferIsLeftAsItWas() {
        ByteBuffer buffer = key((byte) 'a', (byte) 'b');
        KeyText.escaped(buffer);
        assertThat(buffer.remaining()).isEqualTo(2);
    }
}
