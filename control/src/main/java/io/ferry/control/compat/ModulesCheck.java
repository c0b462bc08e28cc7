package io.ferry.control.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Modules loaded on the source and not on the target: their keys cannot be RESTOREd there. */
final class ModulesCheck implements CompatibilityCheck {
    static final String ID = "modules";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> run(CheckContext context) {
        ServerSurvey source = context.source();
        ServerSurvey target = context.target();
        if (!source.modulesReadable() || !target.modulesReadable()) {
            return List.of(Finding.info(
                    ID,
                    "the modules of the " + (source.modulesReadable() ? "target" : "source")
                            + " could not be listed (MODULE LIST refused): compare them by hand"));
        }
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, String> module : source.modules().entrySet()) {
            String onTarget = target.modules().get(module.getKey());
            if (onTarget == null) {
                findings.add(Finding.blocking(
                        ID,
                        "module " + module.getKey() + " (version " + module.getValue()
                                + ") is loaded on the source, not on the target",
                        "load " + module.getKey() + " on the target: keys of its types cannot be copied without it"));
            } else if (!onTarget.equals(module.getValue())) {
                findings.add(Finding.warning(
                        ID,
                        "module " + module.getKey() + " is version " + module.getValue() + " on the source, " + onTarget
                                + " on the target",
                        "check the module's release notes for data format changes"));
            }
        }
        return findings;
    }
}
