package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;

/**
 * The source's version: below 5.0 RESTORE has no ABSTTL and DUMP no streams (Ferry copies from 5.0 on); below
 * 7.0 there is no PEXPIRETIME, so TTLs are read relative and may stretch by the copy's delay; a target older than
 * the source may refuse its DUMP payloads (the dump-payload check tries).
 */
final class SourceVersionCheck implements CompatibilityCheck {
    static final String ID = "source-version";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        List<Finding> findings = new ArrayList<>();
        var source = context.source().facts();
        var target = context.target().facts();
        if (!source.atLeast(5, 0)) {
            findings.add(Finding.blocking(
                    ID,
                    "the source runs Redis " + source.version() + ", below 5.0",
                    "upgrade the source to 5.0 or later first: older DUMP payloads and RESTORE lack what the copy "
                            + "needs (absolute TTLs, streams)"));
        } else if (!source.hasExpireTime()) {
            findings.add(Finding.info(
                    ID,
                    "the source runs Redis " + source.version() + " (no PEXPIRETIME): TTLs are read as remaining "
                            + "time and may be up to the copy's delay per key longer on the target"));
        }
        if (olderMajor(target.version(), source.version())) {
            findings.add(Finding.warning(
                    ID,
                    "the target runs Redis " + target.version() + ", older than the source's " + source.version(),
                    "a downgrade: commands and data formats of the newer version may be refused; see the "
                            + "dump-payload finding"));
        }
        return findings;
    }

    private static boolean olderMajor(String target, String source) {
        return major(target) < major(source);
    }

    private static int major(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
