package io.ferry.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ferry.control.compat.CheckContext;
import io.ferry.control.compat.CompatibilityChecks;
import io.ferry.control.compat.CompatibilityReport;
import io.ferry.control.compat.Finding;
import io.ferry.control.compat.ServerSurvey;
import io.ferry.control.config.ConfigOutcome;
import io.ferry.control.config.ConfigProposal;
import io.ferry.control.config.ConfigReplication;
import io.ferry.control.store.ControlStore;
import io.ferry.control.store.EventLog;
import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.CompatibilityFinding;
import io.ferry.schemas.ConflictPolicy;
import io.ferry.schemas.DataMovement;
import io.ferry.schemas.EventLevel;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.MigrationState;
import io.ferry.schemas.Phase;
import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.TenantRule;
import io.ferry.schemas.VerifyOutcome;
import io.ferry.schemas.Workflow;
import io.ferry.schemas.WritePolicy;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guided workflow of a migration run, phase by phase: create (PRE_TEST), setup (ANALYZE), prepare (TEST:
 * compatibility checks and a test run, findings to fix or acknowledge), approve (MIGRATE: proxies dual-write, reads
 * stay on the source), traffic (canary steps, tenant moves), rollback (ROLLBACK: reads and authority back on the
 * source, dual-writes kept) and resume, complete (COMMIT: only after a clean keyspace verify and explicit acceptance
 * of the target), abandon. Every action is checked against the phase (a 409 says what is allowed now), written to
 * the control topic before the answer, and published as an event. The routing proxies act on is the run's
 * {@link MigrationState}, written with a higher epoch at each change. Thread-safe: actions are serialised.
 */
final class Workflows {
    /** Canary steps, in percent of keys (by stable key hash) read from the target. */
    static final List<Integer> CANARY_STEPS = List.of(0, 5, 20, 40, 80, 100);
    /** Mirror targets one run may have: each is a copy and a follower of the writes log. */
    static final int MAX_MIRRORS = 8;

    record CreateRequest(String id) {}

    record SetupRequest(
            String source,
            String target,
            @JsonProperty("mirror_targets") List<String> mirrorTargets,
            Strategy strategy,
            @JsonProperty("data_movement") DataMovement dataMovement,
            @JsonProperty("conflict_policy") ConflictPolicy conflictPolicy,
            @JsonProperty("write_consistency") WritePolicy writeConsistency,
            @JsonProperty("preserve_ttl") Boolean preserveTtl,
            @JsonProperty("key_filters") KeyFilters keyFilters) {}

    record KeyFilters(List<String> include, List<String> exclude) {}

    record AcknowledgeRequest(String note) {}

    record TrafficRequest(@JsonProperty("ratio_percent") Integer ratioPercent, List<Tenant> tenants) {}

    record Tenant(String tenant, List<String> patterns, io.ferry.schemas.Side side) {}

    record CompleteRequest(@JsonProperty("accept_target") Boolean acceptTarget) {}

    record VerifyRequest(Boolean repair) {}

    private final ControlStore store;
    private final EventLog events;
    private final Endpoints endpoints;
    private final ClientResources resources;
    private final Copies copies;
    private final WorkloadAnalysis analysis;
    /** Runs whose reads are held on the source since their target restarted, until their copy is complete. */
    private final Set<String> heldReads = ConcurrentHashMap.newKeySet();
    /** Each run's target run_id read at approval: the target watch's first baseline. */
    private final Map<String, String> approvedTargetRunIds = new ConcurrentHashMap<>();
    /** Restarts of each run's target seen while it was before commit. */
    private final Map<String, Long> restarts = new ConcurrentHashMap<>();

    Workflows(
            ControlStore store,
            EventLog events,
            Endpoints endpoints,
            ClientResources resources,
            Copies copies,
            WorkloadAnalysis analysis) {
        this.analysis = analysis;
        this.store = store;
        this.events = events;
        this.endpoints = endpoints;
        this.resources = resources;
        this.copies = copies;
    }

    /** The copy of the run, when it has one. */
    Optional<Map<String, Object>> copy(String id) {
        return copies.view(id);
    }

    /** How far the run's reconcilers are behind the writes log (null when this control plane copies nothing). */
    Map<String, Object> reconcilerBacklog(Workflow run) {
        return copies == null || run.getApprovedMicros() == null ? null : copies.reconcilerBacklog(run.getRunId());
    }

    /** The legs of the run's mirror targets. */
    List<Map<String, Object>> mirrors(Workflow run) {
        return copies == null ? List.of() : copies.mirrors(run);
    }

    synchronized Workflow create(CreateRequest request) {
        String id = Endpoints.id(request.id(), "id");
        if (store.workflow(id).isPresent()) {
            throw ApiException.conflict("migration '" + id + "' exists");
        }
        Workflow workflow =
                Workflow.newBuilder().setRunId(id).setPhase(Phase.PRE_TEST).build();
        store.put(ControlStore.workflowKey(id), workflow);
        event(id, "migration.created", "migration " + id + " created", Map.of());
        return workflow;
    }

    Workflow get(String id) {
        return store.workflow(id).orElseThrow(() -> ApiException.notFound("no migration '" + id + "'"));
    }

    synchronized Workflow setup(String id, SetupRequest request) {
        Workflow current = get(id);
        allowed(current, "setup", EnumSet.of(Phase.PRE_TEST, Phase.ANALYZE, Phase.COMPARE, Phase.TEST));
        String source = existing(request.source(), "source");
        String target = existing(request.target(), "target");
        if (source.equals(target)) {
            throw ApiException.badRequest("fields 'source' and 'target' name the same endpoint '" + source + "'");
        }
        List<String> mirrors = request.mirrorTargets() == null ? List.of() : request.mirrorTargets();
        if (mirrors.size() > MAX_MIRRORS) {
            throw ApiException.badRequest(
                    "field 'mirror_targets': " + mirrors.size() + " endpoints (expected: at most " + MAX_MIRRORS + ")");
        }
        for (int i = 0; i < mirrors.size(); i++) {
            String mirror = existing(mirrors.get(i), "mirror_targets[" + i + "]");
            if (mirror.equals(source) || mirror.equals(target)) {
                throw ApiException.badRequest(
                        "field 'mirror_targets[" + i + "]': '" + mirror + "' is already the source or the target");
            }
            if (mirrors.subList(0, i).contains(mirror)) {
                throw ApiException.badRequest("field 'mirror_targets[" + i + "]': '" + mirror + "' is listed twice");
            }
        }
        if (!mirrors.isEmpty()
                && request.dataMovement() != null
                && request.dataMovement() != DataMovement.COPY_AND_SYNC) {
            // A mirror is filled by its own historical copy, then follows the writes: there is nothing else to fill it.
            throw ApiException.badRequest("field 'mirror_targets': needs data_movement COPY_AND_SYNC (a mirror gets "
                    + "the historical copy, then every write); not " + request.dataMovement());
        }
        if (request.strategy() == null) {
            throw ApiException.badRequest("field 'strategy': required, one of " + List.of(Strategy.values()));
        }
        WritePolicy write =
                request.writeConsistency() == null ? WritePolicy.SOURCE_AUTHORITATIVE : request.writeConsistency();
        if (write == WritePolicy.SOURCE_ONLY
                || write == WritePolicy.TARGET_ONLY
                || write == WritePolicy.TARGET_AUTHORITATIVE) {
            throw ApiException.badRequest("field 'write_consistency': " + write + " (expected: SOURCE_AUTHORITATIVE, "
                    + "BEST_EFFORT or BOTH_REQUIRED while migrating; the target becomes authoritative at complete)");
        }
        if (Boolean.FALSE.equals(request.preserveTtl())) {
            throw ApiException.badRequest("field 'preserve_ttl': false is not supported: the copy and the proxy always "
                    + "carry each key's expiry (as an absolute time where the source has PEXPIRETIME)");
        }
        KeyFilters filters = request.keyFilters() == null ? new KeyFilters(List.of(), List.of()) : request.keyFilters();
        MigrationSetup setup = MigrationSetup.newBuilder()
                .setSourceEndpoint(source)
                .setTargetEndpoint(target)
                .setMirrorTargets(mirrors)
                .setStrategy(request.strategy())
                .setDataMovement(request.dataMovement() == null ? DataMovement.COPY_AND_SYNC : request.dataMovement())
                .setConflictPolicy(request.conflictPolicy() == null ? ConflictPolicy.REPLACE : request.conflictPolicy())
                .setWritePolicy(write)
                .setPreserveTtl(request.preserveTtl() == null || request.preserveTtl())
                .setInclude(patterns(filters.include(), "key_filters.include"))
                .setExclude(patterns(filters.exclude(), "key_filters.exclude"))
                .build();
        // A new setup invalidates what was checked and approved for the old one.
        Workflow next = Workflow.newBuilder(current)
                .setPhase(Phase.ANALYZE)
                .setSetup(setup)
                .setFindings(List.of())
                .setPreparedMicros(null)
                .setApprovedMicros(null)
                .build();
        store.put(ControlStore.workflowKey(id), next);
        event(
                id,
                "migration.setup",
                "set up: " + source + " to " + target + ", " + setup.getStrategy(),
                Map.of(
                        "source",
                        source,
                        "target",
                        target,
                        "strategy",
                        setup.getStrategy().name()));
        return next;
    }

    /** Compatibility checks and a test run on both endpoints; the findings replace the previous ones. */
    synchronized Workflow prepare(String id) {
        Workflow current = get(id);
        allowed(current, "prepare", EnumSet.of(Phase.ANALYZE, Phase.COMPARE, Phase.TEST));
        MigrationSetup setup = current.getSetup();
        RedisEndpoint source = endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.READ);
        RedisEndpoint target = endpoints.open(endpoints.get(setup.getTargetEndpoint()), Endpoints.Role.WRITE);
        int interlays = (int) store.interlays().stream()
                .filter(i -> i.getEndpoint().equals(setup.getSourceEndpoint()))
                .count();
        List<Finding> found = new ArrayList<>();
        List<RedisEndpoint.Client> nodeClients = new ArrayList<>();
        try (RedisEndpoint.Client sourceClient = source.open(resources);
                RedisEndpoint.Client targetClient = target.open(resources)) {
            StatefulRedisConnection<byte[], byte[]> src = sourceClient.connect();
            StatefulRedisConnection<byte[], byte[]> dst = targetClient.connect();
            // A clustered source's keys are sampled from every master, not the seed node alone.
            CheckContext.SourceNodes nodes = hostPort -> {
                RedisEndpoint.Client node = sourceClient.node(hostPort);
                nodeClients.add(node);
                return node.connect();
            };
            CompatibilityReport report = CompatibilityChecks.standard()
                    .run(new CheckContext(
                            io.ferry.control.compat.ServerSurvey.of(src),
                            io.ferry.control.compat.ServerSurvey.of(dst),
                            src,
                            dst,
                            new CheckContext.Plan(OptionalInt.of(interlays), setup.getConflictPolicy(), 1.25),
                            nodes));
            found.addAll(report.findings());
            found.addAll(analysis.findings(
                    id, setup, endpoints.get(setup.getTargetEndpoint()).getKind(), src));
            found.addAll(testRun(dst));
        } catch (EndpointException | RedisException e) {
            found.add(new Finding(
                    "test-run",
                    io.ferry.control.compat.Severity.CRITICAL,
                    true,
                    "an endpoint could not be reached or refused the checks: " + e.getMessage(),
                    "check the endpoint's address and credentials, then prepare again"));
        } finally {
            nodeClients.forEach(RedisEndpoint.Client::close);
        }
        List<CompatibilityFinding> findings = new ArrayList<>();
        for (Finding finding : found) {
            findings.add(CompatibilityFinding.newBuilder()
                    .setCheck(finding.check())
                    .setSeverity(finding.severity().name())
                    .setBlocking(finding.blocking())
                    .setSummary(finding.summary())
                    .setRemedy(finding.remedy())
                    .setAcknowledged(false)
                    .setNote(null)
                    .build());
        }
        Workflow next = Workflow.newBuilder(current)
                .setPhase(Phase.TEST)
                .setFindings(findings)
                .setPreparedMicros(Instant.now())
                .setApprovedMicros(null)
                .build();
        store.put(ControlStore.workflowKey(id), next);
        long blocking =
                findings.stream().filter(CompatibilityFinding::getBlocking).count();
        event(
                id,
                "migration.prepared",
                "checks done: " + findings.size() + " findings, " + blocking + " blocking",
                Map.of("findings", String.valueOf(findings.size()), "blocking", String.valueOf(blocking)));
        return next;
    }

    /** A write, a read and a delete of a scratch key on the target's write connection. */
    private static List<Finding> testRun(StatefulRedisConnection<byte[], byte[]> target) {
        byte[] key = ("ferry:test-run:" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        byte[] value = "ferry".getBytes(StandardCharsets.UTF_8);
        try {
            target.sync().psetex(key, 60_000, value);
            byte[] read = target.sync().get(key);
            target.sync().del(key);
            if (read == null || !java.util.Arrays.equals(read, value)) {
                return List.of(new Finding(
                        "test-run",
                        io.ferry.control.compat.Severity.CRITICAL,
                        true,
                        "a key written on the target did not read back",
                        "check the target's eviction and replication settings"));
            }
            return List.of(new Finding(
                    "test-run",
                    io.ferry.control.compat.Severity.INFO,
                    false,
                    "a key was written, read back and deleted on the target",
                    ""));
        } catch (RedisException e) {
            return List.of(new Finding(
                    "test-run",
                    io.ferry.control.compat.Severity.CRITICAL,
                    true,
                    "the target refused a test write: " + e.getMessage(),
                    "grant the target's write user SET, GET and DEL"));
        }
    }

    /** The configuration replication diff between the run's source and target (admin connections). */
    Map<String, Object> configProposals(String id) {
        MigrationSetup setup = setupOf(id);
        return withAdminConnections(setup, (src, dst) -> {
            List<ConfigProposal> proposals = ConfigReplication.propose(ServerSurvey.of(src), ServerSurvey.of(dst));
            List<Map<String, Object>> out = new ArrayList<>();
            for (ConfigProposal proposal : proposals) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("name", proposal.name());
                p.put("target_name", proposal.targetName());
                p.put("source_value", proposal.sourceValue());
                p.put("target_value", proposal.targetValue());
                p.put("status", proposal.status().name());
                p.put("proposed", proposal.proposed());
                p.put("why", proposal.parameter().why());
                out.add(p);
            }
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("proposals", out);
            view.put("diff", ConfigReplication.diff(proposals));
            return view;
        });
    }

    /** CONFIG SET on the target of the approved parameters, each read back; refusals reported. */
    synchronized Map<String, Object> applyConfig(String id, ConfigRequest request) {
        Workflow current = get(id);
        allowed(
                current,
                "config apply",
                EnumSet.of(Phase.ANALYZE, Phase.COMPARE, Phase.TEST, Phase.MIGRATE, Phase.ROLLBACK));
        if (request.parameters() == null || request.parameters().isEmpty()) {
            throw ApiException.badRequest("field 'parameters': required, the names of the proposals to apply");
        }
        MigrationSetup setup = current.getSetup();
        Map<String, Object> view = withAdminConnections(setup, (src, dst) -> {
            List<ConfigProposal> proposals = ConfigReplication.propose(ServerSurvey.of(src), ServerSurvey.of(dst));
            for (String name : request.parameters()) {
                if (proposals.stream().noneMatch(p -> p.name().equals(name) && p.proposed())) {
                    throw ApiException.badRequest("field 'parameters': '" + name + "' is not proposed now");
                }
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (ConfigOutcome outcome : ConfigReplication.apply(dst, proposals, request.parameters())) {
                out.add(Map.of(
                        "name", outcome.name(),
                        "value", outcome.value(),
                        "result", outcome.result().name(),
                        "message", outcome.message() == null ? "" : outcome.message()));
            }
            return Map.<String, Object>of("outcomes", out);
        });
        event(
                id,
                "config.applied",
                "configuration carried to the target: " + request.parameters(),
                Map.of("parameters", String.join(",", request.parameters())));
        return view;
    }

    record ConfigRequest(List<String> parameters) {}

    private MigrationSetup setupOf(String id) {
        MigrationSetup setup = get(id).getSetup();
        if (setup == null) {
            throw ApiException.conflict("migration '" + id + "' has no setup yet");
        }
        return setup;
    }

    private <T> T withAdminConnections(
            MigrationSetup setup,
            java.util.function.BiFunction<
                            StatefulRedisConnection<byte[], byte[]>, StatefulRedisConnection<byte[], byte[]>, T>
                    action) {
        RedisEndpoint source = endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.ADMIN);
        RedisEndpoint target = endpoints.open(endpoints.get(setup.getTargetEndpoint()), Endpoints.Role.ADMIN);
        try (RedisEndpoint.Client sourceClient = source.open(resources);
                RedisEndpoint.Client targetClient = target.open(resources)) {
            return action.apply(sourceClient.connect(), targetClient.connect());
        } catch (EndpointException e) {
            throw new ApiException(502, e.getMessage());
        } catch (RedisException e) {
            throw new ApiException(502, "an endpoint did not answer: " + e.getMessage());
        }
    }

    synchronized Workflow acknowledge(String id, int index, AcknowledgeRequest request) {
        Workflow current = get(id);
        allowed(current, "acknowledging a finding", EnumSet.of(Phase.TEST));
        List<CompatibilityFinding> findings = new ArrayList<>(current.getFindings());
        if (index < 0 || index >= findings.size()) {
            throw ApiException.notFound("no finding " + index + " (the run has " + findings.size() + ")");
        }
        CompatibilityFinding finding = findings.get(index);
        if (finding.getBlocking()) {
            throw ApiException.conflict("finding " + index + " (" + finding.getCheck() + ") is blocking: fix it and "
                    + "prepare again; only non-blocking findings are acknowledged");
        }
        String note = request.note();
        if (note == null || note.isBlank() || note.length() > 2000) {
            throw ApiException.badRequest("field 'note': required, at most 2000 characters");
        }
        findings.set(
                index,
                CompatibilityFinding.newBuilder(finding)
                        .setAcknowledged(true)
                        .setNote(note)
                        .build());
        Workflow next = Workflow.newBuilder(current).setFindings(findings).build();
        store.put(ControlStore.workflowKey(id), next);
        event(
                id,
                "finding.acknowledged",
                "finding " + index + " (" + finding.getCheck() + ") acknowledged",
                Map.of("finding", String.valueOf(index), "check", finding.getCheck()));
        return next;
    }

    synchronized Workflow approve(String id) {
        Workflow current = get(id);
        allowed(current, "approve", EnumSet.of(Phase.TEST));
        List<String> open = new ArrayList<>();
        for (int i = 0; i < current.getFindings().size(); i++) {
            CompatibilityFinding finding = current.getFindings().get(i);
            if (finding.getBlocking()) {
                open.add(i + " (" + finding.getCheck() + ", blocking: " + finding.getSummary() + ")");
            } else if (!finding.getSeverity().equals("INFO") && !finding.getAcknowledged()) {
                open.add(i + " (" + finding.getCheck() + ", not acknowledged)");
            }
        }
        if (!open.isEmpty()) {
            throw ApiException.conflict("approval waits for findings " + String.join("; ", open)
                    + ": fix blocking ones and prepare again, acknowledge the others");
        }
        MigrationSetup setup = current.getSetup();
        // The target as it is now: a restart between approval and the target watch's first look is a restart too.
        String targetRunId = targetRunId(setup);
        if (targetRunId != null) {
            approvedTargetRunIds.put(id, targetRunId);
        }
        route(id, state -> state.setPhase(Phase.MIGRATE)
                .setStrategy(setup.getStrategy())
                .setReadMode(ReadMode.SOURCE)
                .setWritePolicy(setup.getWritePolicy())
                .setConflictPolicy(setup.getConflictPolicy())
                .setRatioPercent(0)
                .setTenants(List.of())
                .setSourceEndpoint(setup.getSourceEndpoint())
                .setTargetEndpoint(setup.getTargetEndpoint()));
        Workflow next = Workflow.newBuilder(current)
                .setPhase(Phase.MIGRATE)
                .setApprovedMicros(Instant.now())
                .build();
        store.put(ControlStore.workflowKey(id), next);
        event(id, "migration.approved", "approved: writes now go to both sides, reads stay on the source", Map.of());
        copies.start(next);
        return next;
    }

    synchronized Workflow traffic(String id, TrafficRequest request) {
        Workflow current = get(id);
        allowed(current, "traffic", EnumSet.of(Phase.MIGRATE));
        Strategy strategy = current.getSetup().getStrategy();
        boolean toSource = request.tenants() == null
                ? request.ratioPercent() != null && request.ratioPercent() == 0
                : request.tenants().stream().allMatch(t -> t.side() == io.ferry.schemas.Side.SOURCE);
        if (!toSource) {
            readsAllowed(id);
        }
        if (strategy == Strategy.SHADOW) {
            throw ApiException.conflict("strategy SHADOW never serves the target: no traffic to move");
        }
        if (strategy == Strategy.USER_BY_USER) {
            if (request.tenants() == null || request.ratioPercent() != null) {
                throw ApiException.badRequest(
                        "strategy USER_BY_USER moves tenants: give 'tenants', not 'ratio_percent'");
            }
            List<TenantRule> rules = new ArrayList<>();
            for (int i = 0; i < request.tenants().size(); i++) {
                Tenant tenant = request.tenants().get(i);
                if (tenant.tenant() == null
                        || tenant.patterns() == null
                        || tenant.patterns().isEmpty()) {
                    throw ApiException.badRequest("field 'tenants[" + i + "]': needs 'tenant' and 'patterns'");
                }
                rules.add(TenantRule.newBuilder()
                        .setTenant(tenant.tenant())
                        .setPatterns(patterns(tenant.patterns(), "tenants[" + i + "].patterns"))
                        .setSide(tenant.side() == null ? io.ferry.schemas.Side.TARGET : tenant.side())
                        .build());
            }
            route(id, state -> state.setTenants(rules));
            event(id, "traffic.tenants", rules.size() + " tenant rules in force", Map.of());
            return current;
        }
        Integer ratio = request.ratioPercent();
        if (ratio == null || request.tenants() != null) {
            throw ApiException.badRequest("strategy " + strategy + " moves reads by key share: give 'ratio_percent'");
        }
        if (strategy == Strategy.CANARY && !CANARY_STEPS.contains(ratio)) {
            throw ApiException.badRequest(
                    "field 'ratio_percent': " + ratio + " (expected: a canary step, one of " + CANARY_STEPS + ")");
        }
        if ((strategy == Strategy.BIG_BANG || strategy == Strategy.BLUE_GREEN) && ratio != 0 && ratio != 100) {
            throw ApiException.badRequest(
                    "field 'ratio_percent': " + ratio + " (expected: 0 or 100 for " + strategy + ")");
        }
        route(id, state -> state.setReadMode(
                        ratio == 0 ? ReadMode.SOURCE : ratio == 100 ? ReadMode.TARGET : ReadMode.RATIO)
                .setRatioPercent(ratio));
        event(
                id,
                "traffic.step",
                ratio + "% of keys now read from the target",
                Map.of("ratio_percent", String.valueOf(ratio)));
        return current;
    }

    /**
     * The run's target restarted ({@link TargetWatch}) and may have lost what it held. Before commit: every read goes
     * back to the source and traffic steps wait (the target is not to be read until it holds the data again), the last
     * verify no longer counts, and the historical copy starts over. After commit the target is the authority: nothing
     * is moved, the event says what to check.
     */
    synchronized void targetRestarted(String id, String before, String after) {
        Workflow current = store.workflow(id).orElse(null);
        if (current == null) {
            return;
        }
        Map<String, String> attributes = Map.of("run_id_before", before, "run_id_after", after);
        if (current.getPhase() == Phase.COMMIT) {
            events.publish(
                    id,
                    "target.restarted",
                    EventLevel.ERROR,
                    "the target restarted after commit: the writes it acknowledged since its last save may be lost; "
                            + "the source, kept as the fallback, still has what it got before commit (see the runbook)",
                    attributes);
            return;
        }
        if (current.getPhase() != Phase.MIGRATE && current.getPhase() != Phase.ROLLBACK) {
            return;
        }
        route(id, state -> state.setReadMode(ReadMode.SOURCE).setRatioPercent(0).setTenants(List.of()));
        Workflow next = Workflow.newBuilder(current).setVerify(null).build();
        store.put(ControlStore.workflowKey(id), next);
        heldReads.add(id);
        restarts.merge(id, 1L, Long::sum);
        events.publish(
                id,
                "target.restarted",
                EventLevel.ERROR,
                "the target restarted and may have lost what it held: every read is back on the source, traffic "
                        + "steps wait until the historical copy, which starts over, is complete, and the last verify "
                        + "no longer counts",
                attributes);
        copies.startOver(next);
    }

    /** Refuses moving reads to the target while it is held on the source after a restart (until the copy is complete). */
    private void readsAllowed(String id) {
        if (!heldReads.contains(id)) {
            return;
        }
        if (copies != null && !copies.complete(id)) {
            throw ApiException.conflict("reads of '" + id + "' are held on the source: its target restarted and its "
                    + "historical copy started over; wait for copy.state COMPLETE");
        }
        heldReads.remove(id);
    }

    synchronized Workflow rollback(String id) {
        Workflow current = get(id);
        allowed(current, "rollback", EnumSet.of(Phase.MIGRATE));
        // Reads back on the source; writes keep going to both sides, so a resume needs no new copy.
        route(id, state -> state.setPhase(Phase.ROLLBACK)
                .setReadMode(ReadMode.SOURCE)
                .setRatioPercent(0)
                .setTenants(List.of())
                .setWritePolicy(WritePolicy.SOURCE_AUTHORITATIVE));
        Workflow next = Workflow.newBuilder(current).setPhase(Phase.ROLLBACK).build();
        store.put(ControlStore.workflowKey(id), next);
        event(id, "migration.rolled-back", "rolled back: every read on the source, writes still mirrored", Map.of());
        return next;
    }

    synchronized Workflow resume(String id) {
        Workflow current = get(id);
        allowed(current, "resume", EnumSet.of(Phase.ROLLBACK));
        MigrationSetup setup = current.getSetup();
        route(id, state -> state.setPhase(Phase.MIGRATE).setWritePolicy(setup.getWritePolicy()));
        Workflow next = Workflow.newBuilder(current).setPhase(Phase.MIGRATE).build();
        store.put(ControlStore.workflowKey(id), next);
        event(id, "migration.resumed", "resumed: reads on the source until the next traffic step", Map.of());
        return next;
    }

    /** The target's run_id when this control plane approved the run, or null (not approved here, or unreadable). */
    String approvedTargetRunId(String id) {
        return approvedTargetRunIds.get(id);
    }

    /** The target's identity now ({@link TargetWatch#identity}: its run_id, or each master's), or null if unreadable. */
    private String targetRunId(MigrationSetup setup) {
        RedisEndpoint target = endpoints.open(endpoints.get(setup.getTargetEndpoint()), Endpoints.Role.READ);
        List<RedisEndpoint.Client> nodeClients = new ArrayList<>();
        List<StatefulRedisConnection<byte[], byte[]>> nodes = new ArrayList<>();
        try (RedisEndpoint.Client client = target.open(resources);
                StatefulRedisConnection<byte[], byte[]> connection = client.connect()) {
            return TargetWatch.identity(connection, address -> {
                RedisEndpoint.Client nodeClient = client.node(address);
                nodeClients.add(nodeClient);
                StatefulRedisConnection<byte[], byte[]> node = nodeClient.connect();
                nodes.add(node);
                return node;
            });
        } catch (RuntimeException e) {
            return null;
        } finally {
            nodes.forEach(StatefulRedisConnection::close);
            nodeClients.forEach(RedisEndpoint.Client::close);
        }
    }

    /** How many times the run's target restarted while this control plane watched it (see {@link #verified}). */
    long targetRestarts(String id) {
        return restarts.getOrDefault(id, 0L);
    }

    /**
     * Records a keyspace verify's result (run by the caller), unless the target restarted while it ran: part of what it
     * compared is then gone, and the result is discarded.
     *
     * @param restartsAtStart {@link #targetRestarts} when the verify started
     */
    synchronized Workflow verified(String id, VerifyOutcome outcome, long restartsAtStart) {
        Workflow current = get(id);
        allowed(current, "verify", EnumSet.of(Phase.MIGRATE, Phase.ROLLBACK));
        if (targetRestarts(id) != restartsAtStart) {
            events.publish(
                    id,
                    "verify.discarded",
                    EventLevel.WARN,
                    "keyspace verify discarded: the target restarted while it ran; verify again once the copy is "
                            + "complete",
                    Map.of("exit_status", String.valueOf(outcome.getExitStatus())));
            return current;
        }
        Workflow next = Workflow.newBuilder(current).setVerify(outcome).build();
        store.put(ControlStore.workflowKey(id), next);
        event(
                id,
                "verify.finished",
                "keyspace verify: " + outcome.getKeysChecked() + " keys, " + outcome.getConfirmed()
                        + " confirmed different, exit " + outcome.getExitStatus(),
                Map.of("exit_status", String.valueOf(outcome.getExitStatus())));
        return next;
    }

    synchronized Workflow complete(String id, CompleteRequest request) {
        Workflow current = get(id);
        allowed(current, "complete", EnumSet.of(Phase.MIGRATE));
        VerifyOutcome verify = current.getVerify();
        if (verify == null || verify.getExitStatus() != 0) {
            throw ApiException.conflict("complete needs a clean keyspace verify first: "
                    + (verify == null
                            ? "none has run"
                            : "the last one exited " + verify.getExitStatus() + " with " + verify.getConfirmed()
                                    + " keys confirmed different"));
        }
        if (copies.running(id)) {
            throw ApiException.conflict(
                    "the historical copy of '" + id + "' is still running: wait for copy.state COMPLETE");
        }
        if (copies.mirrorCopying(id)) {
            throw ApiException.conflict("the historical copy of a mirror target of '" + id + "' is still running: "
                    + "wait for every mirrors[].state FOLLOWING");
        }
        if (!Boolean.TRUE.equals(request.acceptTarget())) {
            throw ApiException.badRequest(
                    "field 'accept_target': must be true: completing makes the target " + "authoritative");
        }
        route(id, state -> state.setPhase(Phase.COMMIT)
                .setReadMode(ReadMode.TARGET)
                .setRatioPercent(100)
                .setTenants(List.of())
                .setWritePolicy(WritePolicy.TARGET_AUTHORITATIVE));
        Workflow next = Workflow.newBuilder(current)
                .setPhase(Phase.COMMIT)
                .setTargetAcceptedMicros(Instant.now())
                .build();
        store.put(ControlStore.workflowKey(id), next);
        event(
                id,
                "migration.committed",
                "committed: the target is authoritative; the source is kept as fallback",
                Map.of());
        return next;
    }

    synchronized Workflow abandon(String id) {
        Workflow current = get(id);
        allowed(
                current,
                "abandon",
                EnumSet.of(Phase.PRE_TEST, Phase.ANALYZE, Phase.COMPARE, Phase.TEST, Phase.MIGRATE, Phase.ROLLBACK));
        if (store.migration(id).isPresent()) {
            route(id, state -> state.setPhase(Phase.ABANDONED)
                    .setReadMode(ReadMode.SOURCE)
                    .setRatioPercent(0)
                    .setTenants(List.of())
                    .setWritePolicy(WritePolicy.SOURCE_ONLY));
        }
        copies.stop(id);
        Workflow next = Workflow.newBuilder(current).setPhase(Phase.ABANDONED).build();
        store.put(ControlStore.workflowKey(id), next);
        event(id, "migration.abandoned", "abandoned: the source alone serves the applications", Map.of());
        return next;
    }

    /** The run's routing changed by {@code change}, at the next epoch. */
    private void route(String id, java.util.function.UnaryOperator<MigrationState.Builder> change) {
        store.update(ControlStore.migrationKey(id), MigrationState.class, current -> {
            MigrationState.Builder builder = current.map(MigrationState::newBuilder)
                    .orElseGet(() -> MigrationState.newBuilder()
                            .setRunId(id)
                            .setPhase(Phase.MIGRATE)
                            .setStrategy(Strategy.BIG_BANG)
                            .setEpoch(0));
            long epoch = builder.getEpoch();
            return change.apply(builder).setEpoch(epoch + 1).build();
        });
    }

    /** The workflow as the API shows it, with the actions allowed now. */
    static Map<String, Object> view(Workflow workflow, MigrationState route) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", workflow.getRunId());
        view.put("phase", workflow.getPhase().name());
        view.put("allowed_actions", allowedActions(workflow.getPhase()));
        MigrationSetup setup = workflow.getSetup();
        if (setup != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("source", setup.getSourceEndpoint());
            s.put("target", setup.getTargetEndpoint());
            s.put("mirror_targets", setup.getMirrorTargets());
            s.put("strategy", setup.getStrategy().name());
            s.put("data_movement", setup.getDataMovement().name());
            s.put("conflict_policy", setup.getConflictPolicy().name());
            s.put("write_consistency", setup.getWritePolicy().name());
            s.put("preserve_ttl", setup.getPreserveTtl());
            s.put("key_filters", Map.of("include", setup.getInclude(), "exclude", setup.getExclude()));
            view.put("setup", s);
        } else {
            view.put("setup", null);
        }
        List<Map<String, Object>> findings = new ArrayList<>();
        for (int i = 0; i < workflow.getFindings().size(); i++) {
            CompatibilityFinding finding = workflow.getFindings().get(i);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("index", i);
            f.put("check", finding.getCheck());
            f.put("severity", finding.getSeverity());
            f.put("blocking", finding.getBlocking());
            f.put("summary", finding.getSummary());
            f.put("remedy", finding.getRemedy());
            f.put("acknowledged", finding.getAcknowledged());
            f.put("note", finding.getNote());
            findings.add(f);
        }
        view.put("findings", findings);
        view.put("prepared_at", text(workflow.getPreparedMicros()));
        view.put("approved_at", text(workflow.getApprovedMicros()));
        VerifyOutcome verify = workflow.getVerify();
        view.put(
                "verify",
                verify == null
                        ? null
                        : Map.of(
                                "exit_status", verify.getExitStatus(),
                                "keys_checked", verify.getKeysChecked(),
                                "confirmed", verify.getConfirmed(),
                                "finished_at", verify.getFinishedMicros().toString()));
        view.put("target_accepted_at", text(workflow.getTargetAcceptedMicros()));
        if (route != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("epoch", route.getEpoch());
            r.put("read_mode", route.getReadMode().name());
            r.put("write_policy", route.getWritePolicy().name());
            r.put("ratio_percent", route.getRatioPercent());
            List<Map<String, Object>> tenants = new ArrayList<>();
            for (TenantRule rule : route.getTenants()) {
                tenants.add(Map.of(
                        "tenant",
                        rule.getTenant(),
                        "patterns",
                        rule.getPatterns(),
                        "side",
                        rule.getSide().name()));
            }
            r.put("tenants", tenants);
            view.put("route", r);
        } else {
            view.put("route", null);
        }
        return view;
    }

    static List<String> allowedActions(Phase phase) {
        return switch (phase) {
            case PRE_TEST -> List.of("setup", "abandon");
            case ANALYZE, COMPARE -> List.of("setup", "prepare", "abandon");
            case TEST -> List.of("setup", "prepare", "acknowledge", "approve", "abandon");
            case MIGRATE -> List.of("traffic", "verify", "rollback", "complete", "abandon");
            case ROLLBACK -> List.of("resume", "verify", "abandon");
            case COMMIT, COMPLETED, ABANDONED -> List.of();
        };
    }

    private static void allowed(Workflow workflow, String action, Set<Phase> phases) {
        if (!phases.contains(workflow.getPhase())) {
            throw ApiException.conflict(action + " is not allowed in phase " + workflow.getPhase() + " (allowed now: "
                    + allowedActions(workflow.getPhase()) + ")");
        }
    }

    private String existing(String id, String field) {
        Endpoints.id(id, field);
        if (store.endpoint(id).isEmpty()) {
            throw ApiException.badRequest("field '" + field + "': no endpoint '" + id + "'");
        }
        return id;
    }

    private static List<String> patterns(List<String> patterns, String field) {
        if (patterns == null) {
            return List.of();
        }
        for (int i = 0; i < patterns.size(); i++) {
            String pattern = patterns.get(i);
            if (pattern == null || pattern.isEmpty() || pattern.length() > 1024) {
                throw ApiException.badRequest(
                        "field '" + field + "[" + i + "]': a key pattern of 1 to 1024 characters");
            }
        }
        return List.copyOf(patterns);
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private void event(String id, String type, String message, Map<String, String> attributes) {
        events.publish(id, type, EventLevel.INFO, message, attributes);
    }
}
