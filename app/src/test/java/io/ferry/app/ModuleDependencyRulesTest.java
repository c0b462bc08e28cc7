package io.ferry.app;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The "must not depend on" column of DESIGN.md's module table, checked on the compiled classes of
 * every module (the app module has them all on its class path).
 */
class ModuleDependencyRulesTest {
    static JavaClasses ferry;

    @BeforeAll
    static void importFerry() {
        ferry = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.ferry");
    }

    private static void forbid(String module, String... packages) {
        noClasses()
                .that()
                .resideInAPackage("io.ferry." + module + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages)
                .because("DESIGN.md: module " + module + " must not depend on " + String.join(", ", packages))
                .allowEmptyShould(true)
                .check(ferry);
    }

    @Test
    void theRulesSeeRealDependencies() {
        // The app does use the settings module: a rule forbidding it must fail, or the rules above
        // would pass whatever the code did.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> forbid("app", "io.ferry.settings.."))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.ferry.settings");
    }

    @Test
    void schemasUseNeitherNettyNorLettuce() {
        forbid("schemas", "io.netty..", "io.lettuce..");
    }

    @Test
    void respKnowsNothingOfKafka() {
        forbid("resp", "org.apache.kafka..", "io.lettuce..");
    }

    @Test
    void proxyUsesNeitherKafkaStreamsNorTheMover() {
        forbid("proxy", "org.apache.kafka.streams..", "io.ferry.mover..");
    }

    @Test
    void captureDoesNotReachIntoTheProxy() {
        forbid("capture", "io.ferry.proxy..");
    }

    @Test
    void moverDoesNotReachIntoTheProxy() {
        forbid("mover", "io.ferry.proxy..");
    }

    @Test
    void comparatorUsesNeitherProxyNorMover() {
        forbid("comparator", "io.ferry.proxy..", "io.ferry.mover..");
    }

    @Test
    void analyzerDoesNotReachIntoTheProxy() {
        forbid("analyzer", "io.ferry.proxy..");
    }

    @Test
    void sharedPiecesDependOnNoService() {
        String[] services = {
            "io.ferry.proxy..",
            "io.ferry.capture..",
            "io.ferry.mover..",
            "io.ferry.comparator..",
            "io.ferry.analyzer..",
            "io.ferry.control..",
            "io.ferry.app.."
        };
        forbid("settings", services);
        forbid("schemas", services);
        forbid("resp", services);
        forbid("traffic", services);
    }

    @Test
    void theWorkloadAndItsCheckerShareNoCodeWithWhatTheyCheck() {
        // An independent check: a bug in the copy, the compare or the proxy must not be able to hide itself here.
        forbid(
                "workload",
                "io.ferry.proxy..",
                "io.ferry.mover..",
                "io.ferry.comparator..",
                "io.ferry.endpoint..",
                "io.ferry.resp..",
                "io.ferry.traffic..",
                "io.ferry.schemas..",
                "io.ferry.capture..",
                "io.ferry.analyzer..",
                "io.ferry.control..",
                "io.ferry.app..",
                "org.apache.kafka..");
    }

    @Test
    void trafficRecordsNeedNoKafkaClientOrStreams() {
        // The one way to build a traffic record; publishing is each producer's business.
        forbid("traffic", "org.apache.kafka.clients..", "org.apache.kafka.streams..", "io.lettuce..");
    }
}
