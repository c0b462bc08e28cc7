package io.ferry.app;

import io.ferry.settings.Settings;
import io.ferry.settings.SettingsFlags;
import io.ferry.settings.SettingsSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;

/**
 * {@code ferry settings SERVICE [--config FILE] [--NAME VALUE ...]}: checks a service's settings
 * exactly as the service would at start-up and prints the effective configuration (secrets masked),
 * without starting anything. Exit 0 when valid, 2 with every problem listed otherwise.
 */
final class SettingsCommand {
    private SettingsCommand() {}

    static CommandLine create() {
        CommandSpec parent = CommandSpec.create().name("settings").mixinStandardHelpOptions(true);
        parent.usageMessage()
                .description("Check a service's settings and print the effective configuration, secrets masked.");
        CommandLine command = new CommandLine(parent);
        for (SettingsSpec service : ServiceCatalog.SPECS) {
            command.addSubcommand(service.service(), new CommandLine(check(service)));
        }
        return command;
    }

    private static CommandSpec check(SettingsSpec service) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection((Runnable) () -> {});
        spec.name(service.service()).mixinStandardHelpOptions(true);
        spec.usageMessage().description("Settings of " + service.description() + ".");
        SettingsFlags.addTo(spec, service);
        return spec;
    }

    /** Runs after picocli parsed {@code settings SERVICE ...}; a SettingsException propagates to the caller. */
    static int run(SettingsSpec service, CommandLine.ParseResult parsed, PrintWriter out) {
        Settings settings = SettingsFlags.load(service, parsed);
        out.println("settings of " + service.service() + " are valid:");
        settings.describe().forEach(line -> out.println("  " + line));
        out.flush();
        return 0;
    }
}
