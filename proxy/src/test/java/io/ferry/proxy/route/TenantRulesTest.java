package io.ferry.proxy.route;

import io.ferry.resp.KeyPattern;
import io.ferry.schemas.Side;
import io.ferry.schemas.TenantRule;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.ferry.schemas.Side.SOURCE;
import static io.ferry.schemas.Side.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TenantRulesTest {
    private static TenantRule rule(String tenant, Side side, String... patterns) {
        return new TenantRule(tenant, Arrays.asList(patterns), side);
    }

    private static String tenantOf(TenantRules rules, String key) {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(key.getBytes(StandardCharsets.UTF_8));
        try {
            String tenant = rules.tenantOf(buf);
            Side side = rules.sideOf(buf, null);
            assertThat(buf.readerIndex()).isZero();
            assertThat(side)
                    .as("side of %s, owned by %s", key, tenant)
                    .isEqualTo(tenant == null ? null : sideOfTenant(rules, tenant));
            return tenant;
        } finally {
            buf.release();
        }
    }

    private static Side sideOf(TenantRules rules, String key, Side fallback) {
        ByteBuf buf = Unpooled.copiedBuffer(key, StandardCharsets.UTF_8);
        try {
            return rules.sideOf(buf, fallback);
        } finally {
            buf.release();
        }
    }

    private static Side sideOfTenant(TenantRules rules, String tenant) {
        // Each test names its tenants after their side.
        return tenant.startsWith("to-target") ? TARGET : SOURCE;
    }

    @Test
    void plainPatternsArePrefixes() {
        TenantRules rules = TenantRules.of(List.of(rule("to-target-orders", TARGET, "orders:")));
        assertThat(tenantOf(rules, "orders:1")).isEqualTo("to-target-orders");
        assertThat(tenantOf(rules, "orders:")).isEqualTo("to-target-orders");
        assertThat(tenantOf(rules, "orders")).isNull();
        assertThat(tenantOf(rules, "xorders:1")).isNull();
        assertThat(tenantOf(rules, "")).isNull();
    }

    @Test
    void otherPatternsAreGlobs() {
        TenantRules rules = TenantRules.of(List.of(
                rule("to-target-users", TARGET, "user:*:profile", "session:[0-9]*"),
                rule("to-target-exact", TARGET, "config\\:main"),
                rule("source-all", SOURCE, "*")));
        assertThat(tenantOf(rules, "user:42:profile")).isEqualTo("to-target-users");
        assertThat(tenantOf(rules, "session:7abc")).isEqualTo("to-target-users");
        assertThat(tenantOf(rules, "config:main")).isEqualTo("to-target-exact");
        // An escaped pattern is a glob, so a literal one: not a prefix.
        assertThat(tenantOf(rules, "config:main:2")).isEqualTo("source-all");
        assertThat(tenantOf(rules, "user:42:settings")).isEqualTo("source-all");
        // "*" does not match the empty key, as in Redis's stringmatchlen.
        assertThat(tenantOf(rules, "")).isNull();
    }

    @Test
    void theFirstTenantInOrderWins() {
        TenantRules rules = TenantRules.of(List.of(
                rule("to-target-vip", TARGET, "user:42:*"),
                rule("source-users", SOURCE, "user:"),
                rule("to-target-late", TARGET, "user:42:cart", "user:4")));
        assertThat(tenantOf(rules, "user:42:cart")).isEqualTo("to-target-vip");
        assertThat(tenantOf(rules, "user:43:cart")).isEqualTo("source-users");
        assertThat(tenantOf(rules, "user:4")).isEqualTo("source-users");

        // The same with the order of the first two turned around: the prefix now comes first.
        TenantRules reversed = TenantRules.of(
                List.of(rule("source-users", SOURCE, "user:"), rule("to-target-vip", TARGET, "user:42:*")));
        assertThat(tenantOf(reversed, "user:42:cart")).isEqualTo("source-users");
    }

    @Test
    void keysOfNoTenantGoToTheFallback() {
        TenantRules rules = TenantRules.of(List.of(rule("to-target-orders", TARGET, "orders:")));
        assertThat(sideOf(rules, "orders:1", SOURCE)).isEqualTo(TARGET);
        assertThat(sideOf(rules, "carts:1", SOURCE)).isEqualTo(SOURCE);
        assertThat(sideOf(rules, "carts:1", TARGET)).isEqualTo(TARGET);
        assertThat(sideOf(TenantRules.empty(), "orders:1", SOURCE)).isEqualTo(SOURCE);
        assertThat(TenantRules.of(List.of()).tenantCount()).isZero();
    }

    @Test
    void aTenantWithoutPatternsOwnsNothing() {
        TenantRules rules = TenantRules.of(List.of(rule("to-target-idle", TARGET), rule("source-a", SOURCE, "a")));
        assertThat(tenantOf(rules, "a1")).isEqualTo("source-a");
        assertThat(rules.tenantCount()).isEqualTo(2);
        assertThat(rules.patternCount()).isEqualTo(1);
    }

    @Test
    void lookupsAgreeWithTryingEveryPatternInOrder() {
        Random random = new Random(11);
        String[] pieces = {"a", "b", ":", "ab", "a:", "*", "?", "[ab]", "[^a]", "\\:"};
        for (int round = 0; round < 200; round++) {
            List<TenantRule> list = new ArrayList<>();
            List<List<KeyPattern>> compiled = new ArrayList<>();
            for (int t = 0; t < 1 + random.nextInt(6); t++) {
                List<String> patterns = new ArrayList<>();
                List<KeyPattern> tenantPatterns = new ArrayList<>();
                for (int p = 0; p < random.nextInt(4); p++) {
                    StringBuilder pattern = new StringBuilder();
                    for (int i = 0; i < 1 + random.nextInt(4); i++) {
                        pattern.append(pieces[random.nextInt(pieces.length)]);
                    }
                    String text = pattern.toString();
                    patterns.add(text);
                    boolean plain = text.chars().noneMatch(c -> "*?[\\".indexOf(c) >= 0);
                    tenantPatterns.add(KeyPattern.compile(plain ? text + "*" : text));
                }
                list.add(new TenantRule(
                        (t % 2 == 0 ? "to-target-" : "source-") + t, patterns, t % 2 == 0 ? TARGET : SOURCE));
                compiled.add(tenantPatterns);
            }
            TenantRules rules = TenantRules.of(list);
            for (int k = 0; k < 50; k++) {
                StringBuilder key = new StringBuilder();
                for (int i = 0; i < random.nextInt(7); i++) {
                    key.append("ab:x".charAt(random.nextInt(4)));
                }
                byte[] bytes = key.toString().getBytes(StandardCharsets.UTF_8);
                String expected = null;
                for (int t = 0; t < compiled.size() && expected == null; t++) {
                    for (KeyPattern pattern : compiled.get(t)) {
                        if (pattern.matches(bytes)) {
                            expected = list.get(t).getTenant();
                            break;
                        }
                    }
                }
                assertThat(tenantOf(rules, key.toString()))
                        .as("key \"%s\" under %s", key, list)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void manyPrefixesAreLookedUpByTrie() {
        List<TenantRule> list = new ArrayList<>();
        for (int t = 0; t < 1_000; t++) {
            List<String> patterns = new ArrayList<>();
            for (int p = 0; p < 10; p++) {
                patterns.add("tenant:" + t + ":" + p + ":");
            }
            list.add(new TenantRule(
                    (t % 2 == 0 ? "to-target-" : "source-") + t, patterns, t % 2 == 0 ? TARGET : SOURCE));
        }
        TenantRules rules = TenantRules.of(list);
        assertThat(rules.patternCount()).isEqualTo(TenantRules.MAX_PATTERNS);
        assertThat(tenantOf(rules, "tenant:999:9:cart")).isEqualTo("source-999");
        assertThat(tenantOf(rules, "tenant:12:3:x")).isEqualTo("to-target-12");
        assertThat(tenantOf(rules, "tenant:12:")).isNull();
    }

    @Test
    void invalidRulesAreRefusedWithEveryProblemNamed() {
        List<TenantRule> list = new ArrayList<>();
        list.add(rule("", TARGET, "a:"));
        list.add(rule("orders", null, "orders:", ""));
        list.add(rule("orders", SOURCE, "x".repeat(2_000)));
        list.add(new TenantRule("carts", null, SOURCE));
        list.add(null);
        assertThatThrownBy(() -> TenantRules.of(list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid tenant rules: ")
                .hasMessageContaining("tenant rule 0: the tenant name must not be empty")
                .hasMessageContaining("tenant rule 1 (\"orders\"): the side must not be null")
                .hasMessageContaining("tenant rule 1 (\"orders\"), pattern 1: key pattern must not be empty")
                .hasMessageContaining("tenant rule 2 (\"orders\"): the tenant is named by an earlier rule too")
                .hasMessageContaining("tenant rule 2 (\"orders\"), pattern 0: key pattern length: 2000 bytes")
                .hasMessageContaining("tenant rule 3 (\"carts\"): the pattern list must not be null")
                .hasMessageContaining("tenant rule 4: null");
    }

    @Test
    void tooManyPatternsAreRefused() {
        List<String> patterns = new ArrayList<>();
        for (int p = 0; p <= TenantRules.MAX_PATTERNS; p++) {
            patterns.add("k" + p + ":");
        }
        assertThatThrownBy(() -> TenantRules.of(List.of(new TenantRule("big", patterns, TARGET))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tenant rules: 10001 patterns in all (expected: <= 10000)");
    }

    @Test
    void longListsOfProblemsAreCut() {
        List<TenantRule> list = new ArrayList<>();
        for (int t = 0; t < 30; t++) {
            list.add(rule("", TARGET));
        }
        assertThatThrownBy(() -> TenantRules.of(list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("; and 10 more");
    }
}
