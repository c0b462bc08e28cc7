package io.ferry.schemas;

import org.apache.avro.specific.SpecificRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Realistic, fully populated records of every topic: every field set, and set to something other than its default. */
final class SampleRecords {
    /** A key that is not valid UTF-8, as Redis keys may be. */
    static final byte[] BINARY_KEY = {(byte) 0xff, 0x00, (byte) 0xfe, 'u', 's', 'e', 'r', ':', (byte) 0xc3};

    static final Instant AT = Instant.parse("2026-11-22T04:05:06.123456Z");

    private SampleRecords() {}

    static ByteBuffer bytes(byte[] bytes) {
        return ByteBuffer.wrap(bytes.clone());
    }

    static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    /** One record per topic, with the topic it belongs to. */
    static Map<Topic, SpecificRecord> oneOfEach() {
        return Map.of(
                Topic.TRAFFIC, traffic(),
                Topic.WRITES, write(),
                Topic.MOVE_TASKS, moveTask(),
                Topic.ERRORS, error(),
                Topic.DIVERGENCES, divergence(),
                Topic.CONTROL, controlEndpoint(),
                Topic.EVENTS, event(),
                Topic.CHECKPOINTS, checkpoint(),
                Topic.ANALYSIS, analysis());
    }

    static TrafficRecord traffic() {
        return TrafficRecord.newBuilder()
                .setOrigin(Origin.PCAP)
                .setNode("capture-1")
                .setConnection("10.0.3.7:52114")
                .setSequence(41)
                .setTimestampMicros(AT)
                .setDb(3)
                .setCommand("CLIENT SETNAME")
                .setCommandClass(CommandClass.CONNECTION)
                .setKeys(List.of(bytes(BINARY_KEY)))
                .setArgs(List.of(bytes("worker-7"), bytes(new byte[] {0, 1, 2, (byte) 0x80})))
                .setArgsTruncated(true)
                .setProtocol(3)
                .setResponseType("simple-string")
                .setResponseDigest(bytes(new byte[] {0x1f, (byte) 0x8b, 0x7a, 0x00, (byte) 0xee}))
                .setResponseBody(bytes("+OK\r\n"))
                .setResponseTruncated(true)
                .setResponseSize(5)
                .setLatencyMicros(182)
                .setSide(Side.TARGET)
                .build();
    }

    static SideResult sideResult(Outcome outcome, String error, int latency) {
        return SideResult.newBuilder()
                .setOutcome(outcome)
                .setError(error)
                .setReplyDigest(bytes(new byte[] {(byte) 0xde, (byte) 0xad, (byte) latency}))
                .setLatencyMicros(latency)
                .build();
    }

    static WriteRecord write() {
        return WriteRecord.newBuilder()
                .setNode("proxy-a")
                .setConnection("c-19")
                .setSequence(1_000_001)
                .setTimestampMicros(AT)
                .setDb(2)
                .setCommand("MSET")
                .setKeys(List.of(bytes(BINARY_KEY), bytes("k2")))
                .setArgs(List.of(bytes(BINARY_KEY), bytes("v1"), bytes("k2"), bytes("v2")))
                .setArgsTruncated(true)
                .setSource(sideResult(Outcome.OK, "none", 90))
                .setTarget(sideResult(Outcome.TIMEOUT, "timed out after 250 ms", 250))
                .setFlags(List.of(WriteFlag.MULTI_KEY, WriteFlag.TARGET_TIMEOUT, WriteFlag.REPAIR))
                .setEpoch(7)
                .setAuthority(Side.TARGET)
                .build();
    }

    static MoveTask moveTask() {
        return MoveTask.newBuilder()
                .setTaskId("run-9/scan/0017")
                .setRunId("run-9")
                .setSourceNode("10.0.0.5:7001")
                .setDb(1)
                .setKeys(List.of(bytes(BINARY_KEY), bytes("session:42"), bytes(new byte[0])))
                .setReason(MoveReason.REPAIR)
                .setAttempt(3)
                .setCreatedMicros(AT)
                .build();
    }

    static ErrorRecord error() {
        return ErrorRecord.newBuilder()
                .setRunId("run-9")
                .setKey(bytes(BINARY_KEY))
                .setDb(4)
                .setStage(Stage.RESTORE)
                .setError("ERR DUMP payload version or checksum are wrong")
                .setAttempts(5)
                .setFirstSeenMicros(AT)
                .setLastSeenMicros(AT.plusSeconds(90))
                .setSourceNode("10.0.0.5:7001")
                .setContext(Map.of("type", "zset", "size", "1048576", "task", "run-9/scan/0017"))
                .build();
    }

    static SideSnapshot snapshot(String type, int size, long ttl) {
        return SideSnapshot.newBuilder()
                .setType(type)
                .setDigest(bytes(new byte[] {(byte) size, (byte) 0xab}))
                .setSize(size)
                .setTtlMillis(ttl)
                .build();
    }

    static Divergence divergence() {
        return Divergence.newBuilder()
                .setRunId("run-9")
                .setKey(bytes(BINARY_KEY))
                .setDb(5)
                .setCommand("HGETALL")
                .setKind(DivergenceKind.TTL)
                .setStatus(Confirmation.CONFIRMED)
                .setDetector(Detector.READ_COMPARE)
                .setSource(snapshot("hash", 12, 60_000))
                .setTarget(snapshot("hash", 12, -1))
                .setDetectedMicros(AT)
                .build();
    }

    static Credentials credentials(String user) {
        return Credentials.newBuilder()
                .setUsername(user)
                .setSealedPassword(bytes(new byte[] {1, (byte) 0x99, 2, (byte) 0xf0}))
                .build();
    }

    static ControlRecord controlEndpoint() {
        Endpoint endpoint = Endpoint.newBuilder()
                .setId("source")
                .setKind("elasticache")
                .setHost("master.cache.example.internal")
                .setPort(6380)
                .setTls(true)
                .setProtocolVersion(3)
                .setDb(1)
                .setReadAddress(new HostPort("replica.cache.example.internal", 6381))
                .setAdminAddress(new HostPort("admin.cache.example.internal", 6382))
                .setReadCredentials(credentials("reader"))
                .setWriteCredentials(credentials("writer"))
                .setAdminCredentials(credentials("admin"))
                .setMultiplexedConnections(4)
                .build();
        return ControlRecord.newBuilder()
                .setId("endpoint:source")
                .setUpdatedMicros(AT)
                .setPayload(endpoint)
                .build();
    }

    static ControlRecord controlInterlay() {
        Interlay interlay = Interlay.newBuilder()
                .setId("interlay-1")
                .setEndpoint("source")
                .setListenHost("127.0.0.1")
                .setPort(16379)
                .setMaxConcurrentConnections(2048)
                .setRunning(true)
                .build();
        return ControlRecord.newBuilder()
                .setId("interlay:interlay-1")
                .setUpdatedMicros(AT)
                .setPayload(interlay)
                .build();
    }

    static ControlRecord controlWorkflow() {
        Workflow workflow = Workflow.newBuilder()
                .setRunId("run-9")
                .setPhase(Phase.COMMIT)
                .setSetup(MigrationSetup.newBuilder()
                        .setSourceEndpoint("source")
                        .setTargetEndpoint("target")
                        .setMirrorTargets(List.of("mirror"))
                        .setStrategy(Strategy.CANARY)
                        .setDataMovement(DataMovement.SYNC_ONLY)
                        .setConflictPolicy(ConflictPolicy.MERGE)
                        .setWritePolicy(WritePolicy.BOTH_REQUIRED)
                        .setPreserveTtl(false)
                        .setInclude(List.of("orders:*"))
                        .setExclude(List.of("orders:tmp:*"))
                        .build())
                .setFindings(List.of(CompatibilityFinding.newBuilder()
                        .setCheck("target-not-empty")
                        .setSeverity("WARNING")
                        .setBlocking(true)
                        .setSummary("the target already holds 3 keys")
                        .setRemedy("empty it")
                        .setAcknowledged(true)
                        .setNote("test keys, known")
                        .build()))
                .setPreparedMicros(AT)
                .setApprovedMicros(AT)
                .setVerify(VerifyOutcome.newBuilder()
                        .setExitStatus(1)
                        .setKeysChecked(1_000_000)
                        .setConfirmed(2)
                        .setFinishedMicros(AT)
                        .build())
                .setTargetAcceptedMicros(AT)
                .build();
        return ControlRecord.newBuilder()
                .setId("workflow:run-9")
                .setUpdatedMicros(AT)
                .setPayload(workflow)
                .build();
    }

    static ControlRecord controlMigration() {
        MigrationState state = MigrationState.newBuilder()
                .setRunId("run-9")
                .setPhase(Phase.MIGRATE)
                .setStrategy(Strategy.USER_BY_USER)
                .setReadMode(ReadMode.VERSION_COMPARE)
                .setWritePolicy(WritePolicy.BOTH_REQUIRED)
                .setConflictPolicy(ConflictPolicy.MERGE)
                .setRatioPercent(40)
                .setTenants(List.of(
                        TenantRule.newBuilder()
                                .setTenant("acme")
                                .setPatterns(List.of("acme:*", "tenant:acme:*"))
                                .setSide(Side.TARGET)
                                .build(),
                        TenantRule.newBuilder()
                                .setTenant("globex")
                                .setPatterns(List.of("globex:*"))
                                .setSide(Side.TARGET)
                                .build()))
                .setSourceEndpoint("source")
                .setTargetEndpoint("target")
                .setEpoch(12)
                .build();
        return ControlRecord.newBuilder()
                .setId("migration:run-9")
                .setUpdatedMicros(AT)
                .setPayload(state)
                .build();
    }

    static Event event() {
        return Event.newBuilder()
                .setRunId("run-9")
                .setTimestampMicros(AT)
                .setType("copy.progress")
                .setLevel(EventLevel.WARN)
                .setMessage("copy slowed down: target is throttling")
                .setAttributes(Map.of("node", "mover-2", "phase", "MIGRATE"))
                .setProgress(Progress.newBuilder()
                        .setStage("copy")
                        .setDone(1_250_000)
                        .setTotal(4_000_000)
                        .setFailed(3)
                        .setSkipped(17)
                        .setBytes(9_876_543_210L)
                        .setRatePerSecond(48_210.5)
                        .build())
                .build();
    }

    static Checkpoint checkpoint() {
        return Checkpoint.newBuilder()
                .setId("scan:run-9:10.0.0.5:7001:0")
                .setRunId("run-9")
                .setKind("scan")
                .setPosition("1764536")
                .setComplete(true)
                .setCounters(Map.of("keys", 1_250_000L, "bytes", 9_876_543_210L, "failed", 3L))
                .setUpdatedMicros(AT)
                .build();
    }

    static AnalysisRecord analysis() {
        return AnalysisRecord.newBuilder()
                .setRunId("run-9")
                .setWindowStartMillis(Instant.parse("2026-11-22T04:05:00Z"))
                .setWindowEndMillis(Instant.parse("2026-11-22T04:06:00Z"))
                .setMetric("latency.p99")
                .setDimension("HGETALL")
                .setValue(1.75)
                .setCount(91_234)
                .setDetail("{\"buckets\":[1,2,4]}")
                .build();
    }
}
