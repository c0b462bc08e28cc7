package io.ferry.analyzer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bounded parts of a profile: counts by name and key prefixes. */
class BoundedCountsTest {
    @Test
    void countsPastTheCapacityGoToOtherAndTheTotalStaysExact() {
        CountMap counts = new CountMap(3);
        for (int i = 0; i < 10; i++) {
            counts.add("name-" + i, i + 1);
        }
        assertThat(counts.asMap()).containsOnlyKeys("name-0", "name-1", "name-2", CountMap.OTHER);
        assertThat(counts.get(CountMap.OTHER)).isEqualTo(4 + 5 + 6 + 7 + 8 + 9 + 10);
        assertThat(counts.total()).isEqualTo(55);
        // A name already counted keeps its own slot.
        counts.add("name-1", 100);
        assertThat(counts.get("name-1")).isEqualTo(102);
    }

    @Test
    void aPrefixEndsAtTheFirstSeparatorAndIsEscapedAndBounded() {
        KeyPrefix prefix = new KeyPrefix(":/");
        assertThat(prefix.of(bytes("user:42:name"))).isEqualTo("user");
        assertThat(prefix.of(bytes("img/7"))).isEqualTo("img");
        assertThat(prefix.of(bytes("counter"))).isEqualTo(KeyPrefix.NONE);
        assertThat(prefix.of(new byte[] {(byte) 0xff, 'a', ':', 'b'})).isEqualTo("\\xffa");
        assertThat(prefix.of(bytes("x".repeat(100)))).hasSize(KeyPrefix.MAX_BYTES);
        assertThatThrownBy(() -> new KeyPrefix("")).hasMessageContaining("expected: one character or more");
    }

    @Test
    void theCommandCatalogCacheIsBounded() {
        CommandCatalog catalog = new CommandCatalog(io.ferry.resp.command.CommandTable.bundled(), TargetProfile.REDIS);
        for (int i = 0; i < CommandCatalog.CAPACITY + 100; i++) {
            assertThat(catalog.facts("MADE-UP-" + i).risks()).contains(MigrationRisk.UNKNOWN_COMMAND);
        }
        assertThat(catalog.facts("GET").reads()).isTrue();
        assertThat(catalog.facts("x".repeat(500)).name()).hasSize(CommandCatalog.MAX_NAME_LENGTH);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
