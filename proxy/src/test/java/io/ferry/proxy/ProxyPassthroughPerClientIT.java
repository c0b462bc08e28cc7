package io.ferry.proxy;

import io.lettuce.core.protocol.ProtocolVersion;
import org.junit.jupiter.api.BeforeAll;

/** The whole passthrough suite again, with every client on its own source connection from the start. */
class ProxyPassthroughPerClientIT extends ProxyPassthroughIT {
    @BeforeAll
    static void start() throws InterruptedException {
        proxy = ProxyServer.start(ProxyHarness.config(redis.source()).toBuilder()
                .sourceConnections(SourceConnections.PER_CLIENT)
                .build());
        resp2 = ProxyHarness.client(ProtocolVersion.RESP2);
        resp3 = ProxyHarness.client(ProtocolVersion.RESP3);
    }
}
