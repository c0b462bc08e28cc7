package io.ferry.proxy.cluster;

import io.ferry.resp.ArrayMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.RespMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTopologyTest {
    private static RespMessage node(String id, int port, String role, String health) {
        return ArrayMessage.of(
                bulk("id"), bulk(id),
                bulk("port"), IntegerMessage.of(port),
                bulk("ip"), bulk("10.0.0.1"),
                bulk("endpoint"), bulk("10.0.0.1"),
                bulk("role"), bulk(role),
                bulk("replication-offset"), IntegerMessage.of(1),
                bulk("health"), bulk(health));
    }

    private static BulkStringMessage bulk(String text) {
        return BulkStringMessage.of(text);
    }

    @Test
    void readsClusterShards() {
        RespMessage reply = ArrayMessage.of(
                ArrayMessage.of(
                        bulk("slots"),
                                ArrayMessage.of(
                                        IntegerMessage.of(0),
                                        IntegerMessage.of(99),
                                        IntegerMessage.of(200),
                                        IntegerMessage.of(16383)),
                        bulk("nodes"),
                                ArrayMessage.of(
                                        node("a", 7000, "master", "online"), node("b", 7001, "replica", "online"))),
                ArrayMessage.of(
                        bulk("slots"), ArrayMessage.of(IntegerMessage.of(100), IntegerMessage.of(199)),
                        bulk("nodes"),
                                ArrayMessage.of(
                                        // After a failover: the old primary failed, its replica promoted.
                                        node("c", 7002, "master", "failed"), node("d", 7003, "master", "online"))));
        ClusterTopology topology = ClusterTopology.fromShards(reply);
        assertThat(topology.ownerOf(0).address()).isEqualTo("10.0.0.1:7000");
        assertThat(topology.ownerOf(150).id()).isEqualTo("d");
        assertThat(topology.ownerOf(16383).port()).isEqualTo(7000);
        assertThat(topology.shards().get(0).replicas())
                .extracting(ClusterNode::id)
                .containsExactly("b");
        assertThat(topology.shards().get(1).replicas())
                .extracting(ClusterNode::id)
                .containsExactly("c");
        assertThat(topology.unservedSlots()).isZero();
        assertThat(topology.masters()).extracting(ClusterNode::id).containsExactly("a", "d");
    }

    @Test
    void readsClusterSlotsGroupingRangesByPrimary() {
        RespMessage reply = ArrayMessage.of(
                ArrayMessage.of(
                        IntegerMessage.of(0),
                        IntegerMessage.of(5000),
                        ArrayMessage.of(bulk("127.0.0.1"), IntegerMessage.of(7000), bulk("a")),
                        ArrayMessage.of(bulk("127.0.0.1"), IntegerMessage.of(7003), bulk("r"))),
                ArrayMessage.of(
                        IntegerMessage.of(5001),
                        IntegerMessage.of(10000),
                        ArrayMessage.of(bulk("127.0.0.1"), IntegerMessage.of(7001), bulk("b"))),
                ArrayMessage.of(
                        IntegerMessage.of(10001),
                        IntegerMessage.of(10010),
                        ArrayMessage.of(bulk("127.0.0.1"), IntegerMessage.of(7000), bulk("a"))));
        ClusterTopology topology = ClusterTopology.fromSlots(reply);
        assertThat(topology.shards()).hasSize(2);
        assertThat(topology.shards().get(0).ranges()).containsExactly(0, 5000, 10001, 10010);
        assertThat(topology.ownerOf(10005).id()).isEqualTo("a");
        assertThat(topology.ownerOf(12000)).isNull();
        assertThat(topology.unservedSlots()).isEqualTo(16384 - 10011);
    }

    @Test
    void refusesWhatIsNotATopology() {
        assertThatThrownBy(() -> ClusterTopology.fromShards(bulk("nope")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: an array");
        assertThatThrownBy(() -> ClusterTopology.fromSlots(ArrayMessage.of(ArrayMessage.of(
                        IntegerMessage.of(0),
                        IntegerMessage.of(20000),
                        ArrayMessage.of(bulk("h"), IntegerMessage.of(1))))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slot range 0-20000");
    }
}
