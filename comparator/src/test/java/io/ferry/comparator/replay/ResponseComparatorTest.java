package io.ferry.comparator.replay;

import io.ferry.comparator.replay.ResponseComparator.Rule;
import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.MapMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SetMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseComparatorTest {
    private static final CommandTable TABLE = CommandTable.bundled();
    private final ResponseComparator comparator = new ResponseComparator(Duration.ofSeconds(2));
    private final List<RespMessage> owned = new ArrayList<>();

    @AfterEach
    void release() {
        owned.forEach(ReferenceCountUtil::release);
    }

    private static Rule rule(String command) {
        return ResponseComparator.ruleFor(info(command));
    }

    private static CommandInfo info(String command) {
        return TABLE.find(command).orElseThrow();
    }

    private <T extends RespMessage> T own(T message) {
        owned.add(message);
        return message;
    }

    private ArrayMessage array(String... elements) {
        return own(ArrayMessage.of(bulks(elements)));
    }

    private SetMessage set(String... elements) {
        return own(SetMessage.of(bulks(elements)));
    }

    private MapMessage map(String... keysAndValues) {
        return own(MapMessage.of(bulks(keysAndValues)));
    }

    private static List<RespMessage> bulks(String... texts) {
        List<RespMessage> list = new ArrayList<>();
        for (String text : texts) {
            list.add(BulkStringMessage.of(text));
        }
        return list;
    }

    private boolean same(String command, RespMessage a, RespMessage b) {
        return comparator.equivalent(rule(command), a, b, Duration.ZERO);
    }

    @Test
    void rulesComeFromTheCommandTable() {
        assertThat(rule("smembers")).isEqualTo(Rule.UNORDERED);
        assertThat(rule("hkeys")).isEqualTo(Rule.UNORDERED);
        assertThat(rule("sinter")).isEqualTo(Rule.UNORDERED);
        assertThat(rule("keys")).isEqualTo(Rule.UNORDERED);
        assertThat(rule("hgetall")).isEqualTo(Rule.UNORDERED_PAIRS);
        assertThat(rule("get")).isEqualTo(Rule.EXACT);
        assertThat(rule("lrange")).isEqualTo(Rule.EXACT);
        assertThat(rule("pttl")).isEqualTo(Rule.TTL_MILLIS);
        assertThat(rule("ttl")).isEqualTo(Rule.TTL_SECONDS);
    }

    @Test
    void nondeterministicCommandsAreNotComparableButTtlsAre() {
        for (String command : List.of(
                "srandmember",
                "randomkey",
                "scan",
                "sscan",
                "hrandfield",
                "object|idletime",
                "object|freq",
                "time",
                "info",
                "client|list")) {
            assertThat(ResponseComparator.comparable(info(command))).as(command).isFalse();
        }
        for (String command : List.of("get", "smembers", "hgetall", "ttl", "pttl", "lrange", "zrange", "mget")) {
            assertThat(ResponseComparator.comparable(info(command))).as(command).isTrue();
        }
    }

    @Test
    void smembersInAnotherOrderIsTheSame() {
        assertThat(same("smembers", array("a", "b", "c"), array("c", "a", "b"))).isTrue();
        assertThat(same("hkeys", array("f1", "f2"), array("f2", "f1"))).isTrue();
        assertThat(same("sunion", array("x", "y", "z"), array("z", "y", "x"))).isTrue();
    }

    @Test
    void smembersWithAnotherElementDiffers() {
        assertThat(same("smembers", array("a", "b", "c"), array("a", "b", "d"))).isFalse();
        assertThat(same("smembers", array("a", "b"), array("a", "b", "b"))).isFalse();
        assertThat(same("smembers", array("a", "b", "c"), array("a", "b"))).isFalse();
    }

    @Test
    void hgetallInResp2IsAMultisetOfPairs() {
        assertThat(same("hgetall", array("f1", "v1", "f2", "v2"), array("f2", "v2", "f1", "v1")))
                .isTrue();
        // The same strings, paired otherwise: a different hash.
        assertThat(same("hgetall", array("f1", "v1", "f2", "v2"), array("f1", "v2", "f2", "v1")))
                .isFalse();
        assertThat(same("hgetall", array("f1", "v1"), array("f1", "v9"))).isFalse();
    }

    @Test
    void resp3MapsAndSetsAreUnorderedWhateverTheCommand() {
        assertThat(same("hgetall", map("f1", "v1", "f2", "v2"), map("f2", "v2", "f1", "v1")))
                .isTrue();
        assertThat(same("smembers", set("a", "b"), set("b", "a"))).isTrue();
        // EXACT rule, but a map nested in an array is still a map.
        RespMessage first = own(ArrayMessage.of(MapMessage.of(bulks("a", "1", "b", "2"))));
        RespMessage second = own(ArrayMessage.of(MapMessage.of(bulks("b", "2", "a", "1"))));
        assertThat(same("get", first, second)).isTrue();
        assertThat(same("hgetall", map("f1", "v1"), map("f1", "v2"))).isFalse();
        assertThat(same("smembers", set("a", "b"), set("a", "c"))).isFalse();
    }

    @Test
    void orderedRepliesMustKeepTheirOrder() {
        assertThat(same("lrange", array("a", "b"), array("b", "a"))).isFalse();
        assertThat(same("mget", array("a", "b"), array("a", "b"))).isTrue();
        assertThat(same("get", own(BulkStringMessage.of("v1")), own(BulkStringMessage.of("v2"))))
                .isFalse();
        assertThat(same("get", own(BulkStringMessage.of("v1")), own(BulkStringMessage.of("v1"))))
                .isTrue();
    }

    @Test
    void ttlsWithinTheToleranceAgree() {
        Rule pttl = rule("pttl");
        assertThat(comparator.equivalent(pttl, IntegerMessage.of(60_000), IntegerMessage.of(58_500), Duration.ZERO))
                .isTrue();
        assertThat(comparator.equivalent(pttl, IntegerMessage.of(60_000), IntegerMessage.of(50_000), Duration.ZERO))
                .isFalse();
        // The time elapsed since capture is added to the tolerance.
        assertThat(comparator.equivalent(
                        pttl, IntegerMessage.of(60_000), IntegerMessage.of(50_000), Duration.ofSeconds(9)))
                .isTrue();
        Rule ttl = rule("ttl");
        assertThat(comparator.equivalent(ttl, IntegerMessage.of(100), IntegerMessage.of(98), Duration.ZERO))
                .isTrue();
        assertThat(comparator.equivalent(ttl, IntegerMessage.of(100), IntegerMessage.of(50), Duration.ZERO))
                .isFalse();
    }

    @Test
    void noExpiryAndMissingKeyMustBeEqual() {
        Rule pttl = rule("pttl");
        assertThat(comparator.equivalent(pttl, IntegerMessage.of(-1), IntegerMessage.of(-1), Duration.ZERO))
                .isTrue();
        assertThat(comparator.equivalent(pttl, IntegerMessage.of(-1), IntegerMessage.of(1500), Duration.ZERO))
                .isFalse();
        assertThat(comparator.equivalent(pttl, IntegerMessage.of(-2), IntegerMessage.of(-1), Duration.ZERO))
                .isFalse();
    }

    @Test
    void unorderedDigestMatchesForAnotherOrder() {
        byte[] first = ReplyDigest.of(array("a", "b", "c"), true);
        byte[] second = ReplyDigest.of(array("c", "b", "a"), true);
        assertThat(first).hasSize(ReplyDigest.LENGTH).isEqualTo(second);
        assertThat(ReplyDigest.of(array("a", "b"), false)).isNotEqualTo(ReplyDigest.of(array("b", "a"), false));
    }

    @Test
    void keysAreShownPrintableAndCut() {
        assertThat(ShadowReplay.printable("user:1".getBytes())).isEqualTo("user:1");
        assertThat(ShadowReplay.printable(new byte[] {'a', 0, (byte) 0xff})).isEqualTo("a\\x00\\xff");
        assertThat(ShadowReplay.printable("k".repeat(200).getBytes()))
                .startsWith("k".repeat(80))
                .endsWith("(200 bytes)");
    }
}
