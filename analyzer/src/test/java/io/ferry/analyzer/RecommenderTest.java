package io.ferry.analyzer;

import io.ferry.schemas.ReadMode;
import io.ferry.schemas.Strategy;
import io.ferry.schemas.WritePolicy;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecommenderTest {
    private static final Recommender RECOMMENDER = new Recommender(1.5, 2.0, TargetProfile.REDIS);
    private static final long GIB = 1L << 30;

    private static SourceServer source(long usedMemory, long keys, long opsPerSecond, String policy, long maxMemory) {
        return new SourceServer(
                "7.0.15",
                usedMemory,
                maxMemory,
                policy,
                keys,
                Map.of(0, keys),
                10,
                0,
                opsPerSecond,
                0,
                true,
                false,
                false);
    }

    private static TrafficProfile traffic(
            double peak,
            Map<MigrationRisk, Map<String, Long>> risks,
            Map<String, Long> prefixes,
            double distinctPrefixes) {
        return new TrafficProfile(
                100_000,
                600,
                peak / 2,
                peak,
                70_000,
                30_000,
                Map.of("GET", 70_000L, "SET", 30_000L),
                Map.of("string", 100_000L),
                risks,
                50_000,
                prefixes,
                distinctPrefixes,
                40,
                0,
                0,
                800,
                0);
    }

    private static TrafficProfile plain(double peak) {
        return traffic(peak, Map.of(), Map.of("(none)", 100_000L), 1);
    }

    @Test
    void sizesMemoryAndThroughputWithHeadroom() {
        Recommendation r = RECOMMENDER.recommend(plain(5000), source(4 * GIB, 5_000_000, 3000, "noeviction", 0));

        assertThat(r.targetMemoryBytes()).isEqualTo(6 * GIB);
        assertThat(r.targetOpsPerSecond()).isEqualTo(10_000);
        assertThat(r.sizingReasons()).anyMatch(s -> s.contains("4.0 GiB") && s.contains("6.0 GiB"));
    }

    @Test
    void anEvictingCacheGetsAtLeastItsMaxmemory() {
        Recommendation r = RECOMMENDER.recommend(plain(100), source(GIB, 10, 0, "allkeys-lru", 8 * GIB));

        assertThat(r.targetMemoryBytes()).isEqualTo(8 * GIB);
        assertThat(r.warnings()).anyMatch(w -> w.contains("evicts keys (allkeys-lru)"));
    }

    @Test
    void throughputFollowsTheSourceWhenItIsBusierThanTheAnalyzedTraffic() {
        Recommendation r = RECOMMENDER.recommend(plain(100), source(GIB, 10, 7000, "noeviction", 0));

        assertThat(r.targetOpsPerSecond()).isEqualTo(14_000);
        assertThat(r.sizingReasons()).anyMatch(s -> s.contains("instantaneous_ops_per_sec"));
    }

    @Test
    void unsupportedCommandsMeanShadowFirst() {
        Map<MigrationRisk, Map<String, Long>> risks = new EnumMap<>(MigrationRisk.class);
        risks.put(MigrationRisk.UNSUPPORTED_BY_TARGET, Map.of("CONFIG SET", 3L));
        risks.put(MigrationRisk.TRANSACTION, Map.of("MULTI", 10L, "EXEC", 10L));
        Recommendation r = RECOMMENDER.recommend(
                traffic(5000, risks, Map.of(), 0), source(4 * GIB, 5_000_000, 0, "noeviction", 0));

        assertThat(r.strategy()).isEqualTo(Strategy.SHADOW);
        assertThat(r.readMode()).isEqualTo(ReadMode.REPLICATED);
        assertThat(r.strategyReasons().get(0)).contains("CONFIG SET");
        assertThat(r.warnings().get(0)).contains("CONFIG SET").contains("refuses");
    }

    @Test
    void transactionsAvoidKeyHashSlicesAndRatioReads() {
        Map<MigrationRisk, Map<String, Long>> risks =
                Map.of(MigrationRisk.TRANSACTION, Map.of("MULTI", 5L, "EXEC", 5L));
        Recommendation r = RECOMMENDER.recommend(
                traffic(5000, risks, Map.of(), 0), source(4 * GIB, 5_000_000, 0, "noeviction", 0));

        assertThat(r.strategy()).isEqualTo(Strategy.BLUE_GREEN);
        assertThat(r.readMode()).isNotEqualTo(ReadMode.RATIO);
        assertThat(r.strategyReasons().get(0)).contains("MULTI/EXEC");
        assertThat(r.warnings()).anyMatch(w -> w.contains("never use RATIO"));
    }

    @Test
    void aFewBusyPrefixesMakeATenantStrategy() {
        Map<String, Long> prefixes = new LinkedHashMap<>();
        prefixes.put("shop-a", 50_000L);
        prefixes.put("shop-b", 30_000L);
        prefixes.put("shop-c", 19_000L);
        prefixes.put("(none)", 1_000L);
        Recommendation r = RECOMMENDER.recommend(
                traffic(5000, Map.of(), prefixes, 4), source(4 * GIB, 5_000_000, 0, "noeviction", 0));

        assertThat(r.strategy()).isEqualTo(Strategy.USER_BY_USER);
        assertThat(r.strategyReasons().get(0)).contains("[shop-a, shop-b, shop-c]");
    }

    @Test
    void prefixesWithoutTenantsShapeDoNotMakeOne() {
        // Most traffic on keys without a prefix.
        Map<String, Long> prefixes = Map.of("a", 10_000L, "b", 10_000L, "(none)", 80_000L);
        assertThat(Recommender.tenants(traffic(5000, Map.of(), prefixes, 3))).isEmpty();
        // Thousands of prefixes (ids as prefixes).
        Map<String, Long> many = Map.of("a", 50_000L, "b", 49_000L, "(other)", 1_000L);
        assertThat(Recommender.tenants(traffic(5000, Map.of(), many, 5000))).isEmpty();
    }

    @Test
    void aSmallQuietSourceMovesAtOnceAndABigOneByCanary() {
        Recommendation small = RECOMMENDER.recommend(plain(50), source(100L << 20, 20_000, 10, "noeviction", 0));
        assertThat(small.strategy()).isEqualTo(Strategy.BIG_BANG);
        assertThat(small.readMode()).isEqualTo(ReadMode.FALLBACK_ON_MISS);

        Recommendation big = RECOMMENDER.recommend(plain(20_000), source(20 * GIB, 50_000_000, 0, "noeviction", 0));
        assertThat(big.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(big.readMode()).isEqualTo(ReadMode.RATIO);
        assertThat(big.writePolicy()).isEqualTo(WritePolicy.SOURCE_AUTHORITATIVE);
    }

    @Test
    void warnsAboutPubSubBlockingDatabasesAndTheSource() {
        Map<MigrationRisk, Map<String, Long>> risks = new EnumMap<>(MigrationRisk.class);
        risks.put(MigrationRisk.PUBSUB, Map.of("SUBSCRIBE", 2L));
        risks.put(MigrationRisk.BLOCKING, Map.of("BLPOP", 2L));
        risks.put(MigrationRisk.NON_ZERO_DB, Map.of("SELECT", 1L));
        SourceServer newer =
                new SourceServer("7.2.4", GIB, 0, "noeviction", 10, Map.of(), 1, 3, 0, 2, false, false, true);
        Recommendation r = RECOMMENDER.recommend(traffic(100, risks, Map.of(), 0), newer);

        assertThat(String.join("\n", r.warnings()))
                .contains("move subscribers directly to the target")
                .contains("blocking commands")
                .contains("database 0 only")
                .contains("persists nothing")
                .contains("newer than the target's 7.0")
                .contains("Redis Cluster")
                .contains("3 clients are blocked");
    }

    @Test
    void withoutTrafficOrSourceItSaysSo() {
        Recommendation r = RECOMMENDER.recommend(TrafficProfile.NONE, null);

        assertThat(r.targetMemoryBytes()).isZero();
        assertThat(r.warnings()).anyMatch(w -> w.startsWith("no traffic was analyzed"));
        assertThat(r.sizingReasons()).anyMatch(s -> s.contains("INFO was not read"));
    }

    @Test
    void theReportsTargetDecidesWhatIsUnsupported() {
        Map<MigrationRisk, Map<String, Long>> risks = Map.of(MigrationRisk.UNSUPPORTED_BY_TARGET, Map.of("GETEX", 1L));
        TrafficProfile analyzedFor60 = new TrafficProfile(
                10,
                60,
                1,
                1,
                5,
                5,
                Map.of("GETEX", 1L, "CONFIG SET", 2L, "GET", 7L),
                Map.of(),
                risks,
                5,
                Map.of(),
                1,
                1,
                0,
                0,
                -1,
                0);

        TrafficProfile elasticache = analyzedFor60.checkedAgainst(TargetProfile.ELASTICACHE);
        assertThat(elasticache.risks().get(MigrationRisk.UNSUPPORTED_BY_TARGET)).isEqualTo(Map.of("CONFIG SET", 2L));
        assertThat(analyzedFor60.checkedAgainst(TargetProfile.REDIS).risks())
                .doesNotContainKey(MigrationRisk.UNSUPPORTED_BY_TARGET);
    }

    @Test
    void headroomBelowOneIsRefused() {
        assertThatThrownBy(() -> new Recommender(0.5, 2, TargetProfile.REDIS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: >= 1");
    }

    @Test
    void readsTheSourceFromItsInfo() {
        String info = String.join(
                "\r\n",
                "# Server",
                "redis_version:7.0.15",
                "uptime_in_seconds:100",
                "# Clients",
                "connected_clients:12",
                "blocked_clients:1",
                "# Memory",
                "used_memory:1048576",
                "maxmemory:0",
                "maxmemory_policy:noeviction",
                "# Persistence",
                "aof_enabled:1",
                "# Stats",
                "instantaneous_ops_per_sec:250",
                "pubsub_channels:3",
                "# Keyspace",
                "db0:keys=10,expires=0,avg_ttl=0",
                "db2:keys=5,expires=1,avg_ttl=10",
                "");
        SourceServer source = SourceServer.parse(info);

        assertThat(source.version()).isEqualTo("7.0.15");
        assertThat(source.usedMemory()).isEqualTo(1_048_576);
        assertThat(source.keys()).isEqualTo(15);
        assertThat(source.keysPerDb()).containsEntry(2, 5L);
        assertThat(source.connectedClients()).isEqualTo(12);
        assertThat(source.opsPerSecond()).isEqualTo(250);
        assertThat(source.pubsubChannels()).isEqualTo(3);
        assertThat(source.aof()).isTrue();
        assertThat(source.evicts()).isFalse();
    }
}
