package io.ferry.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/api.md and docs/configuration.md are generated ({@link ReferenceDocs}); these tests fail when the
 * committed pages differ from what the sources give now, and rewrite them with {@code
 * -Dferry.docs.update=true}.
 */
class ReferenceDocsTest {
    static final String HOW_TO_UPDATE = "Run `make docs`, which runs "
            + "`mvn -B verify -pl app -am -Dtest=ReferenceDocsTest -Dferry.docs.update=true -Dit.test=none "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false "
            + "-Dspotless.check.skip=true` (add `-o` to run offline), and commit the page. `ReferenceDocsTest` fails while it is out of date.";

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void apiReferenceIsUpToDate() throws IOException {
        check(DOCS.resolve("api.md"), ReferenceDocs.api());
    }

    @Test
    void configurationReferenceIsUpToDate() throws IOException {
        check(DOCS.resolve("configuration.md"), ReferenceDocs.configuration());
    }

    @Test
    void theReferencesCoverEveryRouteAndEveryService() throws IOException {
        String api = ReferenceDocs.api();
        assertThat(api)
                .contains("### PUT /api/v1/migrations/{id}/setup")
                .contains("### POST /api/v1/migrations/{id}/findings/{index}/acknowledge")
                .contains("| `limit` | query | integer, 1..10000 | no |")
                .contains("| `config.read_conn.password` | string | no | write-only: never returned |");
        String configuration = ReferenceDocs.configuration();
        for (Service service : ServiceCatalog.SERVICES) {
            assertThat(configuration).contains("## ferry " + service.spec().service() + "\n");
        }
        assertThat(configuration)
                .contains("## ferry migrate approve\n", "## ferry errors replay\n")
                .contains("| `log-format` | string | empty |")
                .doesNotContain("$$Lambda");
    }

    private static void check(Path page, String generated) throws IOException {
        if (Boolean.getBoolean("ferry.docs.update")) {
            Files.writeString(page, generated);
        }
        String committed = Files.exists(page) ? Files.readString(page) : "";
        assertThat(committed)
                .as("%s is out of date with its source. %s", page.normalize(), HOW_TO_UPDATE)
                .isEqualTo(generated);
    }
}
