package io.ferry.control.compat;

import java.util.Comparator;
import java.util.List;

/** The findings of one run of the checks, the most severe first. Immutable. */
public record CompatibilityReport(List<Finding> findings) {
    public CompatibilityReport {
        findings = findings.stream()
                .sorted(Comparator.comparing(Finding::severity).reversed())
                .toList();
    }

    /** True when a finding stops the migration. */
    public boolean blocked() {
        return findings.stream().anyMatch(Finding::blocking);
    }

    public List<Finding> blocking() {
        return findings.stream().filter(Finding::blocking).toList();
    }

    /** The findings of one check. */
    public List<Finding> of(String check) {
        return findings.stream().filter(f -> f.check().equals(check)).toList();
    }
}
