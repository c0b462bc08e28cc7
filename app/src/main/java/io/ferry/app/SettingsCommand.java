package io.ferry.app;

import io.ferry.settings.Settings;
import io.ferry.settings.SettingsFlags;
import io.ferry.settings.SettingsSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.function.Function;

/**
 * The command-line shapes of services: {@code ferry SERVICE [--config FILE] [--NAME VALUE ...]} runs
 * one; {@code ferry settings SERVICE ...} checks its settings exactly as the service would at
 * start-up and prints the effective configuration (secrets masked) without starting anything. A
 * {@link ServiceGroup} adds a level: {@code ferry GROUP ACTION ...}, {@code ferry settings GROUP
 * ACTION ...}.
 */
final class SettingsCommand {
    private SettingsCommand() {}

    /** {@code ferry settings} with one subcommand per service. */
    static CommandLine checker() {
        CommandSpec parent = CommandSpec.create().name("settings").mixinStandardHelpOptions(true);
        parent.usageMessage()
                .description("Check a service's settings and print the effective configuration, secrets masked.");
        CommandLine command = new CommandLine(parent);
        for (Service service : ServiceCatalog.SERVICES) {
            command.addSubcommand(service.spec().service(), checkerOf(service));
        }
        for (ServiceGroup group : ServiceCatalog.GROUPS) {
            command.addSubcommand(group.name(), group(group, SettingsCommand::checkerOf));
        }
        return command;
    }

    private static CommandLine checkerOf(Service service) {
        return new CommandLine(withSettings(launchSpec(service), "Settings of "));
    }

    /**
     * The settings the launcher reads for {@code service}: its own and those every service takes
     * ({@link LogSettings}).
     */
    static SettingsSpec launchSpec(Service service) {
        return LogSettings.addTo(service.spec());
    }

    /** {@code ferry GROUP} with one subcommand per action, each made by {@code action}. */
    static CommandLine group(ServiceGroup group, Function<Service, CommandLine> action) {
        CommandSpec parent = CommandSpec.create().name(group.name()).mixinStandardHelpOptions(true);
        parent.usageMessage().description(group.description());
        CommandLine command = new CommandLine(parent);
        for (Service service : group.actions()) {
            command.addSubcommand(commandName(service.spec()), action.apply(service));
        }
        return command;
    }

    /** {@code ferry SERVICE}, taking the service's settings as flags. */
    static CommandLine runner(Service service) {
        return new CommandLine(withSettings(launchSpec(service), "Run "));
    }

    private static CommandSpec withSettings(SettingsSpec service, String lead) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection((Runnable) () -> {});
        spec.name(commandName(service)).mixinStandardHelpOptions(true);
        spec.usageMessage().description(lead + service.description() + ".");
        SettingsFlags.addTo(spec, service);
        return spec;
    }

    /** The subcommand's name: the service's, or for an action of a group ("errors list") the action's. */
    private static String commandName(SettingsSpec service) {
        return service.service().substring(service.service().lastIndexOf(' ') + 1);
    }

    /** Checks and prints; a SettingsException propagates to the caller. */
    static int check(SettingsSpec service, CommandLine.ParseResult parsed, PrintWriter out) {
        Settings settings = SettingsFlags.load(service, parsed);
        out.println("settings of " + service.service() + " are valid:");
        settings.describe().forEach(line -> out.println("  " + line));
        out.flush();
        return 0;
    }
}
