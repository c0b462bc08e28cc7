package io.ferry.workload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryRecordTest {
    @Test
    void aRecordIsOneLineAndReadsBackTheSame() {
        HistoryRecord record = new HistoryRecord(
                3,
                42,
                1_700_000_000_000L,
                1_700_000_000_007L,
                HistoryRecord.Outcome.ERROR,
                "-ERR a\ttab, a\nnewline and a \\ backslash",
                List.of("SET", "wl:3:str:7", "value\twith\ttabs", "EX", "600"));

        String line = record.toLine();

        assertThat(line).doesNotContain("\n").startsWith("3\t42\t1700000000000\t1700000000007\tERROR\t");
        assertThat(HistoryRecord.parse(line)).isEqualTo(record);
    }

    @Test
    void repliesKeepTheirType() {
        HistoryRecord incr = HistoryRecord.parse("0\t1\t10\t11\tACK\t:5\tINCR\tk");
        HistoryRecord pop = HistoryRecord.parse("0\t2\t10\t11\tACK\t_\tLPOP\tk");

        assertThat(incr.replyType()).isEqualTo(':');
        assertThat(incr.replyLong()).isEqualTo(5);
        assertThat(incr.key()).isEqualTo("k");
        assertThat(pop.replyType()).isEqualTo('_');
    }

    @Test
    void aBrokenLineIsRefusedSayingWhy() {
        assertThatThrownBy(() -> HistoryRecord.parse("0\t1\t10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 fields (expected: at least 8)");
        assertThatThrownBy(() -> HistoryRecord.parse("x\t1\t10\t11\tACK\t:1\tINCR\tk"))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> HistoryRecord.parse("0\t1\t10\t11\tMAYBE\t:1\tINCR\tk"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HistoryRecord.parse("0\t1\t10\t11\tACK\t:1\tINCR\tk\\q"))
                .hasMessageContaining("unknown escape");
    }

    @Test
    void theWriterKeepsEveryRecordOfEveryThreadInItsThreadsOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history");
        // A queue of 4 for 4 threads x 500 records: the writers wait on the disk, nothing is dropped.
        try (HistoryWriter writer = new HistoryWriter(file, 4, "test")) {
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int connection = c;
                Thread thread = new Thread(() -> {
                    for (int seq = 0; seq < 500; seq++) {
                        try {
                            writer.append(new HistoryRecord(
                                    connection,
                                    seq,
                                    seq,
                                    seq,
                                    HistoryRecord.Outcome.ACK,
                                    ":" + seq,
                                    List.of("INCR", "k" + connection)));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }

        assertThat(Files.readAllLines(file).get(0)).startsWith(HistoryRecord.HEADER);
        long[] next = new long[4];
        long count = HistoryWriter.read(file, record -> {
            assertThat(record.seq()).isEqualTo(next[record.connection()]);
            next[record.connection()]++;
        });
        assertThat(count).isEqualTo(2000);
        assertThat(next).containsOnly(500);
    }

    @Test
    void aFileThatIsNotAHistoryIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("other");
        Files.writeString(file, "hello\n");

        assertThatThrownBy(() -> HistoryWriter.read(file, record -> {}))
                .hasMessageContaining("is not a workload history");
    }
}
