package io.ferry.resp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Input that is not RESP yields a protocol error, releases whatever part of the frame was decoded, and
 * stops the decoder for good.
 */
class RespDecoderMalformedTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = "=>", quoteCharacter = '`', textBlock = """
            @\\r\\n                                => Protocol error: invalid type byte '@'
            *2\\r\\n:1\\r\\n@x\\r\\n               => Protocol error: invalid type byte '@'
            *1\\r\\n%1\\r\\n$1\\r\\na\\r\\nX\\r\\n => Protocol error: invalid type byte 'X'
            *1\\r\\n\\x00                          => Protocol error: invalid type byte '\\x00'
            ;1\\r\\na\\r\\n                        => Protocol error: invalid type byte ';'
            $abc\\r\\n                             => Protocol error: invalid bulk length
            $1x\\r\\n                              => Protocol error: invalid bulk length
            $ 1\\r\\n                              => Protocol error: invalid bulk length
            $+1\\r\\n                              => Protocol error: invalid bulk length
            $01\\r\\n                              => Protocol error: invalid bulk length
            $-0\\r\\n                              => Protocol error: invalid bulk length
            $\\r\\n                                => Protocol error: invalid bulk length
            $-2\\r\\n                              => Protocol error: invalid bulk length
            $99999999999999999999\\r\\n            => Protocol error: invalid bulk length
            *-2\\r\\n                              => Protocol error: invalid multibulk length
            *1.0\\r\\n                             => Protocol error: invalid multibulk length
            %-1\\r\\n                              => Protocol error: invalid map length
            ~-1\\r\\n                              => Protocol error: invalid set length
            >-1\\r\\n                              => Protocol error: invalid push length
            |-1\\r\\n                              => Protocol error: invalid attribute length
            !-1\\r\\n                              => Protocol error: invalid bulk error length
            =-1\\r\\n                              => Protocol error: invalid verbatim string length
            >?\\r\\n                               => Protocol error: invalid push length
            |?\\r\\n                               => Protocol error: invalid attribute length
            !?\\r\\n                               => Protocol error: invalid bulk error length
            $3\\r\\nabcX\\r\\n                     => Protocol error: expected CRLF after bulk payload
            $3\\r\\nabc\\n\\n                      => Protocol error: expected CRLF after bulk payload
            *1\\r\\n$0\\r\\nxx                     => Protocol error: expected CRLF after bulk payload
            +OK\\n                                 => Protocol error: expected CRLF line terminator
            \\n                                    => Protocol error: invalid type byte '\\n'
            :1\\n                                  => Protocol error: expected CRLF line terminator
            *1\\n                                  => Protocol error: expected CRLF line terminator
            +a\\rb\\r\\n                           => Protocol error: CR inside simple string
            -a\\rb\\r\\n                           => Protocol error: CR inside error
            :abc\\r\\n                             => Protocol error: invalid integer
            :\\r\\n                                => Protocol error: invalid integer
            :-\\r\\n                               => Protocol error: invalid integer
            :1.5\\r\\n                             => Protocol error: invalid integer
            :99999999999999999999\\r\\n            => Protocol error: invalid integer
            ,abc\\r\\n                             => Protocol error: invalid double
            ,1.\\r\\n                              => Protocol error: invalid double
            ,.5\\r\\n                              => Protocol error: invalid double
            ,1e\\r\\n                              => Protocol error: invalid double
            ,\\r\\n                                => Protocol error: invalid double
            (1.5\\r\\n                             => Protocol error: invalid big number
            (\\r\\n                                => Protocol error: invalid big number
            #x\\r\\n                               => Protocol error: invalid boolean
            #tt\\r\\n                              => Protocol error: invalid boolean
            #\\r\\n                                => Protocol error: invalid boolean
            _x\\r\\n                               => Protocol error: invalid null
            =3\\r\\ntxt\\r\\n                      => Protocol error: invalid verbatim string length
            =5\\r\\ntxtxa\\r\\n                    => Protocol error: invalid verbatim string
            =5\\r\\nt:t:a\\r\\n                    => Protocol error: invalid verbatim string
            .\\r\\n                                => Protocol error: unexpected '.'
            *1\\r\\n.\\r\\n                        => Protocol error: unexpected '.'
            *?\\r\\n.x\\r\\n                       => Protocol error: unexpected '.'
            %?\\r\\n+a\\r\\n.\\r\\n                => Protocol error: invalid map length
            *?\\r\\n|1\\r\\n+a\\r\\n+b\\r\\n.\\r\\n => Protocol error: attribute without a value
            $?\\r\\n+a\\r\\n                       => Protocol error: expected ';', got '+'
            $?\\r\\n;-1\\r\\n                      => Protocol error: invalid streamed string chunk length
            $?\\r\\n;1\\r\\nab\\r\\n               => Protocol error: expected CRLF after bulk payload
            """)
    void rejectsMalformedReplies(String wire, String redisMessage) {
        assertRejected(RespTestChannel.replies(), unescape(wire), redisMessage);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = "=>", quoteCharacter = '`', textBlock = """
            *1\\r\\n:1\\r\\n                       => Protocol error: expected '$', got ':'
            *2\\r\\n$3\\r\\nGET\\r\\n*1\\r\\n      => Protocol error: expected '$', got '*'
            *1\\r\\n$-1\\r\\n                      => Protocol error: invalid bulk length
            *1\\r\\n$x\\r\\n                       => Protocol error: invalid bulk length
            *-2\\r\\n                              => Protocol error: invalid multibulk length
            *x\\r\\n                               => Protocol error: invalid multibulk length
            *\\r\\n                                => Protocol error: invalid multibulk length
            *1\\r\\n$3\\r\\nGETX\\r\\n             => Protocol error: expected CRLF after bulk payload
            *1\\r\\n$3\\n                          => Protocol error: expected CRLF line terminator
            SET "a\\r\\n                           => Protocol error: unbalanced quotes in request
            SET "a"b\\r\\n                         => Protocol error: unbalanced quotes in request
            SET 'a\\r\\n                           => Protocol error: unbalanced quotes in request
            SET 'a'b\\r\\n                         => Protocol error: unbalanced quotes in request
            """)
    void rejectsMalformedRequests(String wire, String redisMessage) {
        assertRejected(RespTestChannel.requests(), unescape(wire), redisMessage);
    }

    private static void assertRejected(RespTestChannel channel, String wire, String redisMessage) {
        try (channel) {
            assertThatThrownBy(() -> channel.feed(wire))
                    .isInstanceOfSatisfying(RespProtocolException.class, e -> assertThat(e.redisMessage())
                            .isEqualTo(redisMessage));
            assertThat(channel.drain()).isEmpty();
            assertThat(channel.decoder().failed()).isTrue();
        }
    }

    @Test
    void deliversTheFramesBeforeAnErrorThenStopsForGood() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            assertThatThrownBy(() -> channel.feed("+OK\r\n:1\r\n@bad\r\n+OK\r\n"))
                    .isInstanceOf(RespProtocolException.class);
            List<RespMessage> before = channel.drain();
            assertThat(before).containsExactly(SimpleStringMessage.OK, IntegerMessage.ONE);

            channel.feed("+OK\r\n$5\r\nhello\r\n");
            assertThat(channel.drain())
                    .as("nothing is decoded after a protocol error")
                    .isEmpty();
            assertThat(channel.decoder().failed()).isTrue();
        }
    }

    @Test
    void releasesPartlyDecodedFramesOnError() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            channel.feed("*3\r\n$5\r\nhello\r\n%2\r\n$1\r\nk\r\n|1\r\n+a\r\n$1\r\nb\r\n$?\r\n;3\r\nabc\r\n");
            assertThatThrownBy(() -> channel.feed("@")).isInstanceOf(RespProtocolException.class);
        } // close() asserts nothing is left allocated
        try (RespTestChannel channel = RespTestChannel.requests()) {
            channel.feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n");
            assertThatThrownBy(() -> channel.feed(":")).isInstanceOf(RespProtocolException.class);
        }
    }

    @Test
    void releasesPartlyDecodedFramesWhenTheChannelCloses() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            channel.feed("*2\r\n$5\r\nhello\r\n*?\r\n|1\r\n+a\r\n:1\r\n$?\r\n;2\r\nab\r\n");
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            channel.feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval");
        }
    }

    @Test
    void releasesPartlyDecodedFramesWhenRemoved() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            channel.feed("*2\r\n$5\r\nhello\r\n%1\r\n+k\r\n$3\r\nab");
            channel.removeDecoder();
            // Netty passes the undecoded bytes on as a raw buffer; close() releases it and checks the rest.
        }
    }

    @Test
    void exceptionMessageCarriesDetail() {
        try (RespTestChannel channel = RespTestChannel.replies()) {
            assertThatThrownBy(() -> channel.feed("$-5\r\n"))
                    .hasMessage("Protocol error: invalid bulk length; length: -5 (expected: -1 or >= 0)");
        }
        try (RespTestChannel channel = RespTestChannel.requests()) {
            assertThatThrownBy(() -> channel.feed("*1\r\n$abc\r\n"))
                    .hasMessage("Protocol error: invalid bulk length; length: \"abc\"");
        }
    }

    /** Test rows write bytes with the escapes \r \n \\ and \xHH. */
    private static String unescape(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char next = text.charAt(++i);
            switch (next) {
                case 'r' -> sb.append('\r');
                case 'n' -> sb.append('\n');
                case 'x' -> {
                    sb.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> sb.append(next);
            }
        }
        return sb.toString();
    }
}
