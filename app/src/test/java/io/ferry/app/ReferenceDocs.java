package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Renders the reference pages kept in docs/ from their sources of truth: docs/api.md from the control
 * plane's OpenAPI document, docs/configuration.md from the settings every service declares.
 * Deterministic: the same sources always give the same text. {@link ReferenceDocsTest} fails when a page
 * is out of date and rewrites it when asked.
 */
final class ReferenceDocs {
    static final String OPENAPI = "/io/ferry/control/api/openapi.json";
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

    private ReferenceDocs() {}

    // ---------------------------------------------------------------- docs/api.md

    static String api() throws IOException {
        JsonNode doc;
        try (InputStream in = Objects.requireNonNull(
                ReferenceDocs.class.getResourceAsStream(OPENAPI), "the control plane's openapi.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        StringBuilder md = new StringBuilder();
        md.append("# Control plane API reference\n\n");
        md.append("<!-- Generated from control/src/main/resources")
                .append(OPENAPI)
                .append(" by ReferenceDocs (app tests); do not edit: see the end of this page. -->\n\n");
        JsonNode info = doc.path("info");
        md.append(info.path("title").asText())
                .append(", version ")
                .append(info.path("version").asText())
                .append(" (OpenAPI ")
                .append(doc.path("openapi").asText())
                .append("). ")
                .append(info.path("description").asText())
                .append("\n\n");
        md.append("Served by `ferry control` (and `ferry run`); the document itself is `GET /api/v1/openapi.json`. ")
                .append("The workflow, phases and what each step does are in [control.md](control.md); a ")
                .append("migration step by step in [runbook.md](runbook.md).\n\n");
        md.append("Every error answer is `{\"status\": N, \"error\": \"...\"}` (schema `Error`): 400 a bad request ")
                .append("(naming the field), 401 no or a wrong token, 404 no such thing, 409 not allowed now ")
                .append("(saying what is).\n\n");

        md.append("## Routes\n\n| method | path | what |\n|---|---|---|\n");
        forEachOperation(doc, (path, method, op) -> md.append("| ")
                .append(method.toUpperCase())
                .append(" | [`")
                .append(path)
                .append("`](#")
                .append(anchor(method, path))
                .append(") | ")
                .append(cell(op.path("summary").asText()))
                .append(" |\n"));
        md.append('\n');

        forEachOperation(doc, (path, method, op) -> {
            md.append("### ")
                    .append(method.toUpperCase())
                    .append(' ')
                    .append(path)
                    .append("\n\n");
            md.append(capitalize(op.path("summary").asText())).append(".\n\n");
            List<JsonNode> parameters = new ArrayList<>();
            doc.path("paths").path(path).path("parameters").forEach(parameters::add);
            op.path("parameters").forEach(parameters::add);
            if (!parameters.isEmpty()) {
                md.append("| parameter | in | type | required |\n|---|---|---|---|\n");
                for (JsonNode p : parameters) {
                    md.append("| `")
                            .append(p.path("name").asText())
                            .append("` | ")
                            .append(p.path("in").asText())
                            .append(" | ")
                            .append(cell(type(doc, p.path("schema"))))
                            .append(" | ")
                            .append(p.path("required").asBoolean(false) ? "yes" : "no")
                            .append(" |\n");
                }
                md.append('\n');
            }
            JsonNode body = op.path("requestBody");
            if (!body.isMissingNode()) {
                md.append("Request body");
                if (body.path("required").asBoolean(false)) {
                    md.append(" (required)");
                }
                md.append(": ");
                List<String> kinds = new ArrayList<>();
                body.path("content")
                        .fields()
                        .forEachRemaining(content -> kinds.add("`" + content.getKey() + "` "
                                + type(doc, content.getValue().path("schema"))));
                md.append(String.join(", ", kinds)).append(".\n\n");
            }
            // Statuses that answer alike (the error answers, mostly) share a row.
            Map<String, List<String>> statuses = new LinkedHashMap<>();
            op.path("responses").fields().forEachRemaining(response -> {
                StringBuilder answer = new StringBuilder(
                        response.getValue().path("description").asText());
                List<String> kinds = new ArrayList<>();
                response.getValue().path("content").fields().forEachRemaining(content -> {
                    JsonNode schema = content.getValue().path("schema");
                    kinds.add("`" + content.getKey() + "`" + (schema.isMissingNode() ? "" : " " + type(doc, schema)));
                });
                if (!kinds.isEmpty()) {
                    answer.append(" (").append(String.join(", ", kinds)).append(')');
                }
                statuses.computeIfAbsent(answer.toString(), k -> new ArrayList<>())
                        .add(response.getKey());
            });
            md.append("| status | answer |\n|---|---|\n");
            statuses.forEach((answer, codes) -> md.append("| ")
                    .append(String.join(", ", codes))
                    .append(" | ")
                    .append(cell(answer))
                    .append(" |\n"));
            md.append('\n');
        });

        md.append("## Schemas\n\n");
        doc.path("components").path("schemas").fields().forEachRemaining(schema -> {
            md.append("### ").append(schema.getKey()).append("\n\n");
            if (schema.getValue().has("description")) {
                md.append(capitalize(schema.getValue().path("description").asText()))
                        .append(".\n\n");
            }
            md.append("| field | type | required | notes |\n|---|---|---|---|\n");
            fields(doc, schema.getValue(), "", md);
            if (schema.getValue().path("additionalProperties").isBoolean()
                    && !schema.getValue().path("additionalProperties").asBoolean()) {
                md.append("\nUnknown fields are refused (400 naming the field).\n");
            }
            md.append('\n');
        });

        md.append("## Security\n\n");
        doc.path("components").path("securitySchemes").fields().forEachRemaining(scheme -> md.append("- `")
                .append(scheme.getKey())
                .append("`: ")
                .append(scheme.getValue().path("type").asText())
                .append(' ')
                .append(scheme.getValue().path("scheme").asText())
                .append(" (`Authorization: Bearer <token>`, ")
                .append("the token of `ferry control --token` / `--token-file`); `GET /health` needs none.\n"));
        md.append("\n## Regenerating this page\n\n")
                .append(ReferenceDocsTest.HOW_TO_UPDATE)
                .append('\n');
        return md.toString();
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private static void forEachOperation(JsonNode doc, OperationVisitor visitor) {
        doc.path("paths").fields().forEachRemaining(path -> {
            for (String method : METHODS) {
                JsonNode op = path.getValue().path(method);
                if (!op.isMissingNode()) {
                    visitor.visit(path.getKey(), method, op);
                }
            }
        });
    }

    private static void fields(JsonNode doc, JsonNode schema, String prefix, StringBuilder md) {
        JsonNode resolved = resolve(doc, schema);
        List<String> required = new ArrayList<>();
        resolved.path("required").forEach(name -> required.add(name.asText()));
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        resolved.path("properties").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            JsonNode value = resolve(doc, property.getValue());
            String name = prefix + property.getKey();
            List<String> notes = new ArrayList<>();
            if (value.path("writeOnly").asBoolean(false)) {
                notes.add("write-only: never returned");
            }
            if (value.has("description")) {
                notes.add(value.path("description").asText());
            }
            md.append("| `")
                    .append(name)
                    .append("` | ")
                    .append(cell(type(doc, value)))
                    .append(" | ")
                    .append(required.contains(property.getKey()) ? "yes" : "no")
                    .append(" | ")
                    .append(cell(String.join("; ", notes)))
                    .append(" |\n");
            if (value.has("properties")) {
                fields(doc, value, name + ".", md);
            }
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        if (ref.startsWith("#/")) {
            JsonNode target = doc;
            for (String part : ref.substring(2).split("/")) {
                target = target.path(part);
            }
            return target;
        }
        return schema;
    }

    private static String type(JsonNode doc, JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        if (!ref.isEmpty()) {
            String name = ref.substring(ref.lastIndexOf('/') + 1);
            return "[" + name + "](#" + name.toLowerCase() + ")";
        }
        StringBuilder type = new StringBuilder(schema.path("type").asText("any"));
        if (schema.has("items")) {
            type.append(" of ").append(type(doc, schema.path("items")));
        }
        if (schema.has("enum")) {
            List<String> values = new ArrayList<>();
            schema.path("enum").forEach(v -> values.add("`" + v.asText() + "`"));
            type.append(": ").append(String.join(", ", values));
        }
        if (schema.has("minimum") || schema.has("maximum")) {
            type.append(", ")
                    .append(schema.path("minimum").asText("…"))
                    .append("..")
                    .append(schema.path("maximum").asText("…"));
        }
        return type.toString();
    }

    private static String anchor(String method, String path) {
        return (method + " " + path)
                .toLowerCase()
                .replaceAll("[^a-z0-9 _-]", "")
                .replace(' ', '-');
    }

    // ---------------------------------------------------------------- docs/configuration.md

    /** A setting as declared: what makes two services' declarations the same one. */
    private record Declared(String name, String type, String defaultValue, String valid, String documentation) {}

    static String configuration() {
        // Every service the launcher runs, with the settings it adds to each (log-format).
        Map<String, SettingsSpec> specs = new LinkedHashMap<>();
        for (Service service : ServiceCatalog.SERVICES) {
            specs.put(service.spec().service(), SettingsCommand.launchSpec(service));
        }
        for (ServiceGroup group : ServiceCatalog.GROUPS) {
            for (Service action : group.actions()) {
                specs.put(action.spec().service(), SettingsCommand.launchSpec(action));
            }
        }
        Map<Declared, List<String>> users = new LinkedHashMap<>();
        Map<String, List<Declared>> byService = new LinkedHashMap<>();
        specs.forEach((service, spec) -> {
            List<Declared> declared = new ArrayList<>();
            for (ConfigDef.ConfigKey key : spec.definition().configKeys().values()) {
                Declared d = declared(key);
                declared.add(d);
                users.computeIfAbsent(d, k -> new ArrayList<>()).add(service);
            }
            byService.put(service, declared);
        });
        // Declared alike by three services or more: listed once.
        Map<String, Declared> shared = new TreeMap<>();
        users.forEach((d, services) -> {
            if (services.size() >= 3) {
                shared.put(d.name() + "\u0000" + d.documentation(), d);
            }
        });

        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n");
        md.append("<!-- Generated from the settings each service declares by ReferenceDocs (app tests); do not edit: ")
                .append("see the end of this page. -->\n\n");
        md.append("Every setting of every `ferry` service, as declared in the code (name, type, default, what it ")
                .append("does, what is accepted). How settings are given and checked (flags `--NAME VALUE`, a ")
                .append("`--config` YAML file where `a.b` may be nested, flags winning, every problem reported ")
                .append("together with exit status 2, secrets masked) is in [settings.md](settings.md); ")
                .append("`ferry settings SERVICE [flags]` checks a configuration and prints the effective values ")
                .append("without starting anything, and `ferry SERVICE --help` lists the same settings.\n\n");
        md.append("Types: `string`, `int`/`long`/`double` numbers, `boolean` (`true`/`false`; a bare flag is ")
                .append("true), `list` (comma-separated, or a YAML sequence), `password` (a secret: never printed ")
                .append("or logged). \"required\" means no default: the service refuses to start without it.\n\n");
        md.append("## Services\n\n| command | settings | what it runs |\n|---|---|---|\n");
        specs.forEach((service, spec) -> md.append("| [`ferry ")
                .append(service)
                .append("`](#ferry-")
                .append(service.replace(' ', '-'))
                .append(") | ")
                .append(spec.definition().names().size())
                .append(" | ")
                .append(cell(spec.description()))
                .append(" |\n"));
        md.append('\n');

        md.append("## Settings several services share\n\n");
        md.append("Declared the same way by three services or more; each service's section lists which it takes.\n\n");
        md.append("| setting | type | default | accepted | what | services |\n|---|---|---|---|---|---|\n");
        shared.values().forEach(d -> {
            List<String> services = users.get(d);
            String who = services.size() == specs.size() ? "every service" : String.join(", ", services);
            row(md, d, who);
        });
        md.append('\n');

        byService.forEach((service, declared) -> {
            SettingsSpec spec = specs.get(service);
            md.append("## ferry ").append(service).append("\n\n");
            md.append(capitalize(spec.description())).append(".\n\n");
            List<Declared> own = declared.stream()
                    .filter(d -> !shared.containsKey(d.name() + "\u0000" + d.documentation()))
                    .toList();
            List<String> common = declared.stream()
                    .filter(d -> shared.containsKey(d.name() + "\u0000" + d.documentation()))
                    .map(d -> "`" + d.name() + "`")
                    .toList();
            if (!own.isEmpty()) {
                md.append("| setting | type | default | accepted | what |\n|---|---|---|---|---|\n");
                own.forEach(d -> row(md, d, null));
                md.append('\n');
            }
            if (!common.isEmpty()) {
                md.append("Shared settings it takes: ")
                        .append(String.join(", ", common))
                        .append(".\n\n");
            }
        });
        md.append("## Regenerating this page\n\n")
                .append(ReferenceDocsTest.HOW_TO_UPDATE)
                .append('\n');
        return md.toString();
    }

    private static Declared declared(ConfigDef.ConfigKey key) {
        String defaultValue;
        if (!key.hasDefault()) {
            defaultValue = "required";
        } else if (key.defaultValue == null) {
            defaultValue = "none";
        } else if (key.defaultValue instanceof List<?> list) {
            defaultValue = list.isEmpty()
                    ? "empty"
                    : "`" + String.join(",", list.stream().map(String::valueOf).toList()) + "`";
        } else if (key.type == ConfigDef.Type.PASSWORD) {
            defaultValue = "none";
        } else {
            String text = String.valueOf(key.defaultValue);
            defaultValue = text.isEmpty() ? "empty" : "`" + text + "`";
        }
        String valid = "";
        if (key.validator != null) {
            Class<?> type = key.validator.getClass();
            // A lambda's toString is an address; only validators that describe themselves are shown.
            if (!type.isSynthetic() && !type.getName().contains("$$Lambda") && !type.isAnonymousClass()) {
                String text = key.validator.toString();
                if (text != null && !text.contains("@")) {
                    valid = text;
                }
            }
        }
        return new Declared(
                key.name,
                key.type.name().toLowerCase(),
                defaultValue,
                valid,
                key.documentation == null ? "" : key.documentation);
    }

    private static void row(StringBuilder md, Declared d, String services) {
        md.append("| `")
                .append(d.name())
                .append("` | ")
                .append(d.type())
                .append(" | ")
                .append(cell(d.defaultValue()))
                .append(" | ")
                .append(cell(d.valid()))
                .append(" | ")
                .append(cell(d.documentation()));
        if (services != null) {
            md.append(" | ").append(cell(services));
        }
        md.append(" |\n");
    }

    // ---------------------------------------------------------------- markdown

    private static String cell(String text) {
        return text.replace("\\", "\\\\")
                .replace("|", "\\|")
                .replace("\r", " ")
                .replace("\n", " ")
                .strip();
    }

    private static String capitalize(String text) {
        if (text.isEmpty()) {
            return text;
        }
        String trimmed = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        return Character.toUpperCase(trimmed.charAt(0)) + trimmed.substring(1);
    }
}
