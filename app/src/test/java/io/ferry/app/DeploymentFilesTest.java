package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files at the root of the repository (no Docker engine here to run them): docker-compose.yml
 * parses, every Ferry container runs a real subcommand whose flags and values the launcher accepts, and the
 * Dockerfile starts the jar the build makes.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void everyFerryServiceOfTheComposeFileRunsARealSubcommandWithRealFlags() throws Exception {
        // SnakeYAML (under Jackson's YAML module) resolves the anchors and merge keys as Compose does.
        Object parsed;
        try (var reader = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            parsed = new org.yaml.snakeyaml.Yaml().load(reader);
        }
        JsonNode compose = new ObjectMapper().valueToTree(parsed);
        JsonNode services = compose.get("services");
        List<String> ferry = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            JsonNode definition = service.getValue();
            if (!definition.has("build")) {
                assertThat(definition.get("image").asText())
                        .as(service.getKey())
                        .isNotBlank();
                continue;
            }
            ferry.add(service.getKey());
            List<String> command = new ArrayList<>();
            definition.get("command").forEach(word -> command.add(word.asText()));
            List<String> args = new ArrayList<>(List.of("settings"));
            args.addAll(command);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status =
                    Ferry.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(status)
                    .as("ferry %s in service %s: %s", command, service.getKey(), err)
                    .isZero();
        }
        assertThat(ferry)
                .as("the services built from this repository")
                .contains("control", "interlay-1", "interlay-2", "mover-1", "mover-2", "comparator", "analyzer");
        assertThat(services.has("kafka")).isTrue();
        assertThat(compose.at("/secrets/ferry-token/file").asText()).isEqualTo("deploy/ferry-token");
        assertThat(Files.readString(ROOT.resolve(".gitignore"))).contains("/deploy/ferry-token");
    }

    @Test
    void theDockerfileStartsTheJarTheBuildMakes() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String pom = Files.readString(ROOT.resolve("app/pom.xml"));
        assertThat(pom).contains("<outputFile>${project.build.directory}/ferry.jar</outputFile>");
        assertThat(dockerfile)
                .contains("COPY --from=build /src/app/target/ferry.jar /opt/ferry/ferry.jar")
                .contains("ENTRYPOINT [\"java\", \"-jar\", \"/opt/ferry/ferry.jar\"]");
    }
}
