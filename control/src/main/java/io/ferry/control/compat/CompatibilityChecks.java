package io.ferry.control.compat;

import io.ferry.endpoint.RedisEndpoint;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the compatibility checks of a migration between two servers. A check that fails to run (a refused or
 * lost connection) gives a WARNING finding saying which and why, never silence. Not thread-safe; one run at a
 * time per instance.
 */
public final class CompatibilityChecks {
    private static final Logger log = LoggerFactory.getLogger(CompatibilityChecks.class);

    private final List<CompatibilityCheck> checks;

    public CompatibilityChecks(List<CompatibilityCheck> checks) {
        this.checks = List.copyOf(checks);
    }

    /** Every check Ferry has, in the order they run. */
    public static CompatibilityChecks standard() {
        return new CompatibilityChecks(List.of(
                new SourceVersionCheck(),
                new ClusterModeCheck(),
                new ClusterLayoutCheck(),
                new ModulesCheck(),
                new AclCheck(),
                new DumpPayloadCheck(),
                new TargetDataCheck(),
                new MemoryCheck(),
                new KeyspaceNotificationsCheck()));
    }

    /**
     * Connects to both sides, surveys them and runs every check.
     *
     * @throws RedisException when a side cannot be reached or refuses INFO: nothing could be checked
     */
    public CompatibilityReport run(RedisEndpoint source, RedisEndpoint target, CheckContext.Plan plan) {
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .build();
        List<RedisEndpoint.Client> nodeClients = new ArrayList<>();
        try (RedisEndpoint.Client sourceClient = source.open(resources);
                RedisEndpoint.Client targetClient = target.open(resources)) {
            StatefulRedisConnection<byte[], byte[]> sourceConnection = sourceClient.connect();
            StatefulRedisConnection<byte[], byte[]> targetConnection = targetClient.connect();
            CheckContext.SourceNodes nodes = hostPort -> {
                RedisEndpoint.Client node = sourceClient.node(hostPort);
                nodeClients.add(node);
                return node.connect();
            };
            return run(new CheckContext(
                    ServerSurvey.of(sourceConnection),
                    ServerSurvey.of(targetConnection),
                    sourceConnection,
                    targetConnection,
                    plan,
                    nodes));
        } finally {
            nodeClients.forEach(RedisEndpoint.Client::close);
            resources.shutdown();
        }
    }

    /** Runs every check on surveys already made. */
    public CompatibilityReport run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        for (CompatibilityCheck check : checks) {
            try {
                findings.addAll(check.run(context));
            } catch (RedisException e) {
                log.warn("compatibility check {} could not run: {}", check.id(), e.toString());
                findings.add(Finding.warning(
                        check.id(),
                        "the check could not run: " + e.getMessage(),
                        "fix what the message says (a permission, a connection) and run the checks again"));
            }
        }
        return new CompatibilityReport(findings);
    }
}
