package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.ferry.resp.command.TestReplies.command;
import static org.assertj.core.api.Assertions.assertThat;

/** Kinds and flags Ferry derives from the bundled Redis 7.0 metadata. */
class CommandClassificationTest {

    private static final CommandTable TABLE = CommandTable.bundled();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "get, READ",
        "mget, READ",
        "hgetall, READ",
        "zrange, READ",
        "xrange, READ",
        "object|encoding, READ",
        "memory|usage, READ",
        "scan, READ",
        "sort_ro, READ",
        "set, WRITE",
        "del, WRITE",
        "incr, WRITE",
        "sort, WRITE",
        "migrate, WRITE",
        "restore, WRITE",
        "flushall, WRITE",
        "swapdb, WRITE",
        "xgroup|create, WRITE",
        "multi, TRANSACTION",
        "exec, TRANSACTION",
        "discard, TRANSACTION",
        "watch, TRANSACTION",
        "unwatch, TRANSACTION",
        "eval, SCRIPTING",
        "evalsha, SCRIPTING",
        "eval_ro, SCRIPTING",
        "evalsha_ro, SCRIPTING",
        "fcall, SCRIPTING",
        "fcall_ro, SCRIPTING",
        "function|load, SCRIPTING",
        "function|list, SCRIPTING",
        "script|load, SCRIPTING",
        "script|flush, SCRIPTING",
        "subscribe, PUBSUB",
        "psubscribe, PUBSUB",
        "ssubscribe, PUBSUB",
        "unsubscribe, PUBSUB",
        "punsubscribe, PUBSUB",
        "sunsubscribe, PUBSUB",
        "publish, PUBSUB",
        "spublish, PUBSUB",
        "pubsub|channels, PUBSUB",
        "blpop, BLOCKING",
        "brpop, BLOCKING",
        "brpoplpush, BLOCKING",
        "blmove, BLOCKING",
        "blmpop, BLOCKING",
        "bzpopmin, BLOCKING",
        "bzmpop, BLOCKING",
        "xread, BLOCKING",
        "xreadgroup, BLOCKING",
        "wait, BLOCKING",
        "select, CONNECTION",
        "auth, CONNECTION",
        "hello, CONNECTION",
        "client|setname, CONNECTION",
        "client|kill, CONNECTION",
        "client|tracking, CONNECTION",
        "reset, CONNECTION",
        "quit, CONNECTION",
        "readonly, CONNECTION",
        "readwrite, CONNECTION",
        "asking, CONNECTION",
        "ping, CONNECTION",
        "echo, CONNECTION",
        "config|set, ADMIN",
        "config|get, ADMIN",
        "shutdown, ADMIN",
        "debug, ADMIN",
        "monitor, ADMIN",
        "replicaof, ADMIN",
        "bgsave, ADMIN",
        "acl|setuser, ADMIN",
        "pfdebug, ADMIN",
        "info, SERVER",
        "time, SERVER",
        "role, SERVER",
        "lastsave, SERVER",
        "command|docs, SERVER",
        "cluster|info, SERVER",
        "memory|stats, SERVER",
        "config, UNKNOWN",
    })
    void classifies(String name, CommandKind kind) {
        assertThat(TABLE.find(name).orElseThrow().kind()).isEqualTo(kind);
    }

    @Test
    void writesIncludeScriptsThatMayWriteButNotReadOnlyOnes() {
        assertThat(info("set").isWrite()).isTrue();
        assertThat(info("pfdebug").isWrite()).as("admin and write").isTrue();
        assertThat(info("eval").isWrite()).as("no write flag, but RW keys").isTrue();
        assertThat(info("evalsha").isWrite()).isTrue();
        assertThat(info("fcall").isWrite()).isTrue();
        assertThat(info("function|load").isWrite()).isTrue();
        assertThat(info("eval_ro").isWrite()).isFalse();
        assertThat(info("eval_ro").isReadOnly()).isTrue();
        assertThat(info("fcall_ro").isWrite()).isFalse();
        assertThat(info("pfcount").isWrite())
                .as("readonly flag wins over its RW key spec")
                .isFalse();
        assertThat(info("get").isWrite()).isFalse();
        assertThat(info("get").isReadOnly()).isTrue();
        assertThat(info("set").isReadOnly()).isFalse();
        assertThat(info("ping").isWrite()).isFalse();
        assertThat(info("publish").isWrite()).isFalse();
        assertThat(info("info").isWrite()).isFalse();
    }

    @Test
    void blockingIsPerInvocationForXreadAndXreadgroup() {
        assertThat(kindOf("XREAD COUNT 1 STREAMS s 0")).isEqualTo(CommandKind.READ);
        assertThat(kindOf("XREAD COUNT 1 BLOCK 0 STREAMS s 0")).isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("xread block 100 streams s $")).isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("XREAD STREAMS BLOCK 0"))
                .as("BLOCK is a stream name after STREAMS")
                .isEqualTo(CommandKind.READ);
        assertThat(kindOf("XREADGROUP GROUP g c STREAMS s >")).isEqualTo(CommandKind.WRITE);
        assertThat(kindOf("XREADGROUP GROUP g c BLOCK 0 STREAMS s >")).isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("XREADGROUP GROUP BLOCK BLOCK STREAMS s >"))
                .as("group and consumer named BLOCK")
                .isEqualTo(CommandKind.WRITE);
        assertThat(kindOf("XREADGROUP GROUP g c COUNT 5 NOACK BLOCK 5 STREAMS s >"))
                .isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("BLPOP l 0")).isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("WAIT 1 0")).isEqualTo(CommandKind.BLOCKING);
        assertThat(kindOf("GET k")).isEqualTo(CommandKind.READ);

        assertThat(info("xread").isBlocking()).isTrue();
        assertThat(info("wait").isBlocking()).isTrue();
        assertThat(info("blmove").isBlocking()).isTrue();
        assertThat(info("lmove").isBlocking()).isFalse();
        assertThat(info("get").isBlocking()).isFalse();
        CommandMessage xread = command("XREAD STREAMS s 0");
        CommandMessage blpop = command("BLPOP l 1");
        try {
            assertThat(TABLE.lookup(xread).isBlocking(xread)).isFalse();
            assertThat(TABLE.lookup(blpop).isBlocking(blpop)).isTrue();
        } finally {
            xread.release();
            blpop.release();
        }
    }

    @Test
    void nondeterminismComesFromTips() {
        assertThat(info("randomkey").isNondeterministic()).isTrue();
        assertThat(info("spop").isNondeterministic()).isTrue();
        assertThat(info("time").isNondeterministic()).isTrue();
        assertThat(info("smembers").isNondeterministic()).isTrue();
        assertThat(info("smembers").isOutputOrderNondeterministic()).isTrue();
        assertThat(info("hgetall").isOutputOrderNondeterministic()).isTrue();
        assertThat(info("keys").isOutputOrderNondeterministic()).isTrue();
        assertThat(info("randomkey").isOutputOrderNondeterministic()).isFalse();
        assertThat(info("get").isNondeterministic()).isFalse();
        assertThat(info("lrange").isNondeterministic()).isFalse();
    }

    @Test
    void clusterPoliciesComeFromTips() {
        assertThat(info("dbsize").requestPolicy()).contains("all_shards");
        assertThat(info("dbsize").responsePolicy()).contains("agg_sum");
        assertThat(info("mset").requestPolicy()).contains("multi_shard");
        assertThat(info("get").requestPolicy()).isEmpty();
    }

    @Test
    void noKeys() {
        assertThat(info("ping").noKeys()).isTrue();
        assertThat(info("publish").noKeys()).isTrue();
        assertThat(info("spublish").noKeys()).as("a shard channel is not a key").isTrue();
        assertThat(info("client|setname").noKeys()).isTrue();
        assertThat(info("info").noKeys()).isTrue();
        assertThat(info("flushall").noKeys()).isTrue();
        assertThat(info("get").noKeys()).isFalse();
        assertThat(info("eval").noKeys()).isFalse();
        assertThat(info("sort").noKeys()).isFalse();
        assertThat(info("client").noKeys()).as("a container: keys unknown").isFalse();
    }

    @Test
    void keepsEveryFlagAndCategory() {
        assertThat(info("set").flagNames()).containsExactly("write", "denyoom");
        assertThat(info("client|kill").flags())
                .contains(CommandFlag.ADMIN, CommandFlag.NOSCRIPT, CommandFlag.LOADING, CommandFlag.STALE);
        assertThat(info("auth").has(CommandFlag.NO_AUTH)).isTrue();
        assertThat(info("eval").has(CommandFlag.NO_MANDATORY_KEYS)).isTrue();
        assertThat(info("eval").has(CommandFlag.MOVABLEKEYS)).isTrue();
        assertThat(info("exec").has(CommandFlag.SKIP_SLOWLOG)).isTrue();
        assertThat(info("blpop").aclCategories()).contains("@blocking", "@list");
    }

    private static CommandInfo info(String name) {
        return TABLE.find(name).orElseThrow();
    }

    private static CommandKind kindOf(String line) {
        CommandMessage command = command(line);
        try {
            return TABLE.lookup(command).kindOf(command);
        } finally {
            command.release();
        }
    }
}
