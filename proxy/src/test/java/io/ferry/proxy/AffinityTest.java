package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class AffinityTest {
    private static final CommandTable TABLE = CommandTable.bundled();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "GET k, SHAREABLE",
        "SET k v, SHAREABLE",
        "HGETALL h, SHAREABLE",
        "EVAL 'return 1' 0, SHAREABLE",
        "FCALL f 0, SHAREABLE",
        "PING, SHAREABLE",
        "ECHO hi, SHAREABLE",
        "PUBLISH ch m, SHAREABLE",
        "PUBSUB CHANNELS, SHAREABLE",
        "INFO, SHAREABLE",
        "XREAD STREAMS s 0, SHAREABLE",
        "XREAD BLOCK 0 STREAMS s $, OWN_CONNECTION",
        "WAIT 1 0, LAST_WRITE",
        "SELECT 1, OWN_CONNECTION",
        "HELLO 3, OWN_CONNECTION",
        "AUTH secret, OWN_CONNECTION",
        "CLIENT SETNAME n, OWN_CONNECTION",
        "CLIENT TRACKING on, OWN_CONNECTION",
        "MULTI, OWN_CONNECTION",
        "WATCH k, OWN_CONNECTION",
        "BLPOP q 0, OWN_CONNECTION",
        "BZPOPMIN z 0, OWN_CONNECTION",
        "SUBSCRIBE ch, OWN_CONNECTION",
        "UNSUBSCRIBE, OWN_CONNECTION",
        "MONITOR, OWN_CONNECTION",
        "DEBUG SLEEP 1, OWN_CONNECTION",
        "CONFIG SET maxmemory 1, OWN_CONNECTION",
        "READONLY, OWN_CONNECTION",
        "RESET, OWN_CONNECTION",
        "NOTACOMMAND x, OWN_CONNECTION"
    })
    void commandsThatMeanTheSameOnAnyConnectionAreShareable(String command, Affinity expected) {
        CommandMessage message = CommandMessage.of(command.replace("'", "").split(" "));
        try {
            assertThat(Affinity.of(TABLE.lookup(message), message)).isEqualTo(expected);
        } finally {
            message.release();
        }
    }
}
