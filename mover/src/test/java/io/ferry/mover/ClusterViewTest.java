package io.ferry.mover;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a cluster scan reads CLUSTER NODES: who serves which slot, and what the answering node is doing itself. */
class ClusterViewTest {
    private static final String NODES = String.join(
            "\n",
            "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [5461-<-b2] [100->-c3]",
            "b2 127.0.0.1:7001@17001,host-b master - 0 1 2 connected 5461-10922",
            "c3 127.0.0.1:7002@17002 master - 0 1 3 connected 10923-16383",
            "d4 127.0.0.1:7003@17003 slave a1 0 1 1 connected",
            "e5 127.0.0.1:7004@17004 master,fail - 0 1 4 disconnected 12000",
            "");

    @Test
    void mastersServingSlotsAreListedByAddressWithoutFailedOnes() {
        ClusterScan.View view = ClusterScan.View.parse(NODES);

        assertThat(view.masters()).containsOnlyKeys("127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002");
        assertThat(ClusterScan.ranges(view.masters().get("127.0.0.1:7000"))).isEqualTo("0-5460");
        assertThat(ClusterScan.ranges(view.masters().get("127.0.0.1:7001"))).isEqualTo("5461-10922");
    }

    @Test
    void theAnsweringNodeSaysWhatItServesAndWhatItIsMigratingOrImporting() {
        ClusterScan.View.Self self = ClusterScan.View.parse(NODES).self();

        assertThat(self.master()).isTrue();
        assertThat(ClusterScan.ranges(self.slots())).isEqualTo("0-5460");
        assertThat(ClusterScan.ranges(self.moving())).isEqualTo("100,5461");
    }

    @Test
    void aReplicaServesNothing() {
        ClusterScan.View.Self self = ClusterScan.View.parse("d4 127.0.0.1:7003@17003 myself,slave a1 0 1 1 connected\n"
                        + "a1 127.0.0.1:7000@17000 master - 0 0 1 connected 0-16383")
                .self();

        assertThat(self.master()).isFalse();
        assertThat(self.slots().isEmpty()).isTrue();
    }

    @Test
    void whatANodeServedIsKeptInACheckpointAndReadBack() {
        ClusterScan.View.Self self = ClusterScan.View.parse(NODES).self();

        String kept = self.encode();

        assertThat(kept).isEqualTo("master|0-5460|100,5461");
        assertThat(ClusterScan.View.Self.decode(kept)).isEqualTo(self);
        assertThat(ClusterScan.View.Self.decode("replica||").master()).isFalse();
        assertThatThrownBy(() -> ClusterScan.View.Self.decode("master|0-99999|"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0-99999");
    }

    @Test
    void slotsPrintAsRanges() {
        BitSet slots = new BitSet();
        slots.set(0, 3);
        slots.set(7);
        slots.set(10, 12);

        assertThat(ClusterScan.ranges(slots)).isEqualTo("0-2,7,10-11");
        assertThat(ClusterScan.ranges(new BitSet())).isEmpty();
    }
}
