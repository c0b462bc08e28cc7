package io.ferry.app;

import io.ferry.settings.SettingsException;
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
                return dispatch(parsed, out);
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
        commandLine.addSubcommand("settings", SettingsCommand.create());
        return commandLine;
    }

    private static int dispatch(ParseResult parsed, PrintWriter out) {
        if (CommandLine.printHelpIfRequested(parsed)) {
            return EXIT_OK;
        }
        List<CommandLine> chain = parsed.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        ParseResult leafResult = parsed;
        while (leafResult.hasSubcommand()) {
            leafResult = leafResult.subcommand();
        }
        if (chain.size() == 3 && chain.get(1).getCommandName().equals("settings")) {
            String service = leaf.getCommandName();
            return SettingsCommand.run(ServiceCatalog.find(service).orElseThrow(), leafResult, out);
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
