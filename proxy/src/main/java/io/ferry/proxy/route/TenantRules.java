package io.ferry.proxy.route;

import io.ferry.resp.KeyPattern;
import io.ferry.schemas.Side;
import io.ferry.schemas.TenantRule;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which side serves each tenant's keys under the USER_BY_USER strategy, compiled from the ordered
 * {@link TenantRule}s of the migration state: a key belongs to the first tenant, in rule order,
 * with a pattern matching it.
 *
 * <p>A pattern with no glob metacharacter ({@code * ? [ \}) is a prefix: {@code orders:} means
 * every key starting with {@code orders:}, the same as {@code orders:*}. Any other pattern is a
 * {@link KeyPattern} glob, matched as Redis's {@code SCAN MATCH} matches; to name one key exactly,
 * escape one of its bytes ({@code orders\:1} is the key {@code orders:1} only).
 *
 * <p>Lookups cost time linear in the key for prefixes and literals, however many there are, plus one
 * match per glob of a tenant ranked before the best match so far; they allocate nothing. Immutable
 * and thread-safe.
 */
public final class TenantRules {
    /** The most patterns all tenants together may have. */
    public static final int MAX_PATTERNS = 10_000;

    // Problems beyond this many are counted, not listed: an error message must stay readable.
    private static final int MAX_PROBLEMS_LISTED = 20;

    private static final TenantRules EMPTY =
            new TenantRules(new String[0], new Side[0], PrefixTrie.builder().build(), new KeyPattern[0], new int[0], 0);

    private final String[] tenants;
    private final Side[] sides;
    private final PrefixTrie literalsAndPrefixes;
    // Globs by ascending rank, so the first one matching is the best among them.
    private final KeyPattern[] globs;
    private final int[] globRanks;
    private final int patternCount;

    private TenantRules(
            String[] tenants,
            Side[] sides,
            PrefixTrie literalsAndPrefixes,
            KeyPattern[] globs,
            int[] globRanks,
            int patternCount) {
        this.tenants = tenants;
        this.sides = sides;
        this.literalsAndPrefixes = literalsAndPrefixes;
        this.globs = globs;
        this.globRanks = globRanks;
        this.patternCount = patternCount;
    }

    /** Rules that own no key. */
    public static TenantRules empty() {
        return EMPTY;
    }

    /**
     * Compiles {@code rules}, in order. A tenant may have no pattern, and then owns no key.
     *
     * @throws IllegalArgumentException naming every problem found: a null rule, a tenant name null,
     *     empty or used twice, a null side or pattern list, an invalid pattern, or more than {@value
     *     #MAX_PATTERNS} patterns in all
     */
    public static TenantRules of(List<TenantRule> rules) {
        List<String> problems = new ArrayList<>();
        int total = 0;
        for (TenantRule rule : rules) {
            if (rule != null && rule.getPatterns() != null) {
                total += rule.getPatterns().size();
            }
        }
        if (total > MAX_PATTERNS) {
            // Checked first, so that an oversized list is refused before any pattern is compiled.
            throw new IllegalArgumentException(
                    "tenant rules: " + total + " patterns in all (expected: <= " + MAX_PATTERNS + ")");
        }
        String[] tenants = new String[rules.size()];
        Side[] sides = new Side[rules.size()];
        PrefixTrie.Builder trie = PrefixTrie.builder();
        List<KeyPattern> globs = new ArrayList<>();
        List<Integer> globRanks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int rank = 0; rank < rules.size(); rank++) {
            TenantRule rule = rules.get(rank);
            String where = "tenant rule " + rank;
            if (rule == null) {
                problems.add(where + ": null");
                continue;
            }
            String tenant = rule.getTenant();
            if (tenant == null || tenant.isEmpty()) {
                problems.add(where + ": the tenant name must not be empty");
            } else {
                where += " (" + KeyPattern.quote(tenant) + ")";
                if (!seen.add(tenant)) {
                    problems.add(where + ": the tenant is named by an earlier rule too");
                }
            }
            if (rule.getSide() == null) {
                problems.add(where + ": the side must not be null");
            }
            tenants[rank] = tenant;
            sides[rank] = rule.getSide();
            List<String> patterns = rule.getPatterns();
            if (patterns == null) {
                problems.add(where + ": the pattern list must not be null");
                continue;
            }
            for (int i = 0; i < patterns.size(); i++) {
                String pattern = patterns.get(i);
                if (pattern == null) {
                    problems.add(where + ", pattern " + i + ": null");
                    continue;
                }
                try {
                    KeyPattern compiled = KeyPattern.compile(pattern);
                    switch (compiled.kind()) {
                        case LITERAL -> {
                            if (isGlob(pattern)) {
                                trie.addLiteral(compiled.literal(), rank);
                            } else {
                                trie.addPrefix(compiled.literal(), rank);
                            }
                        }
                        // "*" has an empty prefix, which the trie refuses: it stays a glob.
                        case PREFIX -> {
                            if (compiled.literal().length > 0) {
                                trie.addPrefix(compiled.literal(), rank);
                            } else {
                                globs.add(compiled);
                                globRanks.add(rank);
                            }
                        }
                        case GLOB -> {
                            globs.add(compiled);
                            globRanks.add(rank);
                        }
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(where + ", pattern " + i + ": " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(describe(problems));
        }
        return new TenantRules(
                tenants,
                sides,
                trie.build(),
                globs.toArray(KeyPattern[]::new),
                globRanks.stream().mapToInt(Integer::intValue).toArray(),
                total);
    }

    /**
     * The side of the first tenant owning the key between {@code key}'s reader and writer index, or
     * {@code fallback} if no tenant does.
     */
    public Side sideOf(ByteBuf key, Side fallback) {
        int rank = rankOf(key);
        return rank == PrefixTrie.NONE ? fallback : sides[rank];
    }

    /** The name of the first tenant owning the key, or null if no tenant does. */
    public String tenantOf(ByteBuf key) {
        int rank = rankOf(key);
        return rank == PrefixTrie.NONE ? null : tenants[rank];
    }

    /** The number of tenants, including those with no pattern. */
    public int tenantCount() {
        return tenants.length;
    }

    /** The number of patterns of all tenants together. */
    public int patternCount() {
        return patternCount;
    }

    @Override
    public String toString() {
        return "TenantRules[" + tenants.length + " tenants, " + patternCount + " patterns, " + globs.length + " globs]";
    }

    private int rankOf(ByteBuf key) {
        int best = literalsAndPrefixes.lowestOwner(key);
        for (int i = 0; i < globs.length && globRanks[i] < best; i++) {
            if (globs[i].matches(key)) {
                return globRanks[i];
            }
        }
        return best;
    }

    private static boolean isGlob(String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private static String describe(List<String> problems) {
        StringBuilder message = new StringBuilder("invalid tenant rules: ");
        int listed = Math.min(problems.size(), MAX_PROBLEMS_LISTED);
        message.append(String.join("; ", problems.subList(0, listed)));
        if (problems.size() > listed) {
            message.append("; and ").append(problems.size() - listed).append(" more");
        }
        return message.toString();
    }
}
