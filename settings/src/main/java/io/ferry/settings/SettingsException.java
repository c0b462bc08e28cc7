package io.ferry.settings;

import java.util.List;

/**
 * Every problem found in a service's settings, reported together so the operator fixes them in one
 * go. The message names each key and its (masked) value; it never contains a secret.
 */
public final class SettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String service;
    private final List<String> problems;

    public SettingsException(String service, List<String> problems) {
        super(format(service, problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a SettingsException needs at least one problem");
        }
        this.service = service;
        this.problems = List.copyOf(problems);
    }

    public String service() {
        return service;
    }

    /** One line per problem, each naming the setting. */
    public List<String> problems() {
        return problems;
    }

    private static String format(String service, List<String> problems) {
        StringBuilder message = new StringBuilder();
        message.append(problems.size() == 1 ? "1 problem" : problems.size() + " problems")
                .append(" in the settings of '")
                .append(service)
                .append("':");
        for (String problem : problems) {
            message.append(System.lineSeparator()).append("  - ").append(problem);
        }
        return message.toString();
    }
}
