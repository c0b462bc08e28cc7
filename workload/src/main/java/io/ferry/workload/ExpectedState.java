package io.ferry.workload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What each workload key must hold, computed from the history alone. Decidable because every workload key is owned by
 * one connection, which sends its writes one at a time: the records of a key, in the order of their connection's
 * sequence numbers, are the order the server applied them. Records must be {@link #apply applied} in that order per
 * key (the history file holds them so).
 *
 * <p>An acknowledged write changes the model as Redis would. Where the reply says something the model can predict
 * (INCR's new value, RPUSH's length, what LPOP popped, whether SADD added), the two are compared: a reply that
 * disagrees means the server did not hold what earlier acknowledged writes left (an <em>anomaly</em>), and the key is
 * no longer predictable. A write without an acknowledgement (an error, no reply) may or may not have been applied, so
 * its key is <em>undetermined</em> until an acknowledged write that sets it whole ({@code DEL}, {@code SET}); the
 * workload sends one next for such a key. Not thread-safe.
 */
public final class ExpectedState {
    private final Map<String, KeyModel> keys = new HashMap<>();
    private final List<String> anomalySamples = new ArrayList<>();
    private final int sampleLimit;
    private long anomalies;
    private long records;

    public ExpectedState(int sampleLimit) {
        this.sampleLimit = sampleLimit;
    }

    /** One key's model. */
    public static final class KeyModel {
        private String type = "none";
        private Object value;
        private long expireMin = -1;
        private long expireMax = -1;
        private boolean determined = true;
        private long acknowledged;
        private long sinceReset;
        private long unacknowledged;

        /** False after a write whose outcome is unknown, until a write that sets the key whole is acknowledged. */
        public boolean determined() {
            return determined;
        }

        /** Acknowledged writes since the key was last set whole (or since the start): what a wrong key loses. */
        public long acknowledgedSinceReset() {
            return sinceReset;
        }

        public long acknowledged() {
            return acknowledged;
        }

        public long unacknowledged() {
            return unacknowledged;
        }

        /** The value the key holds now, as {@link KeyValue} normalises it; null when absent. */
        public Object value() {
            return value;
        }

        public String type() {
            return type;
        }

        /** The earliest the key's expiry can be (epoch ms), -1 without one. */
        public long expireMin() {
            return expireMin;
        }

        public long expireMax() {
            return expireMax;
        }
    }

    /** How a key read from a server compares with its model. */
    public enum Verdict {
        MATCH,
        DIFFERENT,
        UNDETERMINED
    }

    /** Applies one history record. */
    public void apply(HistoryRecord record) {
        records++;
        KeyModel m = keys.computeIfAbsent(record.key(), k -> new KeyModel());
        if (!record.acknowledged()) {
            m.unacknowledged++;
            m.determined = false;
            return;
        }
        m.acknowledged++;
        String name = record.name();
        boolean whole = name.equals("DEL") || name.equals("SET");
        if (whole) {
            // Set whole: whatever an unacknowledged write did before no longer matters.
            m.sinceReset = 0;
        }
        m.sinceReset++;
        if (!m.determined && !whole) {
            return;
        }
        boolean checkReply = m.determined;
        m.determined = true;
        if (m.value != null && m.expireMax >= 0) {
            if (m.expireMax < record.sentMillis()) {
                clear(m); // expired before this write was sent
            } else if (m.expireMin <= record.ackedMillis()) {
                // It may have expired just before or after this write.
                if (!whole) {
                    m.determined = false;
                    return;
                }
                checkReply = false;
            }
        }
        if (!checkReply) {
            applyWhole(m, record, false);
            return;
        }
        try {
            apply(m, record);
        } catch (RuntimeException e) {
            anomaly(m, record, "the reply cannot be read (" + e.getMessage() + ")");
        }
    }

    private void apply(KeyModel m, HistoryRecord r) {
        switch (r.name()) {
            case "SET", "DEL" -> applyWhole(m, r, true);
            case "APPEND" -> {
                String current = m.value == null ? "" : (String) m.value;
                create(m, "string", current + r.arg(2));
                expect(m, r, ((String) m.value).length());
            }
            case "INCR" -> {
                long current = m.value == null ? 0 : Long.parseLong((String) m.value);
                create(m, "string", Long.toString(current + 1));
                expect(m, r, current + 1);
            }
            case "HSET" -> {
                Map<String, String> hash = collection(m, "hash", TreeMap::new);
                boolean added = hash.put(r.arg(2), r.arg(3)) == null;
                expect(m, r, added ? 1 : 0);
            }
            case "HINCRBY" -> {
                Map<String, String> hash = collection(m, "hash", TreeMap::new);
                long value = Long.parseLong(hash.getOrDefault(r.arg(2), "0")) + Long.parseLong(r.arg(3));
                hash.put(r.arg(2), Long.toString(value));
                expect(m, r, value);
            }
            case "RPUSH" -> {
                List<String> list = collection(m, "list", ArrayList::new);
                list.add(r.arg(2));
                expect(m, r, list.size());
            }
            case "LPOP" -> {
                List<String> list = m.value == null ? List.of() : listValue(m);
                String popped = list.isEmpty() ? null : list.remove(0);
                String reply = r.replyType() == '_' ? null : r.replyText();
                if (!Objects.equals(popped, reply)) {
                    anomaly(m, r, "popped " + show(reply) + ", expected " + show(popped));
                    return;
                }
                emptied(m);
            }
            case "SADD" -> {
                Set<String> set = collection(m, "set", HashSet::new);
                expect(m, r, set.add(r.arg(2)) ? 1 : 0);
            }
            case "SREM" -> {
                boolean removed = m.value != null && setValue(m).remove(r.arg(2));
                if (expect(m, r, removed ? 1 : 0)) {
                    emptied(m);
                }
            }
            case "ZADD" -> {
                Map<String, Double> zset = collection(m, "zset", TreeMap::new);
                boolean added = zset.put(r.arg(3), Double.parseDouble(r.arg(2))) == null;
                expect(m, r, added ? 1 : 0);
            }
            case "ZINCRBY" -> {
                Map<String, Double> zset = collection(m, "zset", TreeMap::new);
                double score = zset.getOrDefault(r.arg(3), 0.0) + Double.parseDouble(r.arg(2));
                zset.put(r.arg(3), score);
                double reply = Double.parseDouble(r.replyText());
                if (reply != score) {
                    anomaly(m, r, "replied score " + reply + ", expected " + score);
                }
            }
            case "XADD" -> {
                // XADD key MAXLEN = N * field value
                int maxLength = Integer.parseInt(r.arg(4));
                List<List<String>> stream = collection(m, "stream", ArrayList::new);
                List<String> entry = new ArrayList<>();
                entry.add(r.replyText());
                entry.addAll(r.command().subList(6, r.command().size()));
                stream.add(entry);
                while (stream.size() > maxLength) {
                    stream.remove(0);
                }
            }
            case "EXPIRE" -> {
                boolean exists = m.value != null;
                if (expect(m, r, exists ? 1 : 0) && exists) {
                    long ttl = Long.parseLong(r.arg(2)) * 1000;
                    m.expireMin = r.sentMillis() + ttl;
                    m.expireMax = r.ackedMillis() + ttl;
                }
            }
            default -> {
                m.determined = false;
                anomaly(m, r, "a command the checker does not model");
            }
        }
    }

    /** SET and DEL: the key set whole. {@code check}: compare DEL's reply with the model. */
    private void applyWhole(KeyModel m, HistoryRecord r, boolean check) {
        if (r.name().equals("DEL")) {
            boolean existed = m.value != null;
            clear(m);
            if (check) {
                expect(m, r, existed ? 1 : 0);
            }
            return;
        }
        // SET key value [EX seconds]
        m.type = "string";
        m.value = r.arg(2);
        if (r.command().size() >= 5 && r.arg(3).equals("EX")) {
            long ttl = Long.parseLong(r.arg(4)) * 1000;
            m.expireMin = r.sentMillis() + ttl;
            m.expireMax = r.ackedMillis() + ttl;
        } else {
            m.expireMin = -1;
            m.expireMax = -1;
        }
    }

    private static void clear(KeyModel m) {
        m.type = "none";
        m.value = null;
        m.expireMin = -1;
        m.expireMax = -1;
    }

    /** A collection left empty is a key that no longer exists. */
    private static void emptied(KeyModel m) {
        if (m.value instanceof List<?> list && list.isEmpty()
                || m.value instanceof Set<?> set && set.isEmpty()
                || m.value instanceof Map<?, ?> map && map.isEmpty()) {
            clear(m);
        }
    }

    private static void create(KeyModel m, String type, Object value) {
        if (m.value == null) {
            m.expireMin = -1;
            m.expireMax = -1;
        }
        m.type = type;
        m.value = value;
    }

    @SuppressWarnings("unchecked")
    private static <T> T collection(KeyModel m, String type, java.util.function.Supplier<T> empty) {
        if (m.value == null) {
            create(m, type, empty.get());
        }
        return (T) m.value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> listValue(KeyModel m) {
        return (List<String>) m.value;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> setValue(KeyModel m) {
        return (Set<String>) m.value;
    }

    /** Compares an integer reply with what the model predicts; an anomaly when they differ. */
    private boolean expect(KeyModel m, HistoryRecord r, long expected) {
        if (r.replyType() != ':' || r.replyLong() != expected) {
            anomaly(m, r, "replied " + r.reply() + ", expected :" + expected);
            return false;
        }
        return true;
    }

    private void anomaly(KeyModel m, HistoryRecord r, String what) {
        anomalies++;
        m.determined = false;
        if (anomalySamples.size() < sampleLimit) {
            anomalySamples.add("connection " + r.connection() + " write " + r.seq() + " " + r.name() + " " + r.key()
                    + ": " + what);
        }
    }

    private static String show(String value) {
        return value == null ? "nil" : "'" + value + "'";
    }

    /**
     * Compares {@code actual}, read from a server at {@code nowMillis}, with the model of {@code key}. A key whose
     * expiry falls within {@code toleranceMillis} of now may be there or not; an expiry must be within the tolerance
     * of the window the history allows.
     */
    public Verdict judge(String key, KeyValue actual, long nowMillis, long toleranceMillis) {
        KeyModel m = keys.get(key);
        if (m == null || !m.determined) {
            return Verdict.UNDETERMINED;
        }
        boolean expiring = m.value != null && m.expireMax >= 0;
        if (expiring && m.expireMax + toleranceMillis < nowMillis) {
            return actual.exists() ? Verdict.DIFFERENT : Verdict.MATCH; // expired
        }
        if (expiring && m.expireMin - toleranceMillis <= nowMillis && !actual.exists()) {
            return Verdict.MATCH; // expiring about now
        }
        if (m.value == null) {
            return actual.exists() ? Verdict.DIFFERENT : Verdict.MATCH;
        }
        if (!actual.type().equals(m.type) || !Objects.equals(actual.value(), m.value)) {
            return Verdict.DIFFERENT;
        }
        if (!expiring) {
            return actual.expireAtMillis() < 0 ? Verdict.MATCH : Verdict.DIFFERENT;
        }
        long at = actual.expireAtMillis();
        return at >= m.expireMin - toleranceMillis && at <= m.expireMax + toleranceMillis
                ? Verdict.MATCH
                : Verdict.DIFFERENT;
    }

    /** The model of every key written, by key. */
    public Map<String, KeyModel> keys() {
        return Collections.unmodifiableMap(keys);
    }

    public KeyModel key(String key) {
        return keys.get(key);
    }

    /** Replies that disagreed with the writes acknowledged before them. */
    public long anomalies() {
        return anomalies;
    }

    public List<String> anomalySamples() {
        return List.copyOf(anomalySamples);
    }

    public long records() {
        return records;
    }
}
