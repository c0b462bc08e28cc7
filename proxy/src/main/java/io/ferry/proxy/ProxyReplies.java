package io.ferry.proxy;

import io.ferry.resp.ErrorMessage;

/** The replies the proxy writes itself, worded like Redis's own where Redis has one. */
final class ProxyReplies {
    static final String MAX_CLIENTS = "ERR max number of clients reached";
    static final String NOAUTH = "NOAUTH Authentication required.";
    static final String HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, "
            + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
            + "and select the RESP protocol version at the same time";
    static final String SOURCE_LOST = "ERR Ferry: the connection to the source was lost";
    static final String SHUTTING_DOWN = "ERR Ferry: this proxy is shutting down";
    static final String WRITES_LOG_FULL =
            "ERR Ferry: the writes log cannot keep up (Kafka slow or down, writes.overflow REJECT_WRITES); the write was not run";

    private ProxyReplies() {}

    static ErrorMessage error(String text) {
        return ErrorMessage.of(text);
    }

    static String sourceUnreachable(String source, String reason) {
        return "ERR Ferry: cannot reach the source " + source + ": " + reason;
    }
}
