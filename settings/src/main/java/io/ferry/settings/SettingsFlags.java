package io.ferry.settings;

import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@link SettingsSpec} into picocli options, so each setting is declared once and appears in
 * {@code --help} with its documentation and default, as {@code --NAME VALUE} (booleans also as a bare
 * {@code --NAME}). Adds {@code --config FILE}. Unknown flags are not rejected by picocli; {@link
 * #load} reports them together with every other problem.
 */
public final class SettingsFlags {
    public static final String CONFIG_OPTION = "--config";

    private SettingsFlags() {}

    /** Adds {@code --config} and one option per setting to the command, and allows unmatched flags. */
    public static CommandSpec addTo(CommandSpec command, SettingsSpec spec) {
        command.addOption(OptionSpec.builder(CONFIG_OPTION)
                .paramLabel("FILE")
                .type(Path.class)
                .description("YAML settings file; flags override its values")
                .build());
        for (ConfigDef.ConfigKey key : spec.definition().configKeys().values()) {
            OptionSpec.Builder option = OptionSpec.builder("--" + key.name)
                    .type(String.class)
                    .paramLabel(label(key))
                    .description(description(key));
            if (key.type == ConfigDef.Type.BOOLEAN) {
                option.arity("0..1").fallbackValue("true");
            }
            command.addOption(option.build());
        }
        command.parser().unmatchedArgumentsAllowed(true);
        command.parser().unmatchedOptionsArePositionalParams(false);
        return command;
    }

    /**
     * Loads the settings from the parsed command line: {@code --config}, then the flags. Unmatched
     * arguments are reported as unknown flags along with every other problem.
     *
     * @throws SettingsException listing every problem
     */
    public static Settings load(SettingsSpec spec, ParseResult parsed) {
        Optional<Path> file = Optional.ofNullable(parsed.matchedOptionValue(CONFIG_OPTION.substring(2), null));
        Map<String, String> flags = new LinkedHashMap<>();
        for (ConfigDef.ConfigKey key : spec.definition().configKeys().values()) {
            if (parsed.hasMatchedOption("--" + key.name)) {
                flags.put(key.name, parsed.matchedOptionValue(key.name, ""));
            }
        }
        List<String> unknown = new ArrayList<>();
        List<String> unmatched = parsed.unmatched();
        for (int i = 0; i < unmatched.size(); i++) {
            String arg = unmatched.get(i);
            if (!arg.startsWith("--")) {
                unknown.add(arg);
                continue;
            }
            // An unknown flag still goes to the loader, which names it with a suggestion; its value,
            // when given, is taken with it so it is not reported a second time.
            String name = arg.substring(2);
            int equals = name.indexOf('=');
            if (equals >= 0) {
                flags.put(name.substring(0, equals), name.substring(equals + 1));
            } else if (i + 1 < unmatched.size() && !unmatched.get(i + 1).startsWith("-")) {
                flags.put(name, unmatched.get(++i));
            } else {
                flags.put(name, "");
            }
        }
        try {
            Settings settings = SettingsLoader.load(spec, file, flags);
            if (!unknown.isEmpty()) {
                throw new SettingsException(spec.service(), unexpected(unknown));
            }
            return settings;
        } catch (SettingsException e) {
            if (unknown.isEmpty()) {
                throw e;
            }
            List<String> all = new ArrayList<>(e.problems());
            all.addAll(unexpected(unknown));
            throw new SettingsException(spec.service(), all);
        }
    }

    private static List<String> unexpected(List<String> args) {
        return args.stream()
                .map(arg -> "unexpected argument '" + Secrets.mask(arg) + "'")
                .toList();
    }

    private static String label(ConfigDef.ConfigKey key) {
        return switch (key.type) {
            case INT, LONG, SHORT -> "N";
            case DOUBLE -> "X";
            case BOOLEAN -> "true|false";
            case LIST -> "A,B,…";
            case PASSWORD -> "SECRET";
            default -> key.displayName != null && !key.displayName.equals(key.name) ? key.displayName : "VALUE";
        };
    }

    private static String description(ConfigDef.ConfigKey key) {
        StringBuilder text = new StringBuilder(key.documentation == null ? "" : key.documentation);
        if (!key.hasDefault()) {
            text.append(" (required)");
        } else if (key.defaultValue != null && !"".equals(key.defaultValue) && key.type != ConfigDef.Type.PASSWORD) {
            text.append(" (default: ")
                    .append(CommandLine.Help.Ansi.OFF.string(String.valueOf(key.defaultValue)))
                    .append(')');
        }
        return text.toString();
    }
}
