package io.ferry.capture;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a capture follows and how it names it. Immutable, validated when built.
 *
 * @param serverPorts the server's TCP ports: a segment to one of them comes from a client
 * @param nodeId the {@code node} of every record (this capture process)
 * @param limits the memory bounds
 */
public record CaptureOptions(Set<Integer> serverPorts, String nodeId, CaptureLimits limits) {
    public static final int DEFAULT_PORT = 6379;

    /** @throws IllegalArgumentException naming the first value out of range */
    public CaptureOptions {
        Objects.requireNonNull(limits, "limits");
        if (serverPorts.isEmpty()) {
            throw new IllegalArgumentException("serverPorts: none (expected: at least one)");
        }
        for (int port : serverPorts) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("serverPorts: " + port + " (expected: 1..65535)");
            }
        }
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId: '" + nodeId + "' (expected: a name)");
        }
        serverPorts = Set.copyOf(new TreeSet<>(serverPorts));
    }

    /** Port 6379, node {@code nodeId}, default limits. */
    public static CaptureOptions defaults(String nodeId) {
        return new CaptureOptions(Set.of(DEFAULT_PORT), nodeId, CaptureLimits.DEFAULTS);
    }
}
