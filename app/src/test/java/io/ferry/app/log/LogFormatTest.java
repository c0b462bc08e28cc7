package io.ferry.app.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logs through the application's own logback.xml (not the tests' logback-test.xml) into a buffer and
 * reads the lines back: key=value lines parse, JSON lines parse with Jackson, secrets never come out.
 */
class LogFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final LoggerContext context = new LoggerContext();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @AfterEach
    void stop() {
        context.stop();
        MDC.clear();
    }

    @Test
    void keyValueLinesByDefault() throws Exception {
        Logger log = configure(Map.of());

        log.info("copied {} keys from \"source\"\nin {} ms", 3, 12);
        MDC.put("run", "app-move");
        log.atWarn().addKeyValue("key", "user:1 two").addKeyValue("count", 7).log("a = b");
        MDC.clear();
        log.error("copy failed", new IllegalStateException("boom\ton line 2"));

        List<String> lines = lines();
        assertThat(lines).hasSize(3);
        Map<String, String> first = parseKeyValue(lines.get(0));
        assertThat(first.keySet()).containsExactly("ts", "level", "logger", "thread", "msg");
        assertThat(first.get("ts")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(first)
                .containsEntry("level", "INFO")
                .containsEntry("logger", "io.ferry.test")
                .containsEntry("thread", Thread.currentThread().getName())
                .containsEntry("msg", "copied 3 keys from \"source\"\nin 12 ms");
        assertThat(lines.get(0)).contains("msg=\"copied 3 keys from \\\"source\\\"\\nin 12 ms\"");

        Map<String, String> second = parseKeyValue(lines.get(1));
        assertThat(second)
                .containsEntry("level", "WARN")
                .containsEntry("msg", "a = b")
                .containsEntry("run", "app-move")
                .containsEntry("key", "user:1 two")
                .containsEntry("count", "7");
        assertThat(lines.get(1)).contains(" run=app-move ", " key=\"user:1 two\" ", " count=7");

        Map<String, String> third = parseKeyValue(lines.get(2));
        assertThat(third).containsEntry("level", "ERROR").containsEntry("msg", "copy failed");
        assertThat(third.get("error"))
                .startsWith("java.lang.IllegalStateException: boom\ton line 2")
                .contains("\tat io.ferry.app.log.LogFormatTest.keyValueLinesByDefault");
    }

    @Test
    void jsonLinesWhenTheConfigurationSaysSo() throws Exception {
        Logger log = configure(Map.of("log.format", "json"));

        log.info("copied {} keys from \"source\"\nin {} ms", 3, 12);
        log.atInfo()
                .addKeyValue("msg", "not the message")
                .addKeyValue("run", "r1")
                .log("second");
        log.error("copy failed", new IllegalStateException("boom"));

        List<String> lines = lines();
        assertThat(lines).hasSize(3);
        JsonNode first = MAPPER.readTree(lines.get(0));
        assertThat(first.get("level").asText()).isEqualTo("INFO");
        assertThat(first.get("logger").asText()).isEqualTo("io.ferry.test");
        assertThat(first.get("msg").asText()).isEqualTo("copied 3 keys from \"source\"\nin 12 ms");
        assertThat(first.get("ts").asText()).endsWith("Z");
        JsonNode second = MAPPER.readTree(lines.get(1));
        assertThat(second.get("msg").asText()).isEqualTo("second");
        assertThat(second.get("_msg").asText()).isEqualTo("not the message");
        assertThat(second.get("run").asText()).isEqualTo("r1");
        assertThat(MAPPER.readTree(lines.get(2)).get("error").asText())
                .startsWith("java.lang.IllegalStateException: boom");
    }

    @Test
    void theLauncherSwitchesTheFormatWhileRunning() throws Exception {
        Logger log = configure(Map.of());
        log.info("before");

        assertThat(LogLineEncoder.useFormat(context, LogFormat.JSON)).isEqualTo(1);
        log.info("after");

        List<String> lines = lines();
        assertThat(parseKeyValue(lines.get(0))).containsEntry("msg", "before");
        assertThat(MAPPER.readTree(lines.get(1)).get("msg").asText()).isEqualTo("after");
    }

    @Test
    void anUnknownFormatIsReportedAndKeyValueWritten() throws Exception {
        Logger log = configure(Map.of("log.format", "xml"));
        log.info("still written");

        assertThat(parseKeyValue(lines().get(0))).containsEntry("msg", "still written");
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(status -> status.getLevel() == Status.ERROR)
                .extracting(Status::getMessage)
                .anySatisfy(message -> assertThat(message).contains("'xml' (expected: key-value or json)"));
    }

    @Test
    void secretsAreMaskedInEveryFormat() throws Exception {
        for (String format : List.of("key-value", "json")) {
            context.reset();
            output.reset();
            Logger log = configure(Map.of("log.format", format));

            log.info("connecting to redis://app:s3cret-uri@10.0.0.5:6379/0 and rediss://bare-s3cret@cache:6380");
            log.info("sent [AUTH, ops, s3cret-auth] then HELLO 3 AUTH default s3cret-hello");
            log.info("CONFIG SET requirepass s3cret-config; redis-server --masterauth s3cret-master");
            log.info("GET /api/v1/runs Authorization: Bearer s3cret-bearer");
            log.info("posting to https://api.datadoghq.com/api/v1/series?api_key=s3cret-apikey&x=1");
            log.info("body {\"password\": \"s3cret-json\", \"password_set\": true, \"token\":\"s3cret-token\"}");
            MDC.put("api-token", "s3cret-mdc");
            log.atWarn()
                    .addKeyValue("password", "s3cret-kv")
                    .addKeyValue("uri", "redis://u:s3cret-kvuri@h")
                    .log("kv");
            MDC.clear();
            log.error("failed", new IllegalStateException("AUTH s3cret-exception refused"));

            String text = output.toString(StandardCharsets.UTF_8);
            assertThat(text).as(format).doesNotContain("s3cret").contains("[hidden]");
            assertThat(text)
                    .as(format)
                    .contains("redis://app:[hidden]@10.0.0.5:6379/0", "rediss://[hidden]@cache:6380")
                    .contains("[AUTH, [hidden], [hidden]]", "AUTH [hidden] [hidden]")
                    .contains("requirepass [hidden]", "--masterauth [hidden]")
                    .contains("Bearer [hidden]", "api_key=[hidden]&x=1")
                    .contains("password_set")
                    .contains("redis://u:[hidden]@h");
            assertThat(lines()).as(format).hasSize(8);
        }
    }

    /** A fresh context configured from the application's logback.xml, writing into {@link #output}. */
    private Logger configure(Map<String, String> properties) throws JoranException {
        URL config = LogLineEncoder.class.getClassLoader().getResource("logback.xml");
        assertThat(config).as("the application's logback.xml").isNotNull();
        assertThat(config.toString()).contains("/app/");
        if (context.getMDCAdapter() == null) {
            context.setMDCAdapter(MDC.getMDCAdapter()); // what slf4j's MDC writes to, as in the process
        }
        properties.forEach(context::putProperty);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDERR");
        assertThat(appender.getEncoder()).isInstanceOf(LogLineEncoder.class);
        appender.setOutputStream(output);
        return context.getLogger("io.ferry.test");
    }

    private List<String> lines() {
        String text = output.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        return Arrays.asList(text.split("\n"));
    }

    /**
     * Reads a key=value line the way logfmt readers do: bare values end at a space; quoted values take
     * backslash escapes. Fails on anything else, so a line that does not parse fails the test.
     */
    static Map<String, String> parseKeyValue(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int equals = line.indexOf('=', i);
            assertThat(equals).as("a key=value pair at %d of %s", i, line).isGreaterThan(i);
            String key = line.substring(i, equals);
            assertThat(key).matches("[A-Za-z0-9_.-]+");
            i = equals + 1;
            StringBuilder value = new StringBuilder();
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char escaped = line.charAt(i++);
                        switch (escaped) {
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                                i += 4;
                            }
                            default -> value.append(escaped);
                        }
                    } else {
                        value.append(c);
                    }
                }
                i++;
            } else {
                while (i < line.length() && line.charAt(i) != ' ') {
                    char c = line.charAt(i++);
                    assertThat(c).as("a bare value in %s", line).isNotIn('"', '=');
                    value.append(c);
                }
            }
            assertThat(fields.put(key, value.toString())).as("key %s once", key).isNull();
            if (i < line.length()) {
                assertThat(line.charAt(i)).as("a space after %s", key).isEqualTo(' ');
                i++;
            }
        }
        return fields;
    }
}
