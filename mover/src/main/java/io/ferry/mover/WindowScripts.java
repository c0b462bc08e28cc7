package io.ferry.mover;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Lua scripts a {@link KeyCopier} copies a window of keys with: one call on the source reads every
 * key's size, DUMP payload and expiry; one call on the target restores them all. Each redis.call is
 * the command the pipelined path sends, so what a script can do, ACLs and all, is what the commands
 * can do.
 */
final class WindowScripts {
    /**
     * Payload bytes one read call gathers at most (it stops after the key that reaches them). A script
     * runs atomically: the source serves no other client meanwhile, so a call is kept to about what a
     * single DUMP of a mid-sized key costs, never a whole window of big values.
     */
    static final long MAX_BYTES_PER_CALL = 1L << 20;

    /** The expiry a key too big to DUMP is reported with. */
    static final long BIG = -3;

    /**
     * KEYS: the window. ARGV: big-key bytes, window bytes, the target's bulk limit, 1 when the source has
     * PEXPIRETIME. Returns (memory usage, payload or nil, expiry) per key read; it stops after the key
     * that brings the payloads to the window's bytes. Expiry: absolute ms (PEXPIRETIME) or PTTL; -1 none,
     * -2 no key, -3 too big to DUMP.
     */
    static final String READ = """
            local big, budget, bulk = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local absolute = ARGV[4] == '1'
            local out, total = {}, 0
            for _, key in ipairs(KEYS) do
              local used = redis.call('MEMORY', 'USAGE', key)
              if not used then
                out[#out + 1] = 0; out[#out + 1] = false; out[#out + 1] = -2
              elseif used > big then
                out[#out + 1] = used; out[#out + 1] = false; out[#out + 1] = -3
              else
                local payload = redis.call('DUMP', key)
                if not payload then
                  out[#out + 1] = used; out[#out + 1] = false; out[#out + 1] = -2
                elseif #payload > bulk then
                  out[#out + 1] = used; out[#out + 1] = false; out[#out + 1] = -3
                else
                  local expiry
                  if absolute then expiry = redis.call('PEXPIRETIME', key) else expiry = redis.call('PTTL', key) end
                  out[#out + 1] = used; out[#out + 1] = payload; out[#out + 1] = expiry
                  total = total + #payload
                end
              end
              if total >= budget then break end
            end
            return out
            """;

    /**
     * KEYS: the keys to restore. ARGV: 1 to replace what the target holds, then (absolute expiry ms or 0,
     * payload) per key. Returns per key OK or the error RESTORE gave.
     */
    static final String RESTORE = """
            local replace = ARGV[1] == '1'
            local out = {}
            for i, key in ipairs(KEYS) do
              local reply
              if replace then
                reply = redis.pcall('RESTORE', key, ARGV[2 * i], ARGV[2 * i + 1], 'ABSTTL', 'REPLACE')
              else
                reply = redis.pcall('RESTORE', key, ARGV[2 * i], ARGV[2 * i + 1], 'ABSTTL')
              end
              if type(reply) == 'table' and reply.err then out[i] = reply.err else out[i] = 'OK' end
            end
            return out
            """;

    private WindowScripts() {}

    static byte[] arg(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * True when the server will not run the scripts at all, as opposed to a failure of this call: no
     * EVAL (unknown or denied), a script command denied by ACL, keys of several cluster slots.
     */
    static boolean refused(String error) {
        String lower = error.toLowerCase(Locale.ROOT);
        return lower.startsWith("noperm")
                || lower.contains("unknown command")
                || lower.contains("crossslot")
                || lower.contains("not allowed from script")
                || lower.contains("no scripts")
                || lower.contains("noscript");
    }
}
