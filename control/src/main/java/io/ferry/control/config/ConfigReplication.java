package io.ferry.control.config;

import io.ferry.control.compat.ServerSurvey;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Configuration replication: reads the source's CONFIG, proposes the {@link CarriedParameter}s whose value
 * differs on the target (a diff), and applies those the operator approves with CONFIG SET, reporting per
 * parameter what the target refused. Managed services often disable CONFIG: an unreadable target gets every
 * parameter proposed, and the refusals say so. Stateless; each call runs on the caller's thread.
 */
public final class ConfigReplication {
    private ConfigReplication() {}

    /** The diff. An unreadable source gives an empty list (nothing is known to carry). */
    public static List<ConfigProposal> propose(ServerSurvey source, ServerSurvey target) {
        List<ConfigProposal> proposals = new ArrayList<>();
        if (!source.configReadable()) {
            return proposals;
        }
        for (CarriedParameter parameter : CarriedParameter.ALL) {
            String sourceValue = value(source.config(), parameter).orElse(null);
            if (!target.configReadable()) {
                proposals.add(new ConfigProposal(
                        parameter,
                        parameter.name(),
                        sourceValue,
                        null,
                        sourceValue == null
                                ? ConfigProposal.Status.NOT_ON_SOURCE
                                : ConfigProposal.Status.TARGET_UNREADABLE));
                continue;
            }
            String targetName = target.config().containsKey(parameter.name())
                    ? parameter.name()
                    : parameter.alias().filter(target.config()::containsKey).orElse(null);
            String targetValue = targetName == null ? null : target.config().get(targetName);
            ConfigProposal.Status status;
            if (sourceValue == null) {
                status = ConfigProposal.Status.NOT_ON_SOURCE;
            } else if (targetName == null) {
                status = ConfigProposal.Status.NOT_ON_TARGET;
            } else if (sourceValue.equals(targetValue)) {
                status = ConfigProposal.Status.SAME;
            } else {
                status = ConfigProposal.Status.CHANGE;
            }
            proposals.add(new ConfigProposal(
                    parameter, targetName == null ? parameter.name() : targetName, sourceValue, targetValue, status));
        }
        return proposals;
    }

    /**
     * CONFIG SET of each proposed parameter named in {@code approved}, one at a time (so one refusal does not
     * stop the others), each read back with CONFIG GET.
     */
    public static List<ConfigOutcome> apply(
            StatefulRedisConnection<byte[], byte[]> target,
            List<ConfigProposal> proposals,
            Collection<String> approved) {
        List<ConfigOutcome> outcomes = new ArrayList<>();
        for (ConfigProposal proposal : proposals) {
            if (!proposal.proposed() || !approved.contains(proposal.name())) {
                continue;
            }
            String name = proposal.targetName();
            String value = proposal.sourceValue();
            try {
                target.sync().configSet(name, value);
                Map<String, String> now = target.sync().configGet(name);
                String readBack = now.get(name);
                outcomes.add(
                        value.equals(readBack)
                                ? new ConfigOutcome(name, value, ConfigOutcome.Result.APPLIED, "now " + readBack)
                                : new ConfigOutcome(
                                        name, value, ConfigOutcome.Result.NOT_TAKEN, "reads back as " + readBack));
            } catch (RedisCommandExecutionException e) {
                outcomes.add(new ConfigOutcome(name, value, ConfigOutcome.Result.REFUSED, e.getMessage()));
            }
        }
        return outcomes;
    }

    /** The proposals as a diff an operator reads: {@code - target value / + source value} per parameter. */
    public static String diff(List<ConfigProposal> proposals) {
        StringBuilder out = new StringBuilder();
        for (ConfigProposal proposal : proposals) {
            if (!proposal.proposed()) {
                continue;
            }
            out.append(proposal.targetName())
                    .append("  (")
                    .append(proposal.parameter().why())
                    .append(")\n");
            out.append("  - ")
                    .append(proposal.targetValue() == null ? "(not readable)" : quoted(proposal.targetValue()))
                    .append('\n');
            out.append("  + ").append(quoted(proposal.sourceValue())).append('\n');
        }
        return out.toString();
    }

    private static String quoted(String value) {
        return "'" + value + "'";
    }

    private static Optional<String> value(Map<String, String> config, CarriedParameter parameter) {
        String value = config.get(parameter.name());
        if (value == null && parameter.alias().isPresent()) {
            value = config.get(parameter.alias().get());
        }
        return Optional.ofNullable(value);
    }
}
