package io.ferry.capture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FlowTableTest {
    @Test
    void addressesAreWrittenAsUsual() {
        assertThat(FlowTable.address(false, 0, 0x7F00_0001L, 51234)).isEqualTo("127.0.0.1:51234");
        assertThat(FlowTable.address(true, 0, 1, 6379)).isEqualTo("[::1]:6379");
        assertThat(FlowTable.ipv6Text(0x2001_0db8_0000_0000L, 0x0000_0000_0000_0001L))
                .isEqualTo("2001:db8::1");
        assertThat(FlowTable.ipv6Text(0x2001_0db8_0000_0001L, 0x0000_0000_0001_0001L))
                .isEqualTo("2001:db8:0:1::1:1");
        assertThat(FlowTable.ipv6Text(0, 0)).isEqualTo("::");
        assertThat(FlowTable.ipv6Text(0xfe80_0000_0000_0000L, 0x0211_22ff_fe33_4455L))
                .isEqualTo("fe80::211:22ff:fe33:4455");
        assertThat(FlowTable.ipv6Text(0x2001_0db8_0001_0002L, 0x0003_0004_0005_0000L))
                .isEqualTo("2001:db8:1:2:3:4:5:0");
    }
}
