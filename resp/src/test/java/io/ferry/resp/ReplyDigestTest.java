package io.ferry.resp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ReplyDigestTest {
    @Test
    void aDigestIsTheFirstSixteenBytesOfTheSha256OfTheEncoding() throws Exception {
        assertThat(ReplyDigest.sized(SimpleStringMessage.OK, false).digest()).isEqualTo(sha("+OK\r\n"));
        assertThat(ReplyDigest.sized(SimpleStringMessage.OK, false).size()).isEqualTo(5);
    }

    @Test
    void aRepeatedSmallReplyAndTheOneAfterItDigestAsTheyWouldAlone() throws Exception {
        RespMessage[] replies = {
            SimpleStringMessage.OK,
            SimpleStringMessage.OK,
            IntegerMessage.ONE,
            IntegerMessage.of(11),
            IntegerMessage.ONE,
            SimpleStringMessage.OK
        };
        String[] encodings = {"+OK\r\n", "+OK\r\n", ":1\r\n", ":11\r\n", ":1\r\n", "+OK\r\n"};
        for (int i = 0; i < replies.length; i++) {
            assertThat(ReplyDigest.sized(replies[i], false).digest())
                    .as("reply %d, %s", i, encodings[i].strip())
                    .isEqualTo(sha(encodings[i]));
        }
    }

    @Test
    void changingAReturnedDigestDoesNotChangeTheNextOne() throws Exception {
        byte[] first = ReplyDigest.sized(SimpleStringMessage.OK, false).digest();
        Arrays.fill(first, (byte) 0);

        assertThat(ReplyDigest.sized(SimpleStringMessage.OK, false).digest()).isEqualTo(sha("+OK\r\n"));
    }

    private static byte[] sha(String encoding) throws Exception {
        byte[] full = MessageDigest.getInstance("SHA-256").digest(encoding.getBytes(StandardCharsets.US_ASCII));
        return Arrays.copyOf(full, ReplyDigest.LENGTH);
    }
}
