package io.ferry.control.compat;

import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Checked for real: a key of each type found on the source is DUMPed, RESTOREd on the target under a scratch
 * name (with a one-minute TTL, so nothing stays even if the DEL after it is lost) and deleted. A target that
 * refuses the payload (an older RDB format, a missing module, an ACL without RESTORE) cannot be copied to by
 * DUMP/RESTORE, which the mover uses: blocking. Only reads touch the source; keys above {@link #MAX_PROBE_BYTES}
 * are not probed.
 */
final class DumpPayloadCheck implements CompatibilityCheck {
    static final String ID = "dump-payload";
    static final long MAX_PROBE_BYTES = 1024 * 1024;
    private static final List<String> TYPES = List.of("string", "list", "set", "zset", "hash", "stream");
    private static final int SCAN_PAGES = 10;
    private static final long PROBE_TTL_MS = 60_000;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        RedisCommands<byte[], byte[]> source = context.sourceConnection().sync();
        RedisCommands<byte[], byte[]> target = context.targetConnection().sync();
        Map<String, byte[]> samples = samples(source, context.source().facts().atLeast(6, 0));
        if (samples.isEmpty()) {
            return List.of(Finding.info(ID, "no key on the source to probe the target's RESTORE with"));
        }
        List<Finding> findings = new ArrayList<>();
        List<String> accepted = new ArrayList<>();
        for (Map.Entry<String, byte[]> sample : samples.entrySet()) {
            byte[] payload = source.dump(sample.getValue());
            if (payload == null) {
                continue; // gone since the SCAN
            }
            byte[] scratch = ("ferry:compat-probe:" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
            try {
                target.restore(scratch, PROBE_TTL_MS, payload);
                accepted.add(sample.getKey());
            } catch (RedisCommandExecutionException e) {
                findings.add(refused(sample.getKey(), e.getMessage()));
            } finally {
                try {
                    target.del(scratch);
                } catch (RedisCommandExecutionException e) {
                    // the TTL removes it within a minute
                }
            }
        }
        if (!accepted.isEmpty()) {
            findings.add(Finding.info(
                    ID, "the target accepted the source's DUMP payloads of type " + String.join(", ", accepted)));
        }
        return findings;
    }

    private static Finding refused(String type, String error) {
        String message = error == null ? "" : error;
        String remedy;
        if (message.startsWith("NOPERM")) {
            remedy = "grant the target's write user RESTORE (and DEL, PEXPIREAT): the copy writes with them";
        } else if (message.contains("payload version") || message.contains("Bad data format")) {
            remedy = "the target's Redis is older than the source's data format: use a target of the source's "
                    + "version or newer";
        } else {
            remedy = "check the target's logs; the copy cannot write this type by RESTORE";
        }
        return Finding.blocking(
                ID, "the target refused RESTORE of a " + type + " DUMPed on the source: " + message, remedy);
    }

    /** The first key of each type a few SCAN pages find, at most {@link #MAX_PROBE_BYTES} each. */
    private static Map<String, byte[]> samples(RedisCommands<byte[], byte[]> source, boolean scanByType) {
        Map<String, byte[]> samples = new LinkedHashMap<>();
        if (scanByType) {
            for (String type : TYPES) {
                scan(
                        source,
                        KeyScanArgs.Builder.type(type).limit(1000),
                        key -> type,
                        samples,
                        () -> samples.containsKey(type));
            }
        } else {
            scan(source, ScanArgs.Builder.limit(1000), source::type, samples, () -> samples.size() == TYPES.size());
        }
        return samples;
    }

    private static void scan(
            RedisCommands<byte[], byte[]> source,
            ScanArgs args,
            java.util.function.Function<byte[], String> typeOf,
            Map<String, byte[]> samples,
            java.util.function.BooleanSupplier done) {
        ScanCursor cursor = ScanCursor.INITIAL;
        for (int page = 0; page < SCAN_PAGES && !cursor.isFinished(); page++) {
            KeyScanCursor<byte[]> found = source.scan(cursor, args);
            for (byte[] key : found.getKeys()) {
                String type = typeOf.apply(key);
                if (TYPES.contains(type) && !samples.containsKey(type) && small(source, key)) {
                    samples.put(type, key);
                }
            }
            if (done.getAsBoolean()) {
                return;
            }
            cursor = found;
        }
    }

    private static boolean small(RedisCommands<byte[], byte[]> source, byte[] key) {
        Long bytes = source.memoryUsage(key);
        return bytes != null && bytes <= MAX_PROBE_BYTES;
    }
}
