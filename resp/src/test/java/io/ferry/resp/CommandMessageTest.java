package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandMessageTest {

    private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NX = "NX".getBytes(StandardCharsets.US_ASCII);

    @Test
    void readsArgumentsInPlace() {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            List<RespMessage> decoded =
                    channel.feed("*3\r\n$3\r\ngEt\r\n$3\r\nkey\r\n$2\r\nnx\r\n").drain();
            CommandMessage command = (CommandMessage) decoded.get(0);
            try {
                assertThat(command.argCount()).isEqualTo(3);
                assertThat(command.nameEquals(GET)).isTrue();
                assertThat(command.nameEquals(NX)).isFalse();
                assertThat(command.argEqualsIgnoreCase(2, NX)).isTrue();
                ByteBuf key = command.arg(1);
                assertThat(key.toString(StandardCharsets.US_ASCII)).isEqualTo("key");
                assertThat(command.args()).hasSize(3);
            } finally {
                command.release();
            }
        }
    }

    @Test
    void comparesOnlyLettersCaseInsensitively() {
        CommandMessage command = CommandMessage.of("[x", "get", "GET1");
        try {
            assertThat(command.argEqualsIgnoreCase(0, "{X".getBytes(StandardCharsets.US_ASCII)))
                    .as("'[' and '{' differ by the case bit but are not letters")
                    .isFalse();
            assertThat(command.argEqualsIgnoreCase(0, "[X".getBytes(StandardCharsets.US_ASCII)))
                    .isTrue();
            assertThat(command.argEqualsIgnoreCase(1, GET)).isTrue();
            assertThat(command.argEqualsIgnoreCase(2, GET)).isFalse();
            assertThat(command.argEqualsIgnoreCase(1, "GEt\u00e9".getBytes(StandardCharsets.ISO_8859_1)))
                    .isFalse();
        } finally {
            command.release();
        }
    }

    @Test
    void releasesItsArguments() {
        try (RespTestChannel channel = RespTestChannel.requests()) {
            CommandMessage command = (CommandMessage)
                    channel.feed("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").drain().get(0);
            ByteBuf arg = command.arg(0);
            assertThat(arg.refCnt()).isPositive();
            assertThat(command.release()).isTrue();
            assertThat(arg.refCnt()).isZero();
        }
    }

    @Test
    void needsAName() {
        assertThatThrownBy(() -> CommandMessage.of(new String[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rendersBoundedText() {
        String[] args = new String[100];
        java.util.Arrays.fill(args, "a");
        CommandMessage command = CommandMessage.of(args);
        try {
            assertThat(command.toString()).endsWith(", ...(100 args)]").hasSizeLessThan(200);
        } finally {
            command.release();
        }
    }
}
