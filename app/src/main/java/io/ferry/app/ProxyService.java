package io.ferry.app;

import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;

/** {@code ferry proxy}: one proxy node, drained on SIGTERM or Ctrl-C. */
final class ProxyService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ProxyService.class);

    @Override
    public SettingsSpec spec() {
        return ProxySettings.SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        settings.logEffective(log);
        ProxyConfig config = ProxyConfig.from(settings);
        ProxyServer server = ProxyServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "ferry-proxy-shutdown"));
        stopped.await();
        return Ferry.EXIT_OK;
    }
}
