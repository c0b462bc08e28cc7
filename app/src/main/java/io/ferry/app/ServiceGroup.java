package io.ferry.app;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A command whose actions are services: {@code ferry NAME ACTION [--config FILE] [--SETTING VALUE
 * ...]}, as {@code ferry errors list}. Each action is a {@link Service} with settings of its own (so
 * {@code --help} and the required settings are each action's, and {@code ferry settings NAME ACTION}
 * checks them), whose spec is named {@code "NAME ACTION"}: messages then say {@code errors list}.
 * The launcher makes the group a command with one subcommand per action; {@code ferry NAME} alone
 * lists the actions. Immutable.
 *
 * <p>Why subcommands rather than a positional argument or an {@code action} setting: each action then
 * declares, documents and requires only what it uses ({@code --file} for an export, {@code --source}
 * and {@code --target} for a replay), with no rule to say which settings go with which action, and a
 * YAML file cannot pick the action by accident.
 */
record ServiceGroup(String name, String description, List<Service> actions) {
    ServiceGroup {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        actions = List.copyOf(actions);
        for (Service action : actions) {
            String service = action.spec().service();
            if (!service.startsWith(name + " ") || service.indexOf(' ', name.length() + 1) >= 0) {
                throw new IllegalArgumentException(
                        "action '" + service + "' of group '" + name + "' (expected: '" + name + " ACTION')");
            }
        }
    }

    /** The action named {@code "NAME ACTION"}, if this group has it. */
    Optional<Service> action(String service) {
        return actions.stream()
                .filter(action -> action.spec().service().equals(service))
                .findFirst();
    }
}
