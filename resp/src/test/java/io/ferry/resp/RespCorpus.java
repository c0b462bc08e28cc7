package io.ferry.resp;

import io.netty.buffer.Unpooled;

import java.math.BigInteger;
import java.util.List;
import java.util.function.Supplier;

/** Valid frames of every type with the message each must decode to, shared by the decoder tests. */
final class RespCorpus {

    /** A frame on the wire (one char per byte) and a factory for the message it stands for. */
    record Case(String name, String wire, Supplier<RespMessage> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private RespCorpus() {}

    static BulkStringMessage bulk(String text) {
        return BulkStringMessage.of(RespTestChannel.bytes(text));
    }

    static SimpleStringMessage simple(String text) {
        return SimpleStringMessage.of(text);
    }

    static IntegerMessage integer(long value) {
        return IntegerMessage.of(value);
    }

    /** Replies: every RESP2 and RESP3 type, nested, streamed and annotated forms. */
    static List<Case> replies() {
        return List.of(
                new Case("simple string OK (shared)", "+OK\r\n", () -> SimpleStringMessage.OK),
                new Case("simple string", "+hello world\r\n", () -> simple("hello world")),
                new Case("empty simple string", "+\r\n", () -> simple("")),
                new Case("error", "-ERR unknown command 'foo'\r\n", () -> ErrorMessage.of("ERR unknown command 'foo'")),
                new Case("integer 0", ":0\r\n", () -> integer(0)),
                new Case("integer -1", ":-1\r\n", () -> integer(-1)),
                new Case("integer max", ":9223372036854775807\r\n", () -> integer(Long.MAX_VALUE)),
                new Case("integer min", ":-9223372036854775808\r\n", () -> integer(Long.MIN_VALUE)),
                new Case("integer large", ":1234567890123\r\n", () -> integer(1234567890123L)),
                new Case("bulk string", "$5\r\nhello\r\n", () -> bulk("hello")),
                new Case("empty bulk string", "$0\r\n\r\n", () -> bulk("")),
                new Case("binary bulk string", "$6\r\n\r\n\u0000\u00ff$*\r\n", () -> bulk("\r\n\u0000\u00ff$*")),
                new Case("RESP2 null bulk", "$-1\r\n", () -> NullMessage.RESP2_BULK),
                new Case("RESP2 null array", "*-1\r\n", () -> NullMessage.RESP2_ARRAY),
                new Case("empty array", "*0\r\n", ArrayMessage::of),
                new Case(
                        "array of bulk strings",
                        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
                        () -> ArrayMessage.of(bulk("GET"), bulk("k"))),
                new Case(
                        "nested aggregates",
                        "*3\r\n*1\r\n:1\r\n%1\r\n+a\r\n_\r\n*0\r\n",
                        () -> ArrayMessage.of(
                                ArrayMessage.of(integer(1)),
                                MapMessage.of(simple("a"), NullMessage.RESP3),
                                ArrayMessage.of())),
                new Case("RESP3 null", "_\r\n", () -> NullMessage.RESP3),
                new Case("true", "#t\r\n", () -> BooleanMessage.TRUE),
                new Case("false", "#f\r\n", () -> BooleanMessage.FALSE),
                new Case("double", ",3.14\r\n", () -> new DoubleMessage("3.14")),
                new Case("double exponent", ",-1.5E-10\r\n", () -> new DoubleMessage("-1.5E-10")),
                new Case("double as Redis prints it", ",1e+300\r\n", () -> new DoubleMessage("1e+300")),
                new Case("double inf", ",inf\r\n", () -> new DoubleMessage("inf")),
                new Case("double -inf", ",-inf\r\n", () -> new DoubleMessage("-inf")),
                new Case("double nan", ",nan\r\n", () -> new DoubleMessage("nan")),
                new Case(
                        "big number",
                        "(3492890328409238509324850943850943825024385\r\n",
                        () -> BigNumberMessage.of(new BigInteger("3492890328409238509324850943850943825024385"))),
                new Case("negative big number", "(-1\r\n", () -> new BigNumberMessage("-1")),
                new Case(
                        "bulk error",
                        "!21\r\nSYNTAX invalid syntax\r\n",
                        () -> BulkErrorMessage.of("SYNTAX invalid syntax")),
                new Case(
                        "verbatim string",
                        "=15\r\ntxt:Some string\r\n",
                        () -> VerbatimStringMessage.text("Some string")),
                new Case(
                        "empty verbatim markdown",
                        "=4\r\nmkd:\r\n",
                        () -> new VerbatimStringMessage("mkd", Unpooled.EMPTY_BUFFER)),
                new Case(
                        "verbatim other format",
                        "=5\r\nabc:x\r\n",
                        () -> new VerbatimStringMessage("abc", Unpooled.wrappedBuffer(new byte[] {'x'}))),
                new Case(
                        "map",
                        "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
                        () -> MapMessage.of(simple("first"), integer(1), simple("second"), integer(2))),
                new Case("empty map", "%0\r\n", MapMessage::of),
                new Case(
                        "set with duplicates",
                        "~3\r\n+a\r\n+b\r\n+a\r\n",
                        () -> SetMessage.of(simple("a"), simple("b"), simple("a"))),
                new Case(
                        "push",
                        ">3\r\n+message\r\n+chan\r\n$5\r\nhello\r\n",
                        () -> PushMessage.of(simple("message"), simple("chan"), bulk("hello"))),
                new Case(
                        "attribute before a reply",
                        "|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n",
                        () -> new AttributeMessage(
                                MapMessage.of(
                                        simple("key-popularity"),
                                        ArrayMessage.of(bulk("a"), new DoubleMessage("0.1923"))),
                                ArrayMessage.of(integer(2039123), integer(9543892)))),
                new Case(
                        "attribute inside an array",
                        "*2\r\n|1\r\n+ttl\r\n:100\r\n$1\r\nv\r\n:7\r\n",
                        () -> ArrayMessage.of(
                                new AttributeMessage(MapMessage.of(simple("ttl"), integer(100)), bulk("v")),
                                integer(7))),
                new Case(
                        "attributes back to back",
                        "|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+OK\r\n",
                        () -> new AttributeMessage(
                                MapMessage.of(simple("a"), integer(1), simple("b"), integer(2)),
                                SimpleStringMessage.OK)),
                new Case("empty attribute", "|0\r\n:5\r\n", () -> new AttributeMessage(MapMessage.of(), integer(5))),
                new Case(
                        "attribute on a map value",
                        "%1\r\n+k\r\n|1\r\n+meta\r\n#t\r\n+v\r\n",
                        () -> MapMessage.of(
                                simple("k"),
                                new AttributeMessage(MapMessage.of(simple("meta"), BooleanMessage.TRUE), simple("v")))),
                new Case(
                        "streamed string",
                        "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;2\r\nld\r\n;0\r\n",
                        () -> bulk("Hello world")),
                new Case("empty streamed string", "$?\r\n;0\r\n", () -> bulk("")),
                new Case(
                        "streamed array",
                        "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n",
                        () -> ArrayMessage.of(integer(1), integer(2), integer(3))),
                new Case("empty streamed array", "*?\r\n.\r\n", ArrayMessage::of),
                new Case(
                        "streamed map",
                        "%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n",
                        () -> MapMessage.of(simple("a"), integer(1), simple("b"), integer(2))),
                new Case("streamed set", "~?\r\n+a\r\n.\r\n", () -> SetMessage.of(simple("a"))),
                new Case(
                        "nested streamed forms",
                        "*?\r\n*?\r\n:1\r\n.\r\n$?\r\n;1\r\nx\r\n;0\r\n*1\r\n~?\r\n.\r\n.\r\n",
                        () -> ArrayMessage.of(
                                ArrayMessage.of(integer(1)), bulk("x"), ArrayMessage.of(SetMessage.of()))),
                new Case(
                        "attribute inside a streamed array",
                        "*?\r\n|1\r\n+a\r\n:1\r\n:2\r\n.\r\n",
                        () -> ArrayMessage.of(
                                new AttributeMessage(MapMessage.of(simple("a"), integer(1)), integer(2)))));
    }

    /** Requests: RESP commands and inline commands. */
    static List<Case> requests() {
        return List.of(
                new Case("PING", "*1\r\n$4\r\nPING\r\n", () -> CommandMessage.of("PING")),
                new Case(
                        "SET with empty value",
                        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
                        () -> CommandMessage.of("SET", "k", "")),
                new Case(
                        "binary argument",
                        "*2\r\n$3\r\nGET\r\n$4\r\n\r\n\u0000\u00ff\r\n",
                        () -> CommandMessage.of(
                                Unpooled.wrappedBuffer(RespTestChannel.bytes("GET")),
                                Unpooled.wrappedBuffer(RespTestChannel.bytes("\r\n\u0000\u00ff")))),
                new Case("inline", "PING\r\n", () -> CommandMessage.of("PING")),
                new Case("inline with bare LF", "SET k v\n", () -> CommandMessage.of("SET", "k", "v")),
                new Case(
                        "inline with quotes",
                        "  set   'a b'  \"c\\nd\"  \r\n",
                        () -> CommandMessage.of("set", "a b", "c\nd")),
                new Case(
                        "empty commands are skipped",
                        "*0\r\n*-1\r\n\r\n  \r\nPING\r\n",
                        () -> CommandMessage.of("PING")));
    }
}
