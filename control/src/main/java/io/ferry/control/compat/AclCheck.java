package io.ferry.control.compat;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the users Ferry connects as may run what the migration needs, asked with ACL DRYRUN (Redis 7): on the
 * source the reads of the copy and the verify, on the target the writes of the copy. DRYRUN is asked of each
 * server about its own connection's user, with a key the source really holds, so key patterns count.
 */
final class AclCheck implements CompatibilityCheck {
    static final String ID = "acl";
    private static final String PROBE_KEY = "ferry:acl-probe";

    /** What the copy and the verify read on the source; a denial of the first ones stops the copy. */
    private static final List<List<String>> SOURCE_NEEDS = List.of(
            List.of("SCAN", "0"),
            List.of("TYPE", "{key}"),
            List.of("DUMP", "{key}"),
            List.of("PTTL", "{key}"),
            List.of("PEXPIRETIME", "{key}"),
            List.of("MEMORY", "USAGE", "{key}"),
            List.of("INFO"));

    /** What the copy (and the reconciler's repairs) write on the target. */
    private static final List<List<String>> TARGET_NEEDS = List.of(
            List.of("RESTORE", "{key}", "0", "payload", "REPLACE", "ABSTTL"),
            List.of("DEL", "{key}"),
            List.of("PEXPIREAT", "{key}", "1"),
            List.of("EXISTS", "{key}"),
            List.of("TYPE", "{key}"),
            List.of("DUMP", "{key}"),
            List.of("SCAN", "0"),
            List.of("INFO"));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        String key = sampleKey(context.sourceConnection());
        check("source", context.source(), context.sourceConnection(), SOURCE_NEEDS, key, findings);
        check("target", context.target(), context.targetConnection(), TARGET_NEEDS, key, findings);
        return findings;
    }

    private static void check(
            String side,
            ServerSurvey survey,
            StatefulRedisConnection<byte[], byte[]> connection,
            List<List<String>> needs,
            String key,
            List<Finding> findings) {
        if (!survey.facts().atLeast(7, 0)) {
            findings.add(Finding.info(
                    ID,
                    "the " + side + " runs Redis " + survey.version() + ": ACL DRYRUN (7.0) is not there to "
                            + "check its user's permissions beforehand"));
            return;
        }
        List<String> denied = new ArrayList<>();
        for (List<String> need : needs) {
            if (need.get(0).equals("PEXPIRETIME") && !survey.facts().hasExpireTime()) {
                continue;
            }
            List<Object> args = new ArrayList<>();
            args.add("DRYRUN");
            args.add(survey.user());
            for (String arg : need) {
                args.add(arg.equals("{key}") ? key : arg);
            }
            String verdict;
            try {
                verdict = ServerCalls.status(connection, "ACL", args.toArray());
            } catch (RedisCommandExecutionException e) {
                findings.add(Finding.warning(
                        ID,
                        "the " + side + "'s user '" + survey.user() + "' may not run ACL DRYRUN, so its "
                                + "permissions could not be checked: " + e.getMessage(),
                        "check that '" + survey.user() + "' may run " + names(needs) + ", or give Ferry an admin "
                                + "connection for the checks"));
                return;
            }
            if (!"OK".equals(verdict)) {
                denied.add(String.join(" ", need).replace("{key}", "<key>") + " (" + verdict + ")");
            }
        }
        if (!denied.isEmpty()) {
            findings.add(Finding.blocking(
                    ID,
                    "the " + side + "'s user '" + survey.user() + "' may not run: " + String.join("; ", denied),
                    "grant '" + survey.user() + "' those commands on the " + side + " (e.g. ACL SETUSER "
                            + survey.user() + " +" + needs.get(0).get(0).toLowerCase(java.util.Locale.ROOT)
                            + " ...), then run the checks again"));
        }
    }

    private static String names(List<List<String>> needs) {
        List<String> names = new ArrayList<>();
        for (List<String> need : needs) {
            names.add(need.get(0).equals("MEMORY") ? "MEMORY USAGE" : need.get(0));
        }
        return String.join(", ", names);
    }

    /** A key the source holds (so the user's key patterns are tested on a real name), else a probe name. */
    private static String sampleKey(StatefulRedisConnection<byte[], byte[]> source) {
        try {
            KeyScanCursor<byte[]> page = source.sync().scan(ScanArgs.Builder.limit(10));
            if (!page.getKeys().isEmpty()) {
                return new String(page.getKeys().get(0), StandardCharsets.UTF_8);
            }
        } catch (RedisCommandExecutionException e) {
            // SCAN denied: the DRYRUN of SCAN says so
        }
        return PROBE_KEY;
    }
}
