package io.ferry.resp.command;

import io.ferry.resp.ArrayMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.RespMessage;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.ferry.resp.command.TestReplies.array;
import static io.ferry.resp.command.TestReplies.command;
import static io.ferry.resp.command.TestReplies.map;
import static io.ferry.resp.command.TestReplies.set;
import static io.ferry.resp.command.TestReplies.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading COMMAND and COMMAND DOCS replies in their RESP2, RESP3 and pre-Redis-7 forms. */
class CommandReplyReaderTest {

    /** GET as Redis 7 sends it over RESP2: maps are flat arrays, flags arrays of simple strings. */
    private static ArrayMessage getEntryResp2() {
        return array(
                "get",
                2,
                statuses("readonly", "fast"),
                1,
                1,
                1,
                statuses("@read", "@string", "@fast"),
                statuses(),
                array(array(
                        "flags",
                        statuses("RO", "access"),
                        "begin_search",
                        array("type", "index", "spec", array("index", 1)),
                        "find_keys",
                        array("type", "range", "spec", array("lastkey", 0, "keystep", 1, "limit", 0)))),
                array());
    }

    /** The same over RESP3: sets and maps. */
    private static ArrayMessage getEntryResp3() {
        return array(
                "get",
                2,
                set("readonly", "fast"),
                1,
                1,
                1,
                set("@read", "@string", "@fast"),
                set(),
                array(map(
                        "flags",
                        set("RO", "access"),
                        "begin_search",
                        map("type", "index", "spec", map("index", 1)),
                        "find_keys",
                        map("type", "range", "spec", map("lastkey", 0, "keystep", 1, "limit", 0)))),
                array());
    }

    @Test
    void readsResp2AndResp3Alike() {
        RespMessage resp2 = array(getEntryResp2());
        RespMessage resp3 = array(getEntryResp3());
        try {
            CommandTable fromResp2 = CommandTable.fromReplies(resp2, null);
            CommandTable fromResp3 = CommandTable.fromReplies(resp3, null);
            assertThat(fromResp2).isEqualTo(fromResp3);
            CommandInfo get = fromResp2.find("get").orElseThrow();
            CommandInfo bundled = CommandTable.bundled().find("get").orElseThrow();
            assertThat(get.flagNames()).isEqualTo(bundled.flagNames());
            assertThat(get.aclCategories()).isEqualTo(bundled.aclCategories());
            assertThat(get.keySpecs()).isEqualTo(bundled.keySpecs());
            assertThat(get.docs()).isEqualTo(CommandDocs.NONE);
        } finally {
            ReferenceCountUtil.release(resp2);
            ReferenceCountUtil.release(resp3);
        }
    }

    @Test
    void readsDocsInBothForms() {
        RespMessage commands = array(getEntryResp2());
        RespMessage docsResp2 = array("get", array("summary", "Get it", "since", "1.0.0", "group", "string"));
        RespMessage docsResp3 = map("get", map("summary", "Get it", "since", "1.0.0", "group", "string"));
        try {
            CommandInfo fromResp2 =
                    CommandTable.fromReplies(commands, docsResp2).find("get").orElseThrow();
            CommandInfo fromResp3 =
                    CommandTable.fromReplies(commands, docsResp3).find("get").orElseThrow();
            assertThat(fromResp2.group()).isEqualTo("string");
            assertThat(fromResp2.docs().summary()).isEqualTo("Get it");
            assertThat(fromResp2).isEqualTo(fromResp3);
        } finally {
            ReferenceCountUtil.release(commands);
            ReferenceCountUtil.release(docsResp2);
            ReferenceCountUtil.release(docsResp3);
        }
    }

    @Test
    void anErrorForDocsMeansNoDocs() {
        RespMessage commands = array(getEntryResp2());
        ErrorMessage error = ErrorMessage.of("ERR unknown subcommand 'DOCS'");
        try {
            assertThat(CommandTable.fromReplies(commands, error)
                            .find("get")
                            .orElseThrow()
                            .docs())
                    .isEqualTo(CommandDocs.NONE);
        } finally {
            ReferenceCountUtil.release(commands);
            ReferenceCountUtil.release(error);
        }
    }

    @Test
    void anErrorForCommandIsRefused() {
        ErrorMessage error = ErrorMessage.of("ERR unknown command 'COMMAND'");
        try {
            assertThatThrownBy(() -> CommandTable.fromReplies(error, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("COMMAND answered with an error");
        } finally {
            ReferenceCountUtil.release(error);
        }
    }

    @Test
    void malformedEntriesAreRefusedNamingTheCommand() {
        RespMessage shortEntry = array(array("get", 2, statuses()));
        RespMessage badArity = array(array("get", "two", statuses(), 1, 1, 1));
        RespMessage badSpec = array(array(
                "get", 2, statuses(), 1, 1, 1, statuses(), statuses(), array(array("flags", statuses())), array()));
        try {
            assertThatThrownBy(() -> CommandTable.fromReplies(shortEntry, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 fields");
            assertThatThrownBy(() -> CommandTable.fromReplies(badArity, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("command 'get'")
                    .hasMessageContaining("arity");
            assertThatThrownBy(() -> CommandTable.fromReplies(badSpec, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("command 'get'")
                    .hasMessageContaining("begin_search");
        } finally {
            ReferenceCountUtil.release(shortEntry);
            ReferenceCountUtil.release(badArity);
            ReferenceCountUtil.release(badSpec);
        }
    }

    @Test
    void skipsNullEntriesOfCommandInfoAndKeepsUnknownFlags() {
        RespMessage reply = array(
                NullMessage.RESP2_ARRAY,
                array("json.set", -4, statuses("write", "denyoom", "module", "shiny_new_flag"), 1, 1, 1, statuses()));
        try {
            CommandTable table = CommandTable.fromReplies(reply, null);
            assertThat(table.size()).isEqualTo(1);
            CommandInfo info = table.find("JSON.SET").orElseThrow();
            assertThat(info.flagNames()).contains("shiny_new_flag");
            assertThat(info.flags())
                    .containsExactlyInAnyOrder(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.MODULE);
            assertThat(info.kind()).isEqualTo(CommandKind.WRITE);
            var command = command("JSON.SET doc $ {}");
            try {
                assertThat(table.keyIndexes(command)).containsExactly(1);
            } finally {
                command.release();
            }
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    /** A Redis 6 entry has seven fields: no tips, no key specs, no subcommands; keys are the legacy range. */
    @Test
    void readsPreRedis7EntriesWithTheirLegacyKeyRange() {
        RespMessage reply = array(
                array("mset", -3, statuses("write", "denyoom"), 1, -1, 2, statuses("@write")),
                array("eval", -3, statuses("noscript", "movablekeys"), 0, 0, 0, statuses("@scripting")),
                array("srandmember", -2, statuses("readonly", "random"), 1, 1, 1, statuses("@read")),
                array("smembers", 2, statuses("readonly", "sort_for_script"), 1, 1, 1, statuses("@read")));
        try {
            CommandTable table = CommandTable.fromReplies(reply, null);
            assertThat(keys(table, "MSET a 1 b 2")).containsExactly(1, 3);
            assertThat(status(table, "MSET a 1 b 2")).isEqualTo(KeyPositions.Status.COMPLETE);
            assertThat(status(table, "EVAL s 1 k"))
                    .as("movable keys, no key specs")
                    .isEqualTo(KeyPositions.Status.PARTIAL);
            assertThat(table.find("srandmember").orElseThrow().isNondeterministic())
                    .isTrue();
            assertThat(table.find("smembers").orElseThrow().isOutputOrderNondeterministic())
                    .isTrue();
            assertThat(table.find("eval").orElseThrow().kind()).isEqualTo(CommandKind.SCRIPTING);
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    @Test
    void aSpecThatWouldNeverEndIsSkipped() {
        RespMessage reply = array(array(
                "broken",
                -2,
                statuses("write"),
                1,
                -1,
                1,
                statuses(),
                statuses(),
                array(array(
                        "flags",
                        statuses("RW"),
                        "begin_search",
                        array("type", "index", "spec", array("index", 1)),
                        "find_keys",
                        array("type", "range", "spec", array("lastkey", -1, "keystep", 0, "limit", 0)))),
                array()));
        try {
            CommandTable table = CommandTable.fromReplies(reply, null);
            assertThat(keys(table, "BROKEN a b c")).isEmpty();
            assertThat(status(table, "BROKEN a b c")).isEqualTo(KeyPositions.Status.PARTIAL);
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    @Test
    void theBundledResourceDecodesWithTheRespCodec() {
        RespMessage reply = CommandTable.decodeReply(
                "*1\r\n*6\r\n$4\r\nping\r\n:-1\r\n*0\r\n:0\r\n:0\r\n:0\r\n".getBytes(), "test");
        try {
            assertThat(CommandTable.fromReplies(reply, null)
                            .find("ping")
                            .orElseThrow()
                            .arity())
                    .isEqualTo(-1);
        } finally {
            ReferenceCountUtil.release(reply);
        }
        assertThatThrownBy(() -> CommandTable.decodeReply("*2\r\n:1\r\n".getBytes(), "cut"))
                .hasMessageContaining("incomplete");
        assertThatThrownBy(() -> CommandTable.decodeReply(":1\r\n:2\r\n".getBytes(), "two"))
                .hasMessageContaining("more than one");
    }

    static int[] keys(CommandTable table, String line) {
        var command = command(line);
        try {
            return table.keyIndexes(command);
        } finally {
            command.release();
        }
    }

    static KeyPositions.Status status(CommandTable table, String line) {
        var command = command(line);
        try {
            return table.findKeys(command, new KeyPositions()).status();
        } finally {
            command.release();
        }
    }

    static List<String> names(CommandTable table) {
        return table.allCommands().stream().map(CommandInfo::name).toList();
    }
}
