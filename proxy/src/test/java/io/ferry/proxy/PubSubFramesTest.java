package io.ferry.proxy;

import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.PushMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SimpleStringMessage;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PubSubFramesTest {
    private static long classify(RespMessage reply, boolean subscribed) {
        try {
            return PubSubFrames.classify(reply, subscribed);
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    private static BulkStringMessage bulk(String text) {
        return BulkStringMessage.of(text);
    }

    @Test
    void confirmationsCarryTheSubscriptionsLeft() {
        assertThat(classify(ArrayMessage.of(bulk("subscribe"), bulk("ch"), IntegerMessage.of(2)), false))
                .isEqualTo(2);
        assertThat(classify(ArrayMessage.of(bulk("UNSUBSCRIBE"), bulk("ch"), IntegerMessage.of(0)), true))
                .isZero();
        // UNSUBSCRIBE with no subscriptions: a null channel.
        assertThat(classify(ArrayMessage.of(bulk("punsubscribe"), NullMessage.RESP2_BULK, IntegerMessage.of(0)), false))
                .isZero();
        assertThat(classify(PushMessage.of(bulk("ssubscribe"), bulk("s"), IntegerMessage.of(1)), false))
                .isEqualTo(1);
    }

    @Test
    void messagesArePubSubOnlyWhileSubscribedInResp2() {
        assertThat(classify(ArrayMessage.of(bulk("message"), bulk("ch"), bulk("hi")), true))
                .isEqualTo(PubSubFrames.MESSAGE);
        assertThat(classify(ArrayMessage.of(bulk("pmessage"), bulk("c*"), bulk("ch"), bulk("hi")), true))
                .isEqualTo(PubSubFrames.MESSAGE);
        // An LRANGE that happens to look like a message, from a client not subscribed.
        assertThat(classify(ArrayMessage.of(bulk("message"), bulk("ch"), bulk("hi")), false))
                .isEqualTo(PubSubFrames.NONE);
    }

    @Test
    void everyPushIsAMessageAndEveryOtherReplyIsNot() {
        assertThat(classify(PushMessage.of(bulk("invalidate"), ArrayMessage.of(bulk("k"))), false))
                .isEqualTo(PubSubFrames.MESSAGE);
        assertThat(classify(ArrayMessage.of(bulk("pong"), bulk("")), true)).isEqualTo(PubSubFrames.NONE);
        assertThat(classify(SimpleStringMessage.OK, true)).isEqualTo(PubSubFrames.NONE);
        // Not the shape of a confirmation (the count is not an integer): a reply like any other.
        assertThat(classify(ArrayMessage.of(bulk("subscribe"), bulk("ch"), bulk("1")), true))
                .isEqualTo(PubSubFrames.NONE);
    }
}
