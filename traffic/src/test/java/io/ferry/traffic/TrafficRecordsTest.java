package io.ferry.traffic;

import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandTable;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.CommandClass;
import io.ferry.schemas.Origin;
import io.ferry.schemas.Side;
import io.ferry.schemas.TrafficRecord;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficRecordsTest {
    private static final CommandTable TABLE = CommandTable.bundled();
    private static final TrafficRecords.Seen SEEN =
            new TrafficRecords.Seen(Origin.PCAP, "node-1", "10.0.0.7:51234", 42, Instant.ofEpochSecond(1_700_000_000));

    private static CapturedCommand capture(String... args) {
        CommandMessage command = CommandMessage.of(args);
        try {
            CommandInfo info = TABLE.lookup(command);
            return CapturedCommand.of(command, info, info.findKeys(command, new KeyPositions()));
        } finally {
            command.release();
        }
    }

    @Test
    void aCommandIsNamedClassifiedAndItsKeysAndArgumentsCopied() {
        CapturedCommand set = capture("set", "greeting", "hello");
        CapturedCommand setname = capture("CLIENT", "SETNAME", "app");
        CapturedCommand unknown = capture("frobnicate", "x");

        assertThat(set.command()).isEqualTo("SET");
        assertThat(set.commandClass()).isEqualTo(CommandClass.WRITE);
        assertThat(set.keys()).extracting(TrafficRecordsTest::text).containsExactly("greeting");
        assertThat(set.args()).extracting(TrafficRecordsTest::text).containsExactly("greeting", "hello");
        assertThat(setname.command()).isEqualTo("CLIENT SETNAME");
        assertThat(setname.args()).extracting(TrafficRecordsTest::text).containsExactly("app");
        assertThat(unknown.command()).isEqualTo("FROBNICATE");
        assertThat(unknown.commandClass()).isEqualTo(CommandClass.UNKNOWN);
    }

    @Test
    void secretsNeverReachARecord() {
        assertThat(capture("AUTH", "s3cret").args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("<redacted>");
        assertThat(capture("auth", "ops", "s3cret").args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("<redacted>", "<redacted>");
        assertThat(capture("HELLO", "3", "AUTH", "ops", "s3cret", "SETNAME", "app")
                        .args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("3", "AUTH", "ops", "<redacted>", "SETNAME", "app");
        assertThat(capture("MIGRATE", "h", "6379", "k", "0", "1000", "AUTH2", "ops", "s3cret", "KEYS", "a")
                        .args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("h", "6379", "k", "0", "1000", "AUTH2", "<redacted>", "<redacted>", "KEYS", "a");
        assertThat(capture("CONFIG", "SET", "maxmemory", "1gb", "requirepass", "s3cret")
                        .args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("maxmemory", "1gb", "requirepass", "<redacted>");
        CapturedCommand setuser = capture("ACL", "SETUSER", "ops", "on", ">s3cret", "~*", "+@all");
        assertThat(setuser.args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("ops", "on", "<redacted>", "~*", "+@all");
        assertThat(setuser.argsTruncated()).isTrue();
        assertThat(capture("SET", "AUTH", "v").args())
                .extracting(TrafficRecordsTest::text)
                .containsExactly("AUTH", "v");
    }

    @Test
    void argumentsBeyondTheLimitAreCutAndMarked() {
        CapturedCommand big = capture("SET", "k", "x".repeat(TrafficRecords.MAX_CAPTURE_BYTES));

        assertThat(big.argsTruncated()).isTrue();
        assertThat(big.args()).extracting(TrafficRecordsTest::text).containsExactly("k");
        assertThat(big.keys()).extracting(TrafficRecordsTest::text).containsExactly("k");
    }

    @Test
    void anAnsweredRecordCarriesTheReplyItsDigestTypeAndSize() {
        BulkStringMessage reply = BulkStringMessage.of("x".repeat(5000));
        try {
            TrafficRecord record = TrafficRecords.answered(capture("GET", "k"), SEEN, 3, 2, reply, 120, Side.SOURCE);

            assertThat(record.getOrigin()).isEqualTo(Origin.PCAP);
            assertThat(record.getConnection()).isEqualTo("10.0.0.7:51234");
            assertThat(record.getSequence()).isEqualTo(42);
            assertThat(record.getDb()).isEqualTo(3);
            assertThat(record.getResponseType()).isEqualTo("bulk-string");
            assertThat(record.getResponseSize()).isEqualTo(5000 + 9);
            assertThat(record.getResponseBody().remaining()).isEqualTo(TrafficRecords.MAX_CAPTURE_BYTES);
            assertThat(record.getResponseTruncated()).isTrue();
            assertThat(record.getResponseDigest().remaining()).isEqualTo(16);
            assertThat(record.getLatencyMicros()).isEqualTo(120);
        } finally {
            ReferenceCountUtil.release(reply);
        }
        assertThat(TrafficRecords.typeName(NullMessage.RESP3)).isEqualTo("null");
        assertThat(TrafficRecords.typeName(SimpleStringMessage.OK)).isEqualTo("simple-string");
    }

    @Test
    void theDigestOfAnUnorderedReplyIgnoresTheOrder() {
        ArrayMessage one = ArrayMessage.of(BulkStringMessage.of("a"), BulkStringMessage.of("b"));
        ArrayMessage other = ArrayMessage.of(BulkStringMessage.of("b"), BulkStringMessage.of("a"));
        try {
            CapturedCommand smembers = capture("SMEMBERS", "s");
            CapturedCommand lrange = capture("LRANGE", "l", "0", "-1");

            assertThat(smembers.unorderedReply()).isTrue();
            assertThat(TrafficRecords.answered(smembers, SEEN, 0, 2, one, 1, Side.SOURCE)
                            .getResponseDigest())
                    .isEqualTo(TrafficRecords.answered(smembers, SEEN, 0, 2, other, 1, Side.SOURCE)
                            .getResponseDigest());
            assertThat(TrafficRecords.answered(lrange, SEEN, 0, 2, one, 1, Side.SOURCE)
                            .getResponseDigest())
                    .isNotEqualTo(TrafficRecords.answered(lrange, SEEN, 0, 2, other, 1, Side.SOURCE)
                            .getResponseDigest());
        } finally {
            one.release();
            other.release();
        }
    }

    @Test
    void anUnansweredRecordHasNoReply() {
        TrafficRecord record = TrafficRecords.unanswered(capture("INCR", "n"), SEEN, 0, 3, Side.SOURCE);

        assertThat(record.getResponseType()).isNull();
        assertThat(record.getResponseDigest()).isNull();
        assertThat(record.getResponseBody()).isNull();
        assertThat(record.getResponseSize()).isZero();
        assertThat(record.getLatencyMicros()).isEqualTo(-1);
        assertThat(record.getProtocol()).isEqualTo(3);
    }

    private static String text(ByteBuffer bytes) {
        return StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
