package io.ferry.workload;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class ExpectedStateTest {
    private static final long NOW = 1_700_000_000_000L;
    private final ExpectedState state = new ExpectedState(10);
    private long seq;

    private void ack(String reply, String... command) {
        state.apply(new HistoryRecord(
                0, seq++, NOW + seq, NOW + seq + 1, HistoryRecord.Outcome.ACK, reply, List.of(command)));
    }

    private void lost(String... command) {
        state.apply(new HistoryRecord(
                0, seq++, NOW + seq, NOW + seq + 1, HistoryRecord.Outcome.NO_REPLY, "-timeout", List.of(command)));
    }

    private ExpectedState.Verdict judge(String key, KeyValue actual) {
        return state.judge(key, actual, NOW + 10_000, 2000);
    }

    @Test
    void stringsFollowSetAppendAndIncr() {
        ack("+OK", "SET", "s", "abc");
        ack(":5", "APPEND", "s", "de");
        ack(":1", "INCR", "c");
        ack(":2", "INCR", "c");

        assertThat(judge("s", new KeyValue("string", "abcde", -1))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("s", new KeyValue("string", "abc", -1))).isEqualTo(ExpectedState.Verdict.DIFFERENT);
        assertThat(judge("c", new KeyValue("string", "2", -1))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("c", KeyValue.NONE)).isEqualTo(ExpectedState.Verdict.DIFFERENT);
        assertThat(state.key("s").acknowledgedSinceReset()).isEqualTo(2);
        assertThat(state.anomalies()).isZero();
    }

    @Test
    void commutativeWritesHaveOneFinalValue() {
        ack(":1", "HSET", "h", "f", "x");
        ack(":3", "HINCRBY", "h", "c", "3");
        ack(":7", "HINCRBY", "h", "c", "4");
        ack(":1", "SADD", "set", "a");
        ack(":1", "SADD", "set", "b");
        ack(":0", "SADD", "set", "a");
        ack(":1", "SREM", "set", "b");
        ack(":1", "ZADD", "z", "10", "p");
        ack("$12", "ZINCRBY", "z", "2", "p");

        assertThat(judge("h", new KeyValue("hash", new TreeMap<>(Map.of("f", "x", "c", "7")), -1)))
                .isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("set", new KeyValue("set", Set.of("a"), -1))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("z", new KeyValue("zset", Map.of("p", 12.0), -1))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("z", new KeyValue("zset", Map.of("p", 10.0), -1))).isEqualTo(ExpectedState.Verdict.DIFFERENT);
    }

    @Test
    void listsTrackWhatIsPoppedAndAnEmptyListIsNoKey() {
        ack(":1", "RPUSH", "l", "a");
        ack(":2", "RPUSH", "l", "b");
        ack("$a", "LPOP", "l");

        assertThat(judge("l", new KeyValue("list", List.of("b"), -1))).isEqualTo(ExpectedState.Verdict.MATCH);

        ack("$b", "LPOP", "l");
        ack("_", "LPOP", "l");

        assertThat(judge("l", KeyValue.NONE)).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(state.anomalies()).isZero();
    }

    @Test
    void streamsKeepTheServersIdsAndTrimToMaxlen() {
        for (int i = 1; i <= 3; i++) {
            ack("$1-" + i, "XADD", "x", "MAXLEN", "=", "2", "*", "n", "v" + i);
        }

        assertThat(judge(
                        "x", new KeyValue("stream", List.of(List.of("1-2", "n", "v2"), List.of("1-3", "n", "v3")), -1)))
                .isEqualTo(ExpectedState.Verdict.MATCH);
    }

    @Test
    void expiriesAreAWindowAndSetWithoutExClearsThem() {
        ack("+OK", "SET", "t", "v", "EX", "600");
        long sent = NOW + 1;

        assertThat(judge("t", new KeyValue("string", "v", sent + 600_000))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("t", new KeyValue("string", "v", -1))).isEqualTo(ExpectedState.Verdict.DIFFERENT);
        assertThat(judge("t", new KeyValue("string", "v", sent + 700_000))).isEqualTo(ExpectedState.Verdict.DIFFERENT);

        ack(":3", "APPEND", "t", "xy"); // keeps the expiry
        assertThat(judge("t", new KeyValue("string", "vxy", sent + 600_000))).isEqualTo(ExpectedState.Verdict.MATCH);

        ack("+OK", "SET", "t", "w"); // clears it
        assertThat(judge("t", new KeyValue("string", "w", -1))).isEqualTo(ExpectedState.Verdict.MATCH);

        ack(":1", "EXPIRE", "t", "900");
        assertThat(judge("t", new KeyValue("string", "w", NOW + 900_000))).isEqualTo(ExpectedState.Verdict.MATCH);
        ack(":0", "EXPIRE", "absent", "900");
        assertThat(judge("absent", KeyValue.NONE)).isEqualTo(ExpectedState.Verdict.MATCH);
    }

    @Test
    void aWriteWithoutAReplyMakesItsKeyUndeterminedUntilItIsSetWhole() {
        ack(":1", "INCR", "c");
        lost("INCR", "c");

        assertThat(judge("c", new KeyValue("string", "1", -1))).isEqualTo(ExpectedState.Verdict.UNDETERMINED);
        assertThat(judge("c", new KeyValue("string", "2", -1))).isEqualTo(ExpectedState.Verdict.UNDETERMINED);

        ack(":1", "INCR", "c"); // whatever it replies, the key is still unknown
        assertThat(state.key("c").determined()).isFalse();

        ack(":1", "DEL", "c");
        ack(":1", "INCR", "c");

        assertThat(judge("c", new KeyValue("string", "1", -1))).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(state.key("c").acknowledgedSinceReset()).isEqualTo(2);
        assertThat(state.anomalies()).isZero();
    }

    @Test
    void aReplyThatContradictsEarlierWritesIsAnAnomaly() {
        ack(":1", "INCR", "c");
        ack(":1", "INCR", "c"); // the first INCR was lost by the server that answered

        assertThat(state.anomalies()).isEqualTo(1);
        assertThat(state.anomalySamples())
                .singleElement()
                .asString()
                .contains("INCR c")
                .contains("expected :2");
        assertThat(judge("c", new KeyValue("string", "1", -1))).isEqualTo(ExpectedState.Verdict.UNDETERMINED);
    }

    @Test
    void delAndAnEmptiedSetLeaveNoKey() {
        ack(":1", "SADD", "s", "a");
        ack(":1", "SREM", "s", "a");
        ack("+OK", "SET", "d", "x");
        ack(":1", "DEL", "d");

        assertThat(judge("s", KeyValue.NONE)).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("d", KeyValue.NONE)).isEqualTo(ExpectedState.Verdict.MATCH);
        assertThat(judge("d", new KeyValue("string", "x", -1))).isEqualTo(ExpectedState.Verdict.DIFFERENT);
    }
}
