package io.ferry.resp.command;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.RespMessage;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static io.ferry.resp.command.TestReplies.argsAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The command table against a real redis-server: its COMMAND reply, read through Ferry's codec, gives
 * the bundled table, and the keys Ferry locates are the keys Redis itself reports through {@code
 * COMMAND GETKEYS}.
 */
class CommandTableIT {

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    private static final CommandTable BUNDLED = CommandTable.bundled();

    /** Realistic invocations of the commands whose keys are hardest to find. */
    private static final List<String> SAMPLE_INVOCATIONS = List.of(
            "GET k",
            "SET k v EX 10 GET",
            "MSET a 1 b 2 c 3",
            "MGET a b c",
            "DEL a b c",
            "EVAL return 1 2 a b x y",
            "EVALSHA 0123456789012345678901234567890123456789 1 a x",
            "EVAL_RO return 1 1 a",
            "FCALL fn 2 a b x",
            "FCALL_RO fn 1 a",
            "ZUNIONSTORE dst 2 a b WEIGHTS 1 2",
            "ZINTERSTORE dst 3 a b c AGGREGATE MIN",
            "ZDIFFSTORE dst 2 a b",
            "ZUNION 2 a b WITHSCORES",
            "ZINTERCARD 2 a b LIMIT 1",
            "XREAD COUNT 10 BLOCK 0 STREAMS s1 s2 0 $",
            "XREAD STREAMS s1 0",
            "XREADGROUP GROUP g c COUNT 1 STREAMS s1 s2 > >",
            "XREADGROUP GROUP streams c STREAMS s1 >",
            "MIGRATE host 6379 k 0 5000",
            "MIGRATE host 6379 k 0 5000 COPY REPLACE",
            "MIGRATE host 6379  0 5000 COPY REPLACE KEYS a b c",
            "MIGRATE host 6379  0 5000 AUTH2 keys pw KEYS a b",
            "MIGRATE host 6379  0 5000 AUTH keys KEYS a",
            "SORT k",
            "SORT k LIMIT 0 10 ALPHA STORE dst",
            "SORT k LIMIT store 10 DESC",
            "SORT k STORE d1 STORE d2",
            "SORT k BY weight_* GET obj_* STORE dst",
            "SORT_RO k BY weight_* GET #",
            "BLMPOP 0 2 l1 l2 LEFT COUNT 3",
            "LMPOP 3 l1 l2 l3 RIGHT",
            "ZMPOP 1 z MIN",
            "BZMPOP 1.5 2 z1 z2 MAX",
            "OBJECT ENCODING k",
            "OBJECT FREQ k",
            "GEORADIUS k 15 37 200 km STORE dst",
            "GEORADIUS k 15 37 200 km WITHDIST",
            "GEORADIUSBYMEMBER k m 100 km STOREDIST dst",
            "GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km",
            "SINTERCARD 2 a b LIMIT 5",
            "BITOP AND dst a b c",
            "RENAME old new",
            "LMOVE src dst LEFT RIGHT",
            "BLMOVE src dst LEFT RIGHT 0",
            "COPY src dst DB 1 REPLACE",
            "BLPOP a b 0",
            "XINFO STREAM s FULL",
            "XGROUP CREATE s g $ MKSTREAM",
            "MEMORY USAGE k SAMPLES 5",
            "LCS a b LEN",
            "BITFIELD k GET u8 0",
            "PFCOUNT a b",
            "WATCH a b",
            "TOUCH a b",
            "EXISTS a b a");

    private static String version;

    @BeforeAll
    static void readVersion() throws IOException {
        try (RespSocket socket = connect()) {
            RespMessage info = socket.call("INFO", "server");
            try {
                String text = ((BulkStringMessage) info).text();
                version = text.lines()
                        .filter(line -> line.startsWith("redis_version:"))
                        .findFirst()
                        .orElseThrow()
                        .substring("redis_version:".length())
                        .strip();
            } finally {
                ReferenceCountUtil.release(info);
            }
        }
    }

    @Test
    void liveCommandReplyGivesTheBundledTable() throws IOException {
        CommandTable live = liveTable(false);
        assertThat(live.size()).isGreaterThan(200);
        for (String name : List.of(
                "get",
                "set",
                "eval",
                "xread",
                "migrate",
                "sort",
                "client|setname",
                "config|get",
                "object|encoding",
                "blmpop",
                "georadius",
                "spublish")) {
            assertThat(live.find(name)).as(name).isPresent();
            if (sameVersionAsBundled()) {
                assertThat(live.find(name)).as(name).isEqualTo(BUNDLED.find(name));
            }
        }
        assumeThat(sameVersionAsBundled())
                .as("redis-server " + version + " is not the bundled " + CommandTable.BUNDLED_VERSION)
                .isTrue();
        assertThat(live).isEqualTo(BUNDLED);
    }

    @Test
    void aSourceWithoutDocsGetsTheBundledDocs() throws IOException {
        assumeThat(sameVersionAsBundled())
                .as("redis-server " + version + " is not the bundled " + CommandTable.BUNDLED_VERSION)
                .isTrue();
        CommandTable merged =
                withLiveReplies(false, (commandReply, docsReply) -> CommandTable.fromSource(commandReply, null));
        assertThat(merged).isEqualTo(BUNDLED);
    }

    @Test
    void resp3RepliesGiveTheSameTable() throws IOException {
        assertThat(liveTable(true)).isEqualTo(liveTable(false));
    }

    @Test
    void sampleInvocationsHaveTheKeysRedisReports() throws IOException {
        CommandTable live = liveTable(false);
        List<String> mismatches = new ArrayList<>();
        try (RespSocket socket = connect()) {
            for (String line : SAMPLE_INVOCATIONS) {
                assertThat(compareWithGetkeys(socket, live, List.of(line.split(" ", -1)), mismatches))
                        .as("Redis finds keys in " + line)
                        .isTrue();
            }
        }
        assertThat(mismatches)
                .as("invocations whose keys differ from COMMAND GETKEYS")
                .isEmpty();
    }

    /**
     * Every command and subcommand, invoked with made-up arguments shaped to its key specs (a count of 2
     * where a numkeys goes, the keyword where a keyword search starts), compared with COMMAND GETKEYS.
     */
    @Test
    void everyCommandHasTheKeysRedisReports() throws IOException {
        CommandTable live = liveTable(false);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int withKeys = 0;
        try (RespSocket socket = connect()) {
            for (CommandInfo info : live.allCommands()) {
                if (info.hasSubcommands()) {
                    continue;
                }
                if (compareWithGetkeys(socket, live, invocationOf(info), mismatches)) {
                    withKeys++;
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(300);
        assertThat(withKeys).as("commands Redis found keys in").isGreaterThan(180);
        assertThat(mismatches)
                .as("commands whose keys differ from COMMAND GETKEYS")
                .isEmpty();
    }

    private static List<String> invocationOf(CommandInfo info) {
        List<String> args = new ArrayList<>(List.of(info.name().split("\\|")));
        int length = Math.max(Math.abs(info.arity()), args.size()) + (info.arity() < 0 ? 4 : 0);
        for (KeySpec spec : info.keySpecs()) {
            if (spec.findKeys() instanceof FindKeys.KeyNum keyNum
                    && spec.beginSearch() instanceof BeginSearch.Index index) {
                length = Math.max(length, index.index() + keyNum.firstKey() + 2 + 2);
            }
        }
        while (args.size() < length) {
            args.add("a" + args.size());
        }
        for (KeySpec spec : info.keySpecs()) {
            if (spec.beginSearch() instanceof BeginSearch.Keyword keyword) {
                int at = keyword.startFrom() > 0 ? keyword.startFrom() : length + keyword.startFrom();
                if (at > 0 && at < length - 1) {
                    args.set(at, keyword.keyword());
                }
            } else if (spec.findKeys() instanceof FindKeys.KeyNum keyNum
                    && spec.beginSearch() instanceof BeginSearch.Index index) {
                args.set(index.index() + keyNum.keyNumIndex(), "2");
            }
        }
        return args;
    }

    /**
     * Asks Redis for the keys of {@code args} and records a line in {@code mismatches} when Ferry
     * disagrees; true when Redis reported keys.
     */
    private static boolean compareWithGetkeys(
            RespSocket socket, CommandTable table, List<String> args, List<String> mismatches) throws IOException {
        List<String> request = new ArrayList<>(List.of("COMMAND", "GETKEYS"));
        request.addAll(args);
        RespMessage reply = socket.call(request);
        CommandMessage command = CommandMessage.of(args.toArray(new String[0]));
        try {
            KeyPositions positions = table.findKeys(command, new KeyPositions());
            List<String> ours = argsAt(command, positions);
            if (reply instanceof ErrorMessage error) {
                // Redis found no keys: "Invalid arguments", "no key arguments", a wrong argument count.
                if (!ours.isEmpty()) {
                    mismatches.add(
                            String.join(" ", args) + ": Redis " + error + ", Ferry " + ours + " " + positions.status());
                }
                return false;
            }
            List<String> theirs = new ArrayList<>();
            for (RespMessage key : ((AggregateMessage) reply).elements()) {
                theirs.add(((BulkStringMessage) key).content().toString(StandardCharsets.UTF_8));
            }
            if (!theirs.equals(ours) || positions.status() == KeyPositions.Status.MALFORMED) {
                mismatches.add(
                        String.join(" ", args) + ": Redis " + theirs + ", Ferry " + ours + " " + positions.status());
            }
            return !theirs.isEmpty();
        } finally {
            ReferenceCountUtil.release(reply);
            command.release();
        }
    }

    private static CommandTable liveTable(boolean resp3) throws IOException {
        return withLiveReplies(resp3, CommandTable::fromReplies);
    }

    /** Applies {@code build} to a live server's COMMAND and COMMAND DOCS replies, over RESP2 or RESP3. */
    private static CommandTable withLiveReplies(boolean resp3, BiFunction<RespMessage, RespMessage, CommandTable> build)
            throws IOException {
        try (RespSocket socket = connect()) {
            if (resp3) {
                ReferenceCountUtil.release(socket.call("HELLO", "3"));
            }
            RespMessage commandReply = socket.call("COMMAND");
            try {
                RespMessage docsReply = socket.call("COMMAND", "DOCS");
                try {
                    return build.apply(commandReply, docsReply);
                } finally {
                    ReferenceCountUtil.release(docsReply);
                }
            } finally {
                ReferenceCountUtil.release(commandReply);
            }
        }
    }

    private static boolean sameVersionAsBundled() {
        return version.startsWith(CommandTable.BUNDLED_VERSION + ".");
    }

    private static RespSocket connect() throws IOException {
        RedisServer server = redis.source();
        return new RespSocket(server.host(), server.port());
    }
}
