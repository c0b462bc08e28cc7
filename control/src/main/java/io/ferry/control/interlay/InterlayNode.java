package io.ferry.control.interlay;

import io.ferry.control.store.ControlFeed;
import io.ferry.control.store.EndpointRoles;
import io.ferry.control.store.Sealer;
import io.ferry.proxy.ProxyConfig;
import io.ferry.proxy.ProxyServer;
import io.ferry.proxy.ProxySettings;
import io.ferry.schemas.ControlRecord;
import io.ferry.schemas.Endpoint;
import io.ferry.schemas.Interlay;
import io.ferry.schemas.Phase;
import io.ferry.schemas.TopicRegistry;
import io.ferry.schemas.Workflow;
import io.ferry.schemas.stats.StatsPublisher;
import io.ferry.settings.SettingsLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A proxy node serving one interlay: follows the control topic and runs a proxy listener while the interlay is
 * started, on its port, in front of its endpoint. When a migration run is set up with that endpoint as its source,
 * the listener gets the run's target and follows the run's routing (its {@code migration:<run>} state: dual-write
 * from approval, canary steps, rollback, commit) with no restart. A change of what the listener is (port, source,
 * target, run) restarts it: the proxy drains, clients reconnect; set up the run before applications connect to
 * avoid that. Not thread-safe: the feed's thread drives it; {@link #close} from any thread.
 */
public final class InterlayNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InterlayNode.class);
    private static final Set<Phase> LIVE = Set.of(
            Phase.PRE_TEST, Phase.ANALYZE, Phase.COMPARE, Phase.TEST, Phase.MIGRATE, Phase.ROLLBACK, Phase.COMMIT);

    /**
     * What the listener is: a different one needs a restart. Holds credentials: never logged whole.
     *
     * @param runId the run whose routing the proxy follows; a name no run can have when there is none
     */
    record Listener(String host, int port, int maxConnections, String source, String target, String runId) {
        @Override
        public String toString() {
            return host + ":" + port + " (run " + runId + (target == null ? ", no target" : ", with target") + ")";
        }
    }

    private final String interlayId;
    private final Map<String, Object> kafka;
    private final TopicRegistry topics;
    private final Sealer sealer;
    private final String nodeId;
    private final ControlFeed feed;
    private final MeterRegistry meters;
    private final Duration statsInterval;
    private ProxyServer proxy;
    private Listener current;
    private volatile String problem;

    public InterlayNode(
            String interlayId, Map<String, Object> kafka, TopicRegistry topics, Sealer sealer, String nodeId) {
        this(interlayId, kafka, topics, sealer, nodeId, new SimpleMeterRegistry(), Duration.ofSeconds(5));
    }

    /**
     * A node whose listeners register their meters ({@code ferry.proxy.*}) in {@code meters} and publish {@code
     * stats.proxy} events every {@code statsInterval} (zero: none).
     */
    public InterlayNode(
            String interlayId,
            Map<String, Object> kafka,
            TopicRegistry topics,
            Sealer sealer,
            String nodeId,
            MeterRegistry meters,
            Duration statsInterval) {
        this.meters = Objects.requireNonNull(meters, "meters");
        this.statsInterval = statsInterval;
        this.interlayId = Objects.requireNonNull(interlayId, "interlayId");
        this.kafka = Map.copyOf(kafka);
        this.topics = topics;
        this.sealer = sealer;
        this.nodeId = nodeId;
        this.feed = new ControlFeed(kafka, topics, this::changed);
    }

    /** The listener's address while it runs, else empty. */
    public synchronized Optional<java.net.InetSocketAddress> address() {
        return proxy == null ? Optional.empty() : Optional.of(proxy.address());
    }

    /** Why the interlay is not served as asked (a missing endpoint, a port taken), or null. */
    public String problem() {
        return problem;
    }

    private synchronized void changed(Map<String, ControlRecord> state) {
        Listener wanted;
        try {
            wanted = wanted(state);
            problem = null;
        } catch (IllegalStateException e) {
            wanted = null;
            if (!e.getMessage().equals(problem)) {
                log.error("interlay {}: {}", interlayId, e.getMessage());
            }
            problem = e.getMessage();
        }
        if (Objects.equals(wanted, current)) {
            return;
        }
        stop();
        if (wanted != null) {
            try {
                proxy = ProxyServer.start(config(wanted), meters);
                current = wanted;
                log.info("interlay {}: listening on {}", interlayId, wanted);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // Netty's bind rethrows a BindException (checked) undeclared: caught here, or it would end the
                // thread following the control topic and the node would follow nothing more.
                problem = "the listener could not start: " + e;
                log.error("interlay {}: {}", interlayId, problem);
            }
        }
    }

    private Listener wanted(Map<String, ControlRecord> state) {
        ControlRecord record = state.get("interlay:" + interlayId);
        if (record == null || !(record.getPayload() instanceof Interlay interlay) || !interlay.getRunning()) {
            return null;
        }
        Endpoint source = endpoint(state, interlay.getEndpoint());
        List<Workflow> runs = new ArrayList<>();
        for (ControlRecord value : state.values()) {
            if (value.getPayload() instanceof Workflow run
                    && run.getSetup() != null
                    && LIVE.contains(run.getPhase())
                    && run.getSetup().getSourceEndpoint().equals(interlay.getEndpoint())) {
                runs.add(run);
            }
        }
        if (runs.size() > 1) {
            throw new IllegalStateException(
                    "runs " + runs.stream().map(Workflow::getRunId).toList() + " all migrate endpoint "
                            + interlay.getEndpoint() + ": abandon all but one");
        }
        String target = null;
        String runId = "interlay:" + interlayId;
        if (!runs.isEmpty()) {
            Workflow run = runs.get(0);
            runId = run.getRunId();
            target = EndpointRoles.uriText(EndpointRoles.uri(
                    endpoint(state, run.getSetup().getTargetEndpoint()), EndpointRoles.Role.WRITE, sealer));
        }
        return new Listener(
                interlay.getListenHost(),
                interlay.getPort(),
                interlay.getMaxConcurrentConnections(),
                EndpointRoles.uriText(EndpointRoles.uri(source, EndpointRoles.Role.WRITE, sealer)),
                target,
                runId);
    }

    private static Endpoint endpoint(Map<String, ControlRecord> state, String id) {
        ControlRecord record = state.get("endpoint:" + id);
        if (record == null || !(record.getPayload() instanceof Endpoint endpoint)) {
            throw new IllegalStateException("endpoint '" + id + "' does not exist");
        }
        return endpoint;
    }

    private ProxyConfig config(Listener listener) {
        Map<String, String> settings = new HashMap<>();
        settings.put(ProxySettings.LISTEN, listener.host() + ":" + listener.port());
        settings.put(ProxySettings.SOURCE, listener.source());
        if (listener.target() != null) {
            settings.put(ProxySettings.TARGET, listener.target());
        }
        settings.put(ProxySettings.KAFKA, String.valueOf(kafka.get("bootstrap.servers")));
        settings.put(ProxySettings.TOPIC_PREFIX, topics.prefix());
        settings.put(ProxySettings.CONTROL_RUN_ID, listener.runId());
        settings.put(ProxySettings.NODE_ID, nodeId);
        settings.put(ProxySettings.MAX_CONNECTIONS, String.valueOf(listener.maxConnections()));
        settings.put(StatsPublisher.INTERVAL_SECONDS, String.valueOf(statsInterval.toSeconds()));
        return ProxyConfig.from(SettingsLoader.load(ProxySettings.SPEC, Optional.empty(), settings));
    }

    private void stop() {
        if (proxy != null) {
            log.info("interlay {}: closing the listener on {}", interlayId, current);
            proxy.close();
            proxy = null;
            current = null;
        }
    }

    @Override
    public void close() {
        feed.close();
        synchronized (this) {
            stop();
        }
    }
}
