package io.ferry.comparator.replay;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.AttributeMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.MapMessage;
import io.ferry.resp.ReplyDigest;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SetMessage;
import io.ferry.resp.command.CommandInfo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Tells whether two replies to the same read mean the same thing, knowing how Redis answers:
 *
 * <ul>
 *   <li>a command whose reply order is not deterministic (the command table's {@code nondeterministic_output_order}
 *       tip: SMEMBERS, HKEYS, HVALS, SINTER, KEYS, ...) is compared as a multiset of its top-level elements; HGETALL,
 *       whose RESP2 reply is a flat array of fields and values, as a multiset of field/value pairs;
 *   <li>RESP3 maps and sets, at any depth, are multisets of entries or elements, whatever the command;
 *   <li>TTL and PTTL agree when their positive values are within the TTL tolerance plus the time elapsed between the
 *       two replies; EXPIRETIME and PEXPIRETIME (absolute) within the tolerance; the negative answers (-1 no expiry, -2
 *       no key) must be equal;
 *   <li>RESP3 attributes are ignored; everything else must be byte for byte equal.
 * </ul>
 *
 * Immutable and thread-safe; messages are read, never released.
 */
public final class ResponseComparator {
    /** How two replies of one command are compared. */
    public enum Rule {
        EXACT,
        /** Top-level elements as a multiset. */
        UNORDERED,
        /** A flat array of key/value pairs as a multiset of pairs (HGETALL in RESP2). */
        UNORDERED_PAIRS,
        /** A relative TTL in seconds (TTL). */
        TTL_SECONDS,
        /** A relative TTL in milliseconds (PTTL). */
        TTL_MILLIS,
        /** An absolute expiry in Unix seconds (EXPIRETIME). */
        EXPIRY_SECONDS,
        /** An absolute expiry in Unix milliseconds (PEXPIRETIME). */
        EXPIRY_MILLIS;

        /** True for the rules of the TTL family, whose replies may differ by a tolerance. */
        public boolean isTtl() {
            return this == TTL_SECONDS || this == TTL_MILLIS || this == EXPIRY_SECONDS || this == EXPIRY_MILLIS;
        }
    }

    /**
     * Order-nondeterministic commands whose RESP2 reply is a flat array of key/value pairs (a map in RESP3). Knowledge
     * of a reply's shape, which the command table does not carry.
     */
    private static final Set<String> PAIRED_REPLIES = Set.of("hgetall");

    private final Duration ttlTolerance;

    public ResponseComparator(Duration ttlTolerance) {
        Objects.requireNonNull(ttlTolerance, "ttlTolerance");
        if (ttlTolerance.isNegative()) {
            throw new IllegalArgumentException("ttl tolerance: " + ttlTolerance + " (expected: >= 0)");
        }
        this.ttlTolerance = ttlTolerance;
    }

    public Duration ttlTolerance() {
        return ttlTolerance;
    }

    /** The comparison rule of a command, from its command-table entry. */
    public static Rule ruleFor(CommandInfo info) {
        switch (info.name()) {
            case "ttl":
                return Rule.TTL_SECONDS;
            case "pttl":
                return Rule.TTL_MILLIS;
            case "expiretime":
                return Rule.EXPIRY_SECONDS;
            case "pexpiretime":
                return Rule.EXPIRY_MILLIS;
            default:
                break;
        }
        if (info.isOutputOrderNondeterministic()) {
            return PAIRED_REPLIES.contains(info.name()) ? Rule.UNORDERED_PAIRS : Rule.UNORDERED;
        }
        return Rule.EXACT;
    }

    /**
     * True when replies of {@code info} can be compared at all: deterministic commands, commands whose order only is
     * not (compared unordered), and the TTL family (TTL and PTTL carry the {@code nondeterministic_output} tip, since
     * time passes; they are compared within the tolerance).
     */
    public static boolean comparable(CommandInfo info) {
        return !info.isNondeterministic()
                || info.isOutputOrderNondeterministic()
                || ruleFor(info).isTtl();
    }

    /** True for an order-nondeterministic reply, digested with sorted elements by {@link ReplyDigest}. */
    public static boolean unorderedDigest(CommandInfo info) {
        return info.isOutputOrderNondeterministic();
    }

    /**
     * Whether {@code expected} and {@code actual} agree under {@code rule}.
     *
     * @param elapsed time between the two replies (capture and replay); zero for replies taken at the same moment
     */
    public boolean equivalent(Rule rule, RespMessage expected, RespMessage actual, Duration elapsed) {
        RespMessage a = AttributeMessage.unwrap(expected);
        RespMessage b = AttributeMessage.unwrap(actual);
        if (rule.isTtl() && a instanceof IntegerMessage x && b instanceof IntegerMessage y) {
            return ttlAgrees(rule, x.value(), y.value(), elapsed);
        }
        int order =
                switch (rule) {
                    case UNORDERED -> SINGLES;
                    case UNORDERED_PAIRS -> PAIRS;
                    default -> ORDERED;
                };
        return Arrays.equals(canonical(a, order), canonical(b, order));
    }

    private boolean ttlAgrees(Rule rule, long expected, long actual, Duration elapsed) {
        if (expected < 0 || actual < 0) {
            return expected == actual;
        }
        long slackMillis = ttlTolerance.toMillis();
        if (rule == Rule.TTL_SECONDS || rule == Rule.TTL_MILLIS) {
            slackMillis += Math.max(0, elapsed.toMillis());
        }
        long slack =
                switch (rule) {
                    // TTL rounds to whole seconds: one more second of slack for the rounding.
                    case TTL_SECONDS, EXPIRY_SECONDS -> (slackMillis + 999) / 1000 + 1;
                    default -> slackMillis;
                };
        return Math.abs(expected - actual) <= slack;
    }

    private static final int ORDERED = 0;
    private static final int SINGLES = 1;
    private static final int PAIRS = 2;

    /**
     * A byte form of {@code message} equal for two replies that mean the same: the RESP encoding, with the elements of
     * maps, sets and (at the top, per {@code order}) unordered arrays sorted. Each part is self-delimiting, so joining
     * them is unambiguous.
     */
    static byte[] canonical(RespMessage message, int order) {
        RespMessage m = AttributeMessage.unwrap(message);
        if (m instanceof MapMessage map) {
            return sorted(map, PAIRS);
        }
        if (m instanceof SetMessage set) {
            return sorted(set, SINGLES);
        }
        if (m instanceof AggregateMessage aggregate) {
            if (order == SINGLES || (order == PAIRS && aggregate.size() % 2 == 0)) {
                return sorted(aggregate, order);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            header(out, aggregate);
            for (RespMessage element : aggregate.elements()) {
                out.writeBytes(canonical(element, ORDERED));
            }
            return out.toByteArray();
        }
        return ReplyDigest.encode(m);
    }

    private static byte[] sorted(AggregateMessage aggregate, int order) {
        int step = order == PAIRS ? 2 : 1;
        List<RespMessage> elements = aggregate.elements();
        List<byte[]> parts = new ArrayList<>(elements.size() / step);
        for (int i = 0; i + step - 1 < elements.size(); i += step) {
            byte[] part = canonical(elements.get(i), ORDERED);
            if (step == 2) {
                byte[] value = canonical(elements.get(i + 1), ORDERED);
                byte[] both = Arrays.copyOf(part, part.length + value.length);
                System.arraycopy(value, 0, both, part.length, value.length);
                part = both;
            }
            parts.add(part);
        }
        parts.sort(Arrays::compareUnsigned);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        header(out, aggregate);
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, AggregateMessage aggregate) {
        out.write(aggregate.type().prefix());
        out.writeBytes(Integer.toString(aggregate.size()).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }
}
