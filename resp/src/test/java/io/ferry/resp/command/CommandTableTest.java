package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static io.ferry.resp.command.TestReplies.command;
import static org.assertj.core.api.Assertions.assertThat;

class CommandTableTest {

    private static final CommandTable TABLE = CommandTable.bundled();

    @Test
    void bundledTableHoldsRedis70() {
        assertThat(TABLE.size()).isGreaterThan(200);
        assertThat(TABLE.allCommands()).hasSizeGreaterThan(350);
        assertThat(CommandTable.bundled()).isSameAs(TABLE);
        assertThat(TABLE.find("client").orElseThrow().subcommands()).hasSizeGreaterThan(15);

        CommandInfo get = TABLE.find("get").orElseThrow();
        assertThat(get.arity()).isEqualTo(2);
        assertThat(get.flags()).containsExactlyInAnyOrder(CommandFlag.READONLY, CommandFlag.FAST);
        assertThat(get.aclCategories()).containsExactly("@read", "@string", "@fast");
        assertThat(get.firstKey()).isEqualTo(1);
        assertThat(get.lastKey()).isEqualTo(1);
        assertThat(get.keyStep()).isEqualTo(1);
        assertThat(get.keySpecs())
                .containsExactly(KeySpec.of(
                        java.util.EnumSet.of(KeySpecFlag.RO, KeySpecFlag.ACCESS),
                        new BeginSearch.Index(1),
                        new FindKeys.Range(0, 1, 0)));
        assertThat(get.docs().summary()).isEqualTo("Get the value of a key");
        assertThat(get.docs().since()).isEqualTo("1.0.0");
    }

    @Test
    void keepsTheKeySpecForms() {
        assertThat(TABLE.find("xread").orElseThrow().keySpecs().get(0).beginSearch())
                .isEqualTo(new BeginSearch.Keyword("STREAMS", 1));
        assertThat(TABLE.find("xread").orElseThrow().keySpecs().get(0).findKeys())
                .isEqualTo(new FindKeys.Range(-1, 1, 2));
        assertThat(TABLE.find("migrate").orElseThrow().keySpecs().get(1).beginSearch())
                .isEqualTo(new BeginSearch.Keyword("KEYS", -2));
        assertThat(TABLE.find("migrate").orElseThrow().keySpecs().get(1).isComplete())
                .isFalse();
        assertThat(TABLE.find("eval").orElseThrow().keySpecs().get(0).findKeys())
                .isEqualTo(new FindKeys.KeyNum(0, 1, 1));
        assertThat(TABLE.find("sort").orElseThrow().keySpecs().get(1).beginSearch())
                .isEqualTo(new BeginSearch.Unknown());
        assertThat(TABLE.find("set").orElseThrow().keySpecs().get(0).flags()).contains(KeySpecFlag.VARIABLE_FLAGS);
        assertThat(TABLE.find("spublish").orElseThrow().keySpecs().get(0).isNotKey())
                .isTrue();
        assertThat(TABLE.find("eval").orElseThrow().keySpecs().get(0).notes()).isNotEmpty();
    }

    @Test
    void keepsTheDocumentedGroup() {
        assertThat(TABLE.find("get").orElseThrow().group()).isEqualTo("string");
        assertThat(TABLE.find("hset").orElseThrow().group()).isEqualTo("hash");
        assertThat(TABLE.find("lpush").orElseThrow().group()).isEqualTo("list");
        assertThat(TABLE.find("sadd").orElseThrow().group()).isEqualTo("set");
        assertThat(TABLE.find("zadd").orElseThrow().group()).isEqualTo("sorted-set");
        assertThat(TABLE.find("xadd").orElseThrow().group()).isEqualTo("stream");
        assertThat(TABLE.find("publish").orElseThrow().group()).isEqualTo("pubsub");
        assertThat(TABLE.find("config|get").orElseThrow().group()).isEqualTo("server");
        assertThat(TABLE.find("georadius").orElseThrow().docs().isDeprecated()).isTrue();
        assertThat(TABLE.find("georadius").orElseThrow().docs().replacedBy()).contains("GEOSEARCH");
    }

    @Test
    void everyEntryIsNamedAndClassified() {
        for (CommandInfo info : TABLE.allCommands()) {
            assertThat(info.isKnown()).isTrue();
            assertThat(info.name()).isLowerCase().isNotEmpty();
            assertThat(info.kind()).as(info.name()).isNotNull();
            if (!info.hasSubcommands()) {
                assertThat(info.kind()).as(info.name()).isNotEqualTo(CommandKind.UNKNOWN);
                assertThat(info.docs()).as(info.name()).isNotEqualTo(CommandDocs.NONE);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "GET k, get",
        "gEt k, get",
        "get k, get",
        "CLIENT SETNAME x, client|setname",
        "client setname x, client|setname",
        "Client SetName x, client|setname",
        "CONFIG GET maxmemory, config|get",
        "config set maxmemory 1, config|set",
        "OBJECT ENCODING k, object|encoding",
        "XINFO STREAM s, xinfo|stream",
        "XGROUP CREATE s g $, xgroup|create",
        "FUNCTION LOAD code, function|load",
        "SCRIPT FLUSH, script|flush",
        "MEMORY USAGE k, memory|usage",
        "ACL WHOAMI, acl|whoami",
        "CLUSTER INFO, cluster|info",
        "COMMAND DOCS, command|docs",
        "PUBSUB NUMSUB c, pubsub|numsub",
        "LATENCY LATEST, latency|latest",
        "MODULE LIST, module|list",
        "SLOWLOG GET 10, slowlog|get",
        "CONFIG NOSUCH, config",
        "CONFIG, config",
        "COMMAND, command",
    })
    void looksUpCommandsAndSubcommandsIgnoringCase(String line, String expected) {
        CommandMessage command = command(line);
        try {
            assertThat(TABLE.lookup(command).name()).isEqualTo(expected);
            assertThat(TABLE.find(expected.toUpperCase()).orElseThrow().name()).isEqualTo(expected);
        } finally {
            command.release();
        }
    }

    @Test
    void unknownCommandsAreWrites() {
        for (String line : new String[] {"NOSUCH k", "GETT k", "GE k", "", "get\u00e9 k", "JSON.SET k $ 1"}) {
            CommandMessage command = command(line);
            try {
                CommandInfo info = TABLE.lookup(command);
                assertThat(info.isKnown()).as(line).isFalse();
                assertThat(info.kind()).as(line).isEqualTo(CommandKind.UNKNOWN);
                assertThat(info.kindOf(command)).as(line).isEqualTo(CommandKind.UNKNOWN);
                assertThat(info.isWrite()).as(line).isTrue();
                assertThat(info.isReadOnly()).as(line).isFalse();
                assertThat(info.noKeys()).as(line).isFalse();
            } finally {
                command.release();
            }
        }
        assertThat(TABLE.find("nosuch")).isEmpty();
        assertThat(TABLE.find("client|nosuch")).isEmpty();
    }

    @Test
    void aContainerWithoutAKnownSubcommandIsAWrite() {
        CommandMessage config = command("CONFIG NOSUCH x");
        CommandMessage client = command("CLIENT NOSUCH");
        try {
            assertThat(TABLE.lookup(config).kind()).isEqualTo(CommandKind.UNKNOWN);
            assertThat(TABLE.lookup(config).isWrite()).isTrue();
            // Whatever it is, a CLIENT command keeps its connection semantics.
            assertThat(TABLE.lookup(client).kind()).isEqualTo(CommandKind.CONNECTION);
            assertThat(TABLE.lookup(client).isWrite()).isTrue();
        } finally {
            config.release();
            client.release();
        }
    }

    @Test
    void aHugeNameIsUnknownWithoutBeingRead() {
        byte[] name = new byte[1 << 20];
        Arrays.fill(name, (byte) 'a');
        CommandMessage command = CommandMessage.of(Unpooled.wrappedBuffer(name));
        try {
            long allocated = TestReplies.allocatedBytesDuring(() -> TABLE.lookup(command));
            assertThat(TABLE.lookup(command).isKnown()).isFalse();
            assertThat(allocated).isLessThan(1024);
        } finally {
            command.release();
        }
    }

    @Test
    void lookupAllocatesNothing() {
        CommandMessage[] commands = {
            command("get k"),
            command("CLIENT SETNAME n"),
            command("config nosuch"),
            command("nosuch"),
            command("XREAD STREAMS s 0")
        };
        Runnable work = () -> {
            for (int i = 0; i < 10_000; i++) {
                for (CommandMessage command : commands) {
                    CommandInfo info = TABLE.lookup(command);
                    info.kind();
                    info.kindOf(command);
                    info.isBlocking(command);
                }
            }
        };
        try {
            work.run();
            work.run();
            assertThat(TestReplies.allocatedBytesDuring(work)).isLessThan(1024);
        } finally {
            for (CommandMessage command : commands) {
                command.release();
            }
        }
    }

    @Test
    void equalTablesFromTheSameReplies() {
        assertThat(TABLE).isEqualTo(CommandTable.merge(TABLE, TABLE));
        assertThat(TABLE.hashCode()).isEqualTo(CommandTable.merge(TABLE, TABLE).hashCode());
        assertThat(TABLE.toString()).contains("240 commands");
    }
}
