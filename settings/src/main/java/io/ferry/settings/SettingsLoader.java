package io.ferry.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads one service's settings from an optional YAML file and command-line flags (flags win), checks
 * everything, and either returns {@link Settings} or throws one {@link SettingsException} listing
 * every problem: unknown keys (with the closest known name), wrong types, values a validator
 * refuses, missing required values, an unreadable or malformed file, then what the spec's {@link
 * SettingsSpec.Rule}s find in the values taken together. Stateless and thread-safe.
 *
 * <p>The YAML file is a map; nested maps are flattened with '.', so {@code client: {max-bulk-length:
 * 10}} is the setting {@code client.max-bulk-length}. Lists may be YAML sequences or comma-separated.
 */
public final class SettingsLoader {
    /** A settings file larger than this is refused: it is a mistake, not a configuration. */
    static final long MAX_FILE_BYTES = 1024 * 1024;

    private static final Pattern KAFKA_INVALID_VALUE =
            Pattern.compile("Invalid value (.*) for configuration \\S+: (.*)", Pattern.DOTALL);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private SettingsLoader() {}

    /**
     * @param spec the service's declaration
     * @param file a YAML file, or empty
     * @param flags values given as flags, by setting name
     */
    public static Settings load(SettingsSpec spec, Optional<Path> file, Map<String, String> flags) {
        List<String> problems = new ArrayList<>();
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();

        file.ifPresent(path -> readYaml(spec, path, raw, sources, problems));
        flags.forEach((name, value) -> {
            if (!spec.has(name)) {
                problems.add("unknown flag '--" + name + "'" + suggestion(spec, name));
            } else {
                raw.put(name, value);
                sources.put(name, "flag");
            }
        });

        Map<String, ConfigValue> checked = spec.definition().validateAll(raw);
        for (ConfigValue value : checked.values()) {
            // Kafka runs a key's validator even after its value failed to parse (seeing null): the
            // first message is the one that explains.
            if (!value.errorMessages().isEmpty()) {
                problems.add(describeError(
                        spec,
                        value.name(),
                        raw.get(value.name()),
                        value.errorMessages().get(0)));
            }
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(spec.service(), problems);
        }
        Map<String, Object> parsed;
        try {
            parsed = spec.definition().parse(raw);
        } catch (ConfigException e) {
            // validateAll has already checked every value; this is a defect in a declaration.
            throw new SettingsException(spec.service(), List.of(Secrets.mask(e.getMessage())));
        }
        Settings settings = new Settings(spec, parsed, sources);
        for (SettingsSpec.Rule rule : spec.rules()) {
            problems.addAll(rule.problems(settings));
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(spec.service(), problems);
        }
        return settings;
    }

    private static void readYaml(
            SettingsSpec spec, Path path, Map<String, String> raw, Map<String, String> sources, List<String> problems) {
        String origin = path.getFileName() == null
                ? path.toString()
                : path.getFileName().toString();
        JsonNode root;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                problems.add("settings file " + path + " is " + size + " bytes (expected: <= " + MAX_FILE_BYTES + ")");
                return;
            }
            root = YAML.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            problems.add("settings file " + path + " does not exist");
            return;
        } catch (JsonProcessingException e) {
            problems.add("settings file " + path + " is not valid YAML: "
                    + Secrets.mask(firstLine(e.getOriginalMessage())) + location(e));
            return;
        } catch (IOException e) {
            problems.add("settings file " + path + " cannot be read: " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file sets nothing
        }
        if (!root.isObject()) {
            problems.add("settings file " + path + " must be a map of setting names to values, not a " + kind(root));
            return;
        }
        flatten("", root, (name, node) -> {
            if (!spec.has(name)) {
                problems.add("unknown setting '" + name + "' in " + path + suggestion(spec, name));
                return;
            }
            Optional<String> text = scalarText(node);
            if (text.isEmpty()) {
                problems.add("setting '" + name + "' in " + path + " must be a single value or a list of values, not a "
                        + kind(node));
                return;
            }
            raw.put(name, text.get());
            sources.put(name, origin);
        });
    }

    private interface Leaf {
        void accept(String name, JsonNode node);
    }

    private static void flatten(String prefix, JsonNode node, Leaf leaf) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (field.getValue().isObject()) {
                flatten(name, field.getValue(), leaf);
            } else {
                leaf.accept(name, field.getValue());
            }
        }
    }

    private static Optional<String> scalarText(JsonNode node) {
        if (node.isNull()) {
            return Optional.of("");
        }
        if (node.isValueNode()) {
            return Optional.of(node.asText());
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    return Optional.empty();
                }
                items.add(item.asText());
            }
            return Optional.of(String.join(",", items));
        }
        return Optional.empty();
    }

    private static String describeError(SettingsSpec spec, String name, String rawValue, String error) {
        ConfigDef.ConfigKey key = spec.key(name);
        String message = error;
        if (key.type == ConfigDef.Type.PASSWORD && rawValue != null && !rawValue.isEmpty()) {
            message = message.replace(rawValue, Secrets.HIDDEN);
        }
        Matcher kafkaWording = KAFKA_INVALID_VALUE.matcher(message);
        if (kafkaWording.matches()) {
            message = "value '" + kafkaWording.group(1) + "': " + kafkaWording.group(2);
        }
        message = Secrets.mask(message);
        if (rawValue == null && !key.hasDefault()) {
            return "setting '" + name + "' is required and has no default: " + firstLine(key.documentation);
        }
        return "setting '" + name + "': " + message;
    }

    private static String suggestion(SettingsSpec spec, String unknown) {
        return spec.definition().names().stream()
                .min(Comparator.comparingInt(known -> distance(known, unknown)))
                .filter(closest -> distance(closest, unknown) <= Math.max(2, unknown.length() / 3))
                .map(closest -> " (did you mean '" + closest + "'?)")
                .orElse("");
    }

    /** Levenshtein distance, for "did you mean" on misspelt keys. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String kind(JsonNode node) {
        return node.isObject()
                ? "map"
                : node.isArray() ? "list" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
