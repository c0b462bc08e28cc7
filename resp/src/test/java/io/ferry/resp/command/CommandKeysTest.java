package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static io.ferry.resp.command.TestReplies.argsAt;
import static io.ferry.resp.command.TestReplies.command;
import static org.assertj.core.api.Assertions.assertThat;

/** Key positions from the bundled Redis 7.0 key specs, against what Redis's COMMAND GETKEYS answers. */
class CommandKeysTest {

    private static final CommandTable TABLE = CommandTable.bundled();

    /** Each row: a command line (single spaces; two in a row make an empty argument), its keys, the status. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET k                                                  | k          | COMPLETE",
                "get k                                                  | k          | COMPLETE",
                "SET k v EX 10 GET                                      | k          | COMPLETE",
                "MSET a 1 b 2 c 3                                       | a b c      | COMPLETE",
                "MGET a b c                                             | a b c      | COMPLETE",
                "DEL a b c                                              | a b c      | COMPLETE",
                "EVAL script 2 a b arg1 arg2                            | a b        | COMPLETE",
                "EVAL script 0 arg1                                     | ''         | COMPLETE",
                "EVALSHA sha 1 a arg1                                   | a          | COMPLETE",
                "FCALL fn 2 a b arg                                     | a b        | COMPLETE",
                "FCALL_RO fn 1 a                                        | a          | COMPLETE",
                "ZUNIONSTORE dst 2 a b WEIGHTS 1 2                      | dst a b    | COMPLETE",
                "ZINTERSTORE dst 3 a b c AGGREGATE MIN                  | dst a b c  | COMPLETE",
                "ZUNION 2 a b WITHSCORES                                | a b        | COMPLETE",
                "XREAD COUNT 10 BLOCK 0 STREAMS s1 s2 0 $               | s1 s2      | COMPLETE",
                "XREAD STREAMS s1 0                                     | s1         | COMPLETE",
                "XREADGROUP GROUP g c COUNT 1 STREAMS s1 s2 > >         | s1 s2      | COMPLETE",
                "XREADGROUP GROUP streams c STREAMS s1 >                | s1         | COMPLETE",
                "MIGRATE host 6379 k 0 5000                             | k          | COMPLETE",
                "MIGRATE host 6379  0 5000 COPY REPLACE KEYS a b c      | a b c      | COMPLETE",
                "MIGRATE host 6379  0 5000 AUTH2 keys pw KEYS a b       | a b        | COMPLETE",
                "MIGRATE host 6379  0 5000 AUTH keys KEYS a             | a          | COMPLETE",
                "SORT k                                                 | k          | COMPLETE",
                "SORT k LIMIT 0 10 ALPHA STORE dst                      | k dst      | COMPLETE",
                "SORT k LIMIT store 10 DESC                             | k          | COMPLETE",
                "SORT k STORE d1 STORE d2                               | k d2       | COMPLETE",
                "SORT k BY weight_* GET obj_* STORE dst                 | k dst      | PARTIAL",
                "SORT_RO k BY weight_*                                  | k          | PARTIAL",
                "BLMPOP 0 2 l1 l2 LEFT COUNT 3                          | l1 l2      | COMPLETE",
                "LMPOP 3 l1 l2 l3 RIGHT                                 | l1 l2 l3   | COMPLETE",
                "ZMPOP 1 z MIN                                          | z          | COMPLETE",
                "BZMPOP 1.5 2 z1 z2 MAX                                 | z1 z2      | COMPLETE",
                "OBJECT ENCODING k                                      | k          | COMPLETE",
                "object freq k                                          | k          | COMPLETE",
                "GEORADIUS k 15 37 200 km STORE dst                     | k dst      | COMPLETE",
                "GEORADIUS k 15 37 200 km WITHDIST                      | k          | COMPLETE",
                "GEORADIUSBYMEMBER k m 100 km STOREDIST dst             | k dst      | COMPLETE",
                "SINTERCARD 2 a b LIMIT 5                               | a b        | COMPLETE",
                "BITOP AND dst a b c                                    | dst a b c  | COMPLETE",
                "RENAME old new                                         | old new    | COMPLETE",
                "LMOVE src dst LEFT RIGHT                               | src dst    | COMPLETE",
                "BLMOVE src dst LEFT RIGHT 0                            | src dst    | COMPLETE",
                "COPY src dst DB 1 REPLACE                              | src dst    | COMPLETE",
                "BLPOP a b 0                                            | a b        | COMPLETE",
                "XINFO STREAM s FULL                                    | s          | COMPLETE",
                "XGROUP CREATE s g $ MKSTREAM                           | s          | COMPLETE",
                "MEMORY USAGE k SAMPLES 5                               | k          | COMPLETE",
                "LCS a b LEN                                            | a b        | COMPLETE",
                "PUBLISH channel message                                | ''         | COMPLETE",
                "SPUBLISH channel message                               | ''         | COMPLETE",
                "SSUBSCRIBE c1 c2                                       | ''         | COMPLETE",
                "CLIENT SETNAME conn                                    | ''         | COMPLETE",
                "PING                                                   | ''         | COMPLETE",
                "FLUSHALL ASYNC                                         | ''         | COMPLETE",
            })
    void locatesKeysAsRedisDoes(String line, String keys, KeyPositions.Status status) {
        CommandMessage command = command(line.strip());
        try {
            KeyPositions positions = TABLE.findKeys(command, new KeyPositions());
            assertThat(argsAt(command, positions)).as(line).isEqualTo(words(keys));
            assertThat(positions.status()).as(line).isEqualTo(status);
            assertThat(TABLE.keyIndexes(command)).isEqualTo(positions.toArray());
        } finally {
            command.release();
        }
    }

    @Test
    void reportsHowEachKeyIsUsed() {
        CommandMessage command = command("BITOP OR dst a b");
        try {
            KeyPositions positions = TABLE.findKeys(command, new KeyPositions());
            assertThat(positions.count()).isEqualTo(3);
            assertThat(positions.spec(0).flags()).contains(KeySpecFlag.OW, KeySpecFlag.UPDATE);
            assertThat(positions.spec(0).mayModify()).isTrue();
            assertThat(positions.spec(1).flags()).contains(KeySpecFlag.RO, KeySpecFlag.ACCESS);
            assertThat(positions.spec(2).mayModify()).isFalse();
        } finally {
            command.release();
        }
    }

    @Test
    void keyIndexesAreArgumentIndexes() {
        CommandMessage command = command("ZINTERSTORE dst 2 a b");
        try {
            assertThat(TABLE.keyIndexes(command)).containsExactly(1, 3, 4);
        } finally {
            command.release();
        }
    }

    /** A bogus count must be bounded by the arguments present, never trusted, and never throw. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "EVAL s 3 a b",
                "EVAL s 1000000 a",
                "EVAL s 2147483647 a",
                "EVAL s 2147483648 a",
                "EVAL s 99999999999999999999 a",
                "EVAL s -1 a",
                "EVAL s -2147483648 a",
                "EVAL s abc a",
                "EVAL s +1 a",
                "EVAL s 01 a",
                "EVAL s 1.0 a",
                "EVAL s  a",
                "EVAL s",
                "EVAL",
                "FCALL f 5",
                "ZUNIONSTORE dst 9 a b",
                "ZUNIONSTORE dst",
                "LMPOP 2 a",
                "BLMPOP 0 -3 a b LEFT",
                "SINTERCARD 4 a",
                "GET",
                "MGET",
                "RENAME a",
                "OBJECT ENCODING",
                "MIGRATE h 1",
                "MIGRATE h 6379 notempty 0 5000 KEYS a",
            })
    void malformedArgumentsGiveNoKeys(String line) {
        CommandMessage command = command(line);
        try {
            KeyPositions positions = TABLE.findKeys(command, new KeyPositions());
            assertThat(positions.status()).as(line).isEqualTo(KeyPositions.Status.MALFORMED);
            assertThat(positions.count()).isZero();
        } finally {
            command.release();
        }
    }

    @Test
    void everyIndexIsBelowTheArgumentCountForAnyPrefixOfAnyCommand() {
        // Every command, cut short at every length: indexes stay in range and nothing throws.
        List<String> lines = List.of(
                "EVAL s 3 a b c x y",
                "XREAD COUNT 1 BLOCK 0 STREAMS a b 0 0",
                "XREADGROUP GROUP g c STREAMS a 0",
                "MIGRATE h 6379  0 5000 KEYS a b",
                "SORT k BY x GET y LIMIT 0 1 STORE d",
                "GEORADIUS k 1 2 3 km STORE d STOREDIST e",
                "ZUNIONSTORE d 2 a b",
                "BITOP AND d a b",
                "MSET a 1 b 2");
        KeyPositions positions = new KeyPositions();
        for (String line : lines) {
            String[] words = line.split(" ", -1);
            for (int length = 1; length <= words.length; length++) {
                CommandMessage command = CommandMessage.of(Arrays.copyOf(words, length));
                try {
                    TABLE.findKeys(command, positions);
                    for (int i = 0; i < positions.count(); i++) {
                        assertThat(positions.index(i)).isBetween(1, length - 1);
                    }
                } finally {
                    command.release();
                }
            }
        }
    }

    @Test
    void aKeywordInTheLastArgumentHasNoKeyAfterIt() {
        CommandMessage command = command("XREAD COUNT 1 STREAMS");
        try {
            KeyPositions positions = TABLE.findKeys(command, new KeyPositions());
            assertThat(positions.count()).isZero();
        } finally {
            command.release();
        }
    }

    @Test
    void positionsAreReusedAndGrowWithTheArguments() {
        KeyPositions positions = new KeyPositions();
        String[] args = new String[1 + 2 * 100];
        args[0] = "MSET";
        for (int i = 0; i < 100; i++) {
            args[1 + 2 * i] = "k" + i;
            args[2 + 2 * i] = "v" + i;
        }
        CommandMessage big = CommandMessage.of(args);
        CommandMessage small = command("GET only");
        try {
            assertThat(TABLE.findKeys(big, positions).count()).isEqualTo(100);
            assertThat(positions.index(99)).isEqualTo(199);
            assertThat(argsAt(small, TABLE.findKeys(small, positions))).containsExactly("only");
        } finally {
            big.release();
            small.release();
        }
    }

    @Test
    void unknownCommandsHaveUnlocatedKeys() {
        CommandMessage command = command("JSON.SET k $ 1");
        try {
            KeyPositions positions = TABLE.findKeys(command, new KeyPositions());
            assertThat(positions.count()).isZero();
            assertThat(positions.status()).isEqualTo(KeyPositions.Status.PARTIAL);
        } finally {
            command.release();
        }
    }

    @Test
    void binaryKeysAreLocatedByPosition() {
        CommandMessage command = CommandMessage.of(
                Unpooled.copiedBuffer("get".getBytes()), Unpooled.wrappedBuffer(new byte[] {0, (byte) 0xff, '\r'}));
        try {
            assertThat(TABLE.keyIndexes(command)).containsExactly(1);
        } finally {
            command.release();
        }
    }

    @Test
    void findingKeysAllocatesNothing() {
        List<CommandMessage> commands = List.of(
                command("GET k"),
                command("MSET a 1 b 2"),
                command("EVAL s 2 a b x"),
                command("XREADGROUP GROUP g c COUNT 1 BLOCK 0 STREAMS s1 s2 > >"),
                command("MIGRATE h 6379  0 5000 KEYS a b"),
                command("SORT k LIMIT 0 1 STORE d"),
                command("OBJECT ENCODING k"),
                command("EVAL s 99 a"),
                command("NOSUCHCOMMAND k"));
        KeyPositions positions = new KeyPositions();
        Runnable work = () -> {
            for (int round = 0; round < 2_000; round++) {
                // Indexed, as a for-each would allocate an iterator per round.
                for (int i = 0; i < commands.size(); i++) {
                    CommandMessage command = commands.get(i);
                    CommandInfo info = TABLE.lookup(command);
                    info.findKeys(command, positions);
                    info.kindOf(command);
                    info.isWrite();
                }
            }
        };
        try {
            for (int warmUp = 0; warmUp < 5; warmUp++) {
                work.run();
            }
            assertThat(TestReplies.allocatedBytesDuring(work))
                    .as("bytes allocated by 18,000 lookups, classifications and key searches")
                    .isLessThan(1024);
        } finally {
            commands.forEach(CommandMessage::release);
        }
    }

    private static List<String> words(String keys) {
        String trimmed = keys.strip();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split(" +"));
    }
}
