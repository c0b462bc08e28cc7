package io.ferry.app;

import io.ferry.settings.Secrets;
import io.ferry.settings.SettingsException;
import io.ferry.settings.SettingsFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code ferry} launcher. Exit status: 0 done, 1 a failure while running, 2 bad command line or
 * settings (every problem listed on standard error).
 */
public final class Ferry {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    private static final Logger log = LoggerFactory.getLogger(Ferry.class);

    private Ferry() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(args, out, err));
    }

    /** Runs the command line and returns the exit status; never calls System.exit. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = commandLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionStrategy(parsed -> {
            try {
                return dispatch(parsed, out, err);
            } catch (SettingsException e) {
                err.println(e.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
        });
        return commandLine.execute(args);
    }

    static CommandLine commandLine() {
        CommandSpec root = CommandSpec.create()
                .name("ferry")
                .mixinStandardHelpOptions(true)
                .version(version());
        root.usageMessage()
                .description("Zero-downtime migration between Redis-compatible databases.")
                .footer("", "Docs: docs/ in the source tree.");
        CommandLine commandLine = new CommandLine(root);
        for (Service service : ServiceCatalog.SERVICES) {
            commandLine.addSubcommand(service.spec().service(), SettingsCommand.runner(service));
        }
        for (ServiceGroup group : ServiceCatalog.GROUPS) {
            commandLine.addSubcommand(group.name(), SettingsCommand.group(group, SettingsCommand::runner));
        }
        commandLine.addSubcommand("settings", SettingsCommand.checker());
        return commandLine;
    }

    private static int dispatch(ParseResult parsed, PrintWriter out, PrintWriter err) {
        if (CommandLine.printHelpIfRequested(parsed)) {
            return EXIT_OK;
        }
        List<CommandLine> chain = parsed.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        ParseResult leafResult = parsed;
        while (leafResult.hasSubcommand()) {
            leafResult = leafResult.subcommand();
        }
        // The words after "ferry" (and after "settings") name the service: "copy", or "errors list".
        List<String> words =
                chain.stream().skip(1).map(CommandLine::getCommandName).toList();
        boolean checkOnly = !words.isEmpty() && words.get(0).equals("settings");
        String name = String.join(" ", checkOnly ? words.subList(1, words.size()) : words);
        var service = ServiceCatalog.find(name);
        if (service.isPresent() && checkOnly) {
            return SettingsCommand.check(SettingsCommand.launchSpec(service.get()), leafResult, out);
        }
        if (service.isPresent()) {
            try {
                var settings = SettingsFlags.load(SettingsCommand.launchSpec(service.get()), leafResult);
                LogSettings.apply(settings);
                return service.get().run(settings, out, err);
            } catch (SettingsException e) {
                throw e;
            } catch (Exception e) {
                err.println("ferry " + name + ": " + Secrets.mask(String.valueOf(e.getMessage())));
                log.error("ferry {} failed", name, e);
                return EXIT_FAILURE;
            }
        }
        // A command with subcommands and nothing chosen: show what there is.
        leaf.usage(out);
        return EXIT_USAGE;
    }

    private static String version() {
        String version = Ferry.class.getPackage().getImplementationVersion();
        return "ferry " + (version == null ? "(development build)" : version);
    }
}
