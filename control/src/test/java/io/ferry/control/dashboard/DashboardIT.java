package io.ferry.control.dashboard;

import io.ferry.control.api.ControlServer;
import io.ferry.control.interlay.InterlayNode;
import io.ferry.control.store.Sealer;
import io.ferry.schemas.TopicBootstrap;
import io.ferry.schemas.TopicRegistry;
import io.ferry.testkit.RedisServer;
import io.ferry.testkit.RedisServers;
import io.ferry.testkit.TestKafka;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real browser (Debian's headless Chromium driven by its chromedriver): signed in with the token,
 * a run clicked through prepare, acknowledgement, approval, canary steps and rollback, with what the page shows
 * checked at each step against what the API says.
 */
class DashboardIT {
    private static final String TOKEN = "dashboard-token-long-enough";

    @RegisterExtension
    static final RedisServers redis = new RedisServers();

    @RegisterExtension
    static final TestKafka kafka = new TestKafka();

    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @Test
    void anOperatorClicksARunThroughItsPhases(@TempDir Path dir) throws Exception {
        RedisServer source = redis.start("dashboard-source");
        RedisServer target = redis.start("dashboard-target");
        target.command("SET left-over 1");
        TopicRegistry topics =
                TopicBootstrap.ensure(kafka.admin(), kafka.uniqueName("dashboard"), Duration.ofSeconds(30));
        int interlayPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            interlayPort = free.getLocalPort();
        }
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (InterlayNode interlay = new InterlayNode(
                        "app",
                        clients,
                        topics,
                        Sealer.fromKeyFile(dir.resolve("key")),
                        "dashboard-node",
                        new SimpleMeterRegistry(),
                        Duration.ofSeconds(1));
                ControlServer control = ControlServer.start(new ControlServer.Options(
                        "127.0.0.1",
                        0,
                        TOKEN,
                        Map.of("bootstrap.servers", kafka.bootstrapServers()),
                        topics,
                        Sealer.fromKeyFile(dir.resolve("key"))))) {
            base = "http://127.0.0.1:" + control.address().getPort();
            api("POST", "/api/v1/endpoints", """
                    {"id": "source", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(source.port()));
            api("POST", "/api/v1/endpoints", """
                    {"id": "target", "config": {"target": {"host": "127.0.0.1", "port": %d}}}""".formatted(target.port()));
            api(
                    "POST",
                    "/api/v1/interlays",
                    "{\"id\": \"app\", \"endpoint\": \"source\", \"listen_host\": \"127.0.0.1\", \"port\": "
                            + interlayPort + "}");
            api("POST", "/api/v1/migrations", "{\"id\": \"shop\"}");
            api("PUT", "/api/v1/migrations/shop/setup", """
                    {"source": "source", "target": "target", "strategy": "CANARY", "data_movement": "SYNC_ONLY"}""");

            WebDriver browser = chromium();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get(base + "/");
                assertThat(browser.getTitle()).isEqualTo("Ferry");

                // A wrong token is refused and said so.
                browser.findElement(By.id("token")).sendKeys("not-the-token");
                browser.findElement(By.id("sign-in")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "refused"));
                assertThat(browser.findElement(By.id("main")).isDisplayed()).isFalse();

                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.id("sign-in")).click();
                WebElement row =
                        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("tr[data-run='shop']")));
                assertThat(row.getText()).contains("shop").contains("ANALYZE").contains("CANARY");
                row.click();
                wait.until(ExpectedConditions.textToBe(By.id("phase"), "ANALYZE"));
                assertThat(browser.findElement(By.id("endpoints")).getText()).isEqualTo("source → target");
                assertThat(button(browser, "approve").isEnabled())
                        .as("approve before prepare")
                        .isFalse();

                button(browser, "prepare").click();
                wait.until(ExpectedConditions.textToBe(By.id("phase"), "TEST"));
                WebElement notEmpty = wait.until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector("#findings tr[data-check='target-not-empty']")));
                assertThat(notEmpty.getText()).contains("WARNING").contains("1 keys");
                // Approving with a warning not acknowledged: the API's refusal shows on the page.
                button(browser, "approve").click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "not acknowledged"));
                // Each acknowledgement rebuilds the table: look for the next button afresh each time.
                for (int acknowledged = 0; ; acknowledged++) {
                    assertThat(acknowledged).as("acknowledgements").isLessThan(20);
                    java.util.List<WebElement> open = browser.findElements(By.cssSelector("#findings tr button.ack"));
                    if (open.isEmpty()) {
                        break;
                    }
                    WebElement finding = open.get(0).findElement(By.xpath("./ancestor::tr"));
                    String check = finding.getAttribute("data-check");
                    finding.findElement(By.cssSelector("input.ack-note")).sendKeys("checked in the dashboard");
                    finding.findElement(By.cssSelector("button.ack")).click();
                    wait.until(ExpectedConditions.textToBePresentInElementLocated(
                            By.cssSelector("#findings tr[data-check='" + check + "']"),
                            "yes: checked in the dashboard"));
                }
                assertThat(browser.findElement(By.cssSelector("#findings tr[data-check='target-not-empty']"))
                                .getText())
                        .contains("yes: checked in the dashboard");

                button(browser, "approve").click();
                wait.until(ExpectedConditions.textToBe(By.id("phase"), "MIGRATE"));
                assertThat(browser.findElement(By.id("write-policy")).getText()).isEqualTo("SOURCE_AUTHORITATIVE");
                assertThat(browser.findElement(By.id("ratio")).getText()).isEqualTo("0");

                // Traffic through the interlay, now writing to both sides: its stats events feed the charts,
                // checked at the end (a bucket shows once it is over).
                api("POST", "/api/v1/interlays/app/start", null);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> interlay.address().isPresent());
                RedisClient lettuce = RedisClient.create();
                try (StatefulRedisConnection<String, String> app =
                        lettuce.connect(RedisURI.create("127.0.0.1", interlayPort))) {
                    for (int i = 0; i < 50; i++) {
                        app.sync().set("charted-" + i, "v");
                        assertThat(app.sync().get("charted-" + i)).isEqualTo("v");
                    }
                } finally {
                    lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                }
                assertThat(target.command("EXISTS charted-49")).as("mirrored").isEqualTo(":1");

                button(browser, "next-step").click();
                wait.until(ExpectedConditions.textToBe(By.id("ratio"), "5"));
                assertThat(browser.findElement(By.id("read-mode")).getText()).isEqualTo("RATIO");
                button(browser, "next-step").click();
                wait.until(ExpectedConditions.textToBe(By.id("ratio"), "20"));
                assertThat(api("GET", "/api/v1/migrations/shop", null)).contains("\"ratio_percent\":20");

                button(browser, "rollback").click();
                wait.until(ExpectedConditions.textToBe(By.id("phase"), "ROLLBACK"));
                assertThat(browser.findElement(By.id("ratio")).getText()).isEqualTo("0");
                assertThat(button(browser, "next-step").isEnabled()).isFalse();
                assertThat(button(browser, "resume").isEnabled()).isTrue();

                // Complete without a verify: refused, and the page says why.
                button(browser, "resume").click();
                wait.until(ExpectedConditions.textToBe(By.id("phase"), "MIGRATE"));
                browser.findElement(By.id("accept")).click();
                button(browser, "complete").click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "clean keyspace verify"));

                // Verify from the page: its bar and its result (the target may differ: only the outcome shown).
                button(browser, "verify").click();
                wait.until(driver -> {
                    String shown = driver.findElement(By.id("verify")).getText();
                    return shown.contains("keys checked") && !shown.startsWith("running");
                });
                assertThat(browser.findElement(By.id("verify-bar")).getAttribute("style"))
                        .contains("width: 100%");
                assertThat(browser.findElement(By.id("verify")).getText())
                        .matches("(equal|DIFFERENT): \\d+ keys checked, \\d+ confirmed different");

                // The run's events arrived by Server-Sent Events.
                wait.until(
                        ExpectedConditions.textToBePresentInElementLocated(By.id("events"), "migration.rolled-back"));
                assertThat(browser.findElement(By.id("events")).getText())
                        .contains("migration.approved")
                        .contains("traffic.step")
                        .contains("finding.acknowledged");
                // The charts: both sides' throughput and the source's latency, summed from the interlay's events.
                for (String[] series : new String[][] {
                    {"chart-throughput", "source_ops_per_second"},
                    {"chart-throughput", "target_ops_per_second"},
                    {"chart-latency", "source_p99_ms"},
                }) {
                    By item = By.cssSelector("#" + series[0] + " li[data-series='" + series[1] + "']");
                    wait.until(driver ->
                            Double.parseDouble(driver.findElement(item).getAttribute("data-peak")) > 0);
                    assertThat(browser.findElement(
                                    By.cssSelector("#" + series[0] + " path[data-series='" + series[1] + "']")))
                            .isNotNull();
                }
                assertThat(browser.findElement(By.id("events")).getText())
                        .as("stats events are charted, not listed")
                        .doesNotContain("stats.proxy");
                assertThat(api("GET", "/api/v1/migrations/shop/stats", null)).contains("\"source_ops_per_second\"");
                assertThat(browser.getPageSource()).doesNotContain(TOKEN);
            } finally {
                browser.quit();
            }
        }
    }

    private static WebElement button(WebDriver browser, String action) {
        return browser.findElement(By.cssSelector("#actions button[data-action='" + action + "']"));
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private String api(String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isBetween(200, 299);
        return response.body();
    }
}
