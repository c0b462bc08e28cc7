package io.ferry.control.api;

import io.ferry.analyzer.AnalysisSnapshot;
import io.ferry.analyzer.AnalysisTopicReader;
import io.ferry.analyzer.MigrationRisk;
import io.ferry.analyzer.Recommendation;
import io.ferry.analyzer.Recommender;
import io.ferry.analyzer.SourceServer;
import io.ferry.analyzer.TargetProfile;
import io.ferry.analyzer.TrafficProfile;
import io.ferry.control.compat.Finding;
import io.ferry.control.compat.Severity;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.TopicRegistry;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The analysis step of {@code prepare}: the traffic profile the analyzers published for the run (the analysis topic,
 * as {@code ferry analyze} reads it), checked against the target's kind (its disabled commands), plus the source's
 * INFO, turned into findings: a summary with the recommendation (INFO), the recommendation's warnings and a strategy
 * other than the one set up (WARNING), commands the target refuses (blocking: the application would break).
 */
final class WorkloadAnalysis {
    static final String CHECK = "analysis";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> kafka;
    private final TopicRegistry topics;

    WorkloadAnalysis(Map<String, Object> kafka, TopicRegistry topics) {
        this.kafka = Map.copyOf(kafka);
        this.topics = topics;
    }

    List<Finding> findings(
            String runId, MigrationSetup setup, String targetKind, StatefulRedisConnection<byte[], byte[]> source) {
        AnalysisSnapshot snapshot;
        try {
            snapshot = new AnalysisTopicReader(kafka, topics, 0).read(runId, READ_TIMEOUT);
        } catch (TimeoutException | RuntimeException e) {
            return List.of(new Finding(
                    CHECK,
                    Severity.WARNING,
                    false,
                    "the analysis topic could not be read: " + e.getMessage(),
                    "check Kafka, then prepare again; or acknowledge to go on without the analysis"));
        }
        TargetProfile target = profile(targetKind);
        TrafficProfile traffic = TrafficProfile.of(snapshot).checkedAgainst(target);
        if (traffic.ops() == 0) {
            return List.of(new Finding(
                    CHECK,
                    Severity.WARNING,
                    false,
                    "no traffic has been analysed for run '" + runId + "'",
                    "run ferry analyzer --run-id " + runId + " on the traffic topic (the proxy or ferry capture fill "
                            + "it) before preparing, or acknowledge to go on without a workload profile"));
        }
        SourceServer server = SourceServer.parse(source.sync().info("everything"));
        Recommendation recommendation = new Recommender(
                        Recommender.DEFAULT_MEMORY_HEADROOM, Recommender.DEFAULT_THROUGHPUT_HEADROOM, target)
                .recommend(traffic, server);
        List<Finding> findings = new ArrayList<>();
        findings.add(new Finding(
                CHECK,
                Severity.INFO,
                false,
                String.format(
                        Locale.ROOT,
                        "%,d commands analysed (%.0f%% reads, peak %.0f ops/s); recommended: a target of %,d MiB and %,d ops/s, "
                                + "strategy %s (%s), writes %s, reads %s",
                        traffic.ops(),
                        traffic.readRatio() * 100,
                        traffic.peakOpsPerSecond(),
                        recommendation.targetMemoryBytes() / (1024 * 1024),
                        recommendation.targetOpsPerSecond(),
                        recommendation.strategy(),
                        String.join("; ", recommendation.strategyReasons()),
                        recommendation.writePolicy(),
                        recommendation.readMode()),
                ""));
        Map<String, Long> refused = traffic.risks().getOrDefault(MigrationRisk.UNSUPPORTED_BY_TARGET, Map.of());
        if (!refused.isEmpty()) {
            findings.add(new Finding(
                    CHECK,
                    Severity.CRITICAL,
                    true,
                    "the application uses commands the target (" + target.name() + ") refuses: " + refused.keySet(),
                    "change the application or choose another target"));
        }
        if (!recommendation.strategy().name().equals(setup.getStrategy().name())) {
            findings.add(new Finding(
                    CHECK,
                    Severity.WARNING,
                    false,
                    "the analysis recommends strategy " + recommendation.strategy() + " for this workload ("
                            + String.join("; ", recommendation.strategyReasons()) + "); the run is set up with "
                            + setup.getStrategy(),
                    "set the run up again with " + recommendation.strategy() + ", or acknowledge with the reason"));
        }
        for (String warning : recommendation.warnings()) {
            findings.add(new Finding(CHECK, Severity.WARNING, false, warning, "review before approving"));
        }
        return findings;
    }

    /** The target profile of an endpoint's kind: its managed service's, else plain Redis. */
    static TargetProfile profile(String kind) {
        try {
            return TargetProfile.named(kind);
        } catch (IllegalArgumentException e) {
            return TargetProfile.REDIS;
        }
    }
}
