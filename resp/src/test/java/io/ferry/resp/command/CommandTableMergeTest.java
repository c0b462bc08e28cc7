package io.ferry.resp.command;

import io.ferry.resp.RespMessage;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import static io.ferry.resp.command.CommandReplyReaderTest.keys;
import static io.ferry.resp.command.CommandReplyReaderTest.status;
import static io.ferry.resp.command.TestReplies.array;
import static io.ferry.resp.command.TestReplies.statuses;
import static org.assertj.core.api.Assertions.assertThat;

/** A live source's table completed by the bundled one, as the proxy builds it at start-up. */
class CommandTableMergeTest {

    private static final CommandTable BUNDLED = CommandTable.bundled();

    @Test
    void theLiveServerWinsAndTheBundledTableFillsIn() {
        // A source that flags GET differently and knows a module command the bundled table does not.
        RespMessage reply = array(
                array("get", 2, statuses("readonly"), 1, 1, 1, statuses("@read"), statuses(), array(), array()),
                array("json.get", -2, statuses("readonly", "module"), 1, 1, 1, statuses("@read")));
        try {
            CommandTable merged = CommandTable.fromSource(reply, null);
            assertThat(merged.find("get").orElseThrow().flagNames()).containsExactly("readonly");
            assertThat(merged.find("get").orElseThrow().keySpecs())
                    .as("a Redis 7 entry is taken whole")
                    .isEmpty();
            assertThat(merged.find("get").orElseThrow().docs())
                    .as("docs the source did not give")
                    .isEqualTo(BUNDLED.find("get").orElseThrow().docs());
            assertThat(merged.find("json.get").orElseThrow().kind()).isEqualTo(CommandKind.READ);
            assertThat(merged.find("set").orElseThrow())
                    .isEqualTo(BUNDLED.find("set").orElseThrow());
            assertThat(merged.size()).isEqualTo(BUNDLED.size() + 1);
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    @Test
    void aRedis6SourceGetsKeySpecsTipsAndSubcommandsFromTheBundledTable() {
        RespMessage reply = array(
                array("eval", -3, statuses("noscript", "movablekeys"), 0, 0, 0, statuses("@scripting")),
                array("zunionstore", -4, statuses("write", "movablekeys"), 99, 99, 1, statuses("@write")),
                array("client", -2, statuses("admin", "noscript", "random"), 0, 0, 0, statuses("@admin")),
                array("smembers", 2, statuses("readonly", "sort_for_script"), 1, 1, 1, statuses("@read")));
        try {
            CommandTable live = CommandTable.fromReplies(reply, null);
            assertThat(status(live, "EVAL s 1 k")).isEqualTo(KeyPositions.Status.PARTIAL);

            CommandTable merged = CommandTable.merge(live, BUNDLED);
            CommandInfo eval = merged.find("eval").orElseThrow();
            assertThat(eval.keySpecs())
                    .isEqualTo(BUNDLED.find("eval").orElseThrow().keySpecs());
            assertThat(keys(merged, "EVAL s 1 k")).containsExactly(3);
            assertThat(status(merged, "EVAL s 1 k")).isEqualTo(KeyPositions.Status.COMPLETE);
            assertThat(eval.flagNames()).as("the source's flags stay").containsExactly("noscript", "movablekeys");

            // Legacy ranges that disagree: the bundled key specs may not describe the source's command.
            assertThat(merged.find("zunionstore").orElseThrow().keySpecs()).isEmpty();

            assertThat(merged.find("client|setname"))
                    .as("subcommands a Redis 6 source does not list")
                    .isPresent();
            assertThat(merged.find("client").orElseThrow().flagNames()).contains("random");
            assertThat(merged.find("smembers").orElseThrow().tips()).contains("nondeterministic_output_order");
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    @Test
    void mergingATableWithItselfChangesNothing() {
        assertThat(CommandTable.merge(BUNDLED, BUNDLED)).isEqualTo(BUNDLED);
    }
}
