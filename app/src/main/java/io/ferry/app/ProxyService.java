package io.ferry.app;

import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;

/** {@code ferry proxy}: one proxy node, drained on SIGTERM or Ctrl-C. */
final class ProxyService implements Service {
    private static final Logger log = LoggerFactory.getLogger(ProxyService.class);

    /** The proxy's own settings and where its meters go. */
    static final SettingsSpec SPEC = new SettingsSpec(
            ProxySettings.SPEC.service(),
            ProxySettings.SPEC.description(),
            Metrics.define(new ConfigDef(ProxySettings.SPEC.definition())),
            ProxySettings.SPEC.rules());

    @Override
    public SettingsSpec spec() {
        return SPEC;
    }

    @Override
    public int run(Settings settings) throws Exception {
        settings.logEffective(log);
        ProxyConfig config = ProxyConfig.from(settings);
        Metrics metrics = Metrics.open("proxy", settings);
        ProxyServer server = ProxyServer.start(config, metrics.registry());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            metrics.close();
                            stopped.countDown();
                        },
                        "ferry-proxy-shutdown"));
        stopped.await();
        return Ferry.EXIT_OK;
    }
}
