package io.ferry.app;

import com.sun.net.httpserver.HttpServer;
import io.ferry.settings.HostPort;
import io.ferry.settings.Settings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.datadog.DatadogConfig;
import io.micrometer.datadog.DatadogMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's meters, exported where its settings say: a Prometheus scrape endpoint ({@code GET /metrics} on
 * {@code metrics.prometheus-listen}), Datadog ({@code metrics.datadog.api-key}, posted every
 * {@code metrics.datadog.step-seconds} to {@code metrics.datadog.uri}), both, or neither (kept in memory). Every
 * meter is tagged with the service's name and {@code metrics.tags}; JVM memory, GC, threads and CPU are bound too.
 * {@link #close} flushes Datadog and stops the endpoint. The API key is a secret: never logged.
 */
final class Metrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);

    static final String PROMETHEUS_LISTEN = "metrics.prometheus-listen";
    static final String DATADOG_API_KEY = "metrics.datadog.api-key";
    static final String DATADOG_URI = "metrics.datadog.uri";
    static final String DATADOG_STEP_SECONDS = "metrics.datadog.step-seconds";
    static final String TAGS = "metrics.tags";

    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final List<AutoCloseable> closers = new ArrayList<>();
    private HttpServer server;

    /** The metrics settings, added to a service's. */
    static ConfigDef define(ConfigDef definition) {
        return definition
                .define(
                        PROMETHEUS_LISTEN,
                        Type.STRING,
                        "",
                        (name, value) -> {
                            if (value != null && !((String) value).isEmpty()) {
                                HostPort.parse((String) value);
                            }
                        },
                        Importance.LOW,
                        "host:port of a Prometheus scrape endpoint (GET /metrics); empty: none.")
                .define(
                        DATADOG_API_KEY,
                        Type.PASSWORD,
                        null,
                        Importance.LOW,
                        "Datadog API key: when set, meters are posted to Datadog.")
                .define(
                        DATADOG_URI,
                        Type.STRING,
                        "https://api.datadoghq.com",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.LOW,
                        "Datadog's API for your site, e.g. https://api.datadoghq.eu.")
                .define(
                        DATADOG_STEP_SECONDS,
                        Type.INT,
                        60,
                        Range.between(1, 3600),
                        Importance.LOW,
                        "Seconds between two posts to Datadog.")
                .define(
                        TAGS,
                        Type.LIST,
                        "",
                        Importance.LOW,
                        "Tags on every meter, key:value, comma-separated (e.g. env:prod,region:eu-west-1).");
    }

    /**
     * The registry of {@code service} as {@code settings} say.
     *
     * @throws IOException when the scrape endpoint cannot listen
     */
    static Metrics open(String service, Settings settings) throws IOException {
        Metrics metrics = new Metrics();
        List<Tag> tags = new ArrayList<>(List.of(Tag.of("service", service)));
        for (String tag : settings.getList(TAGS)) {
            int colon = tag.indexOf(':');
            if (colon <= 0 || colon == tag.length() - 1) {
                throw new IllegalArgumentException("setting '" + TAGS + "': '" + tag + "' (expected: key:value)");
            }
            tags.add(Tag.of(tag.substring(0, colon), tag.substring(colon + 1)));
        }
        metrics.registry.config().commonTags(tags);
        String listen = settings.getString(PROMETHEUS_LISTEN);
        if (!listen.isEmpty()) {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            metrics.registry.add(prometheus);
            HostPort address = HostPort.parse(listen);
            metrics.server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
            metrics.server.createContext("/metrics", exchange -> {
                byte[] body = prometheus.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            metrics.server.start();
            log.info(
                    "Prometheus metrics on http://{}:{}/metrics",
                    address.host(),
                    metrics.server.getAddress().getPort());
        }
        Password apiKey = settings.getPassword(DATADOG_API_KEY);
        if (apiKey != null) {
            String uri = settings.getString(DATADOG_URI);
            Duration step = Duration.ofSeconds(settings.getInt(DATADOG_STEP_SECONDS));
            DatadogConfig config = new DatadogConfig() {
                @Override
                public String apiKey() {
                    return apiKey.value();
                }

                @Override
                public String uri() {
                    return uri;
                }

                @Override
                public Duration step() {
                    return step;
                }

                @Override
                public String get(String key) {
                    return null;
                }
            };
            DatadogMeterRegistry datadog = new DatadogMeterRegistry(config, io.micrometer.core.instrument.Clock.SYSTEM);
            metrics.registry.add(datadog);
            metrics.closers.add(datadog::close);
            log.info("Datadog metrics to {} every {} s", uri, step.toSeconds());
        }
        if (metrics.registry.getRegistries().isEmpty()) {
            metrics.registry.add(new SimpleMeterRegistry());
        }
        new JvmMemoryMetrics().bindTo(metrics.registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics.registry);
        metrics.closers.add(gc);
        new JvmThreadMetrics().bindTo(metrics.registry);
        new ProcessorMetrics().bindTo(metrics.registry);
        return metrics;
    }

    MeterRegistry registry() {
        return registry;
    }

    /** The scrape endpoint's port (0 when there is none). */
    int prometheusPort() {
        return server == null ? 0 : server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        for (AutoCloseable closer : closers) {
            try {
                closer.close();
            } catch (Exception e) {
                log.warn("closing metrics: {}", e.toString());
            }
        }
    }
}
