package io.ferry.app.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ferry.settings.Secrets;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes each log event as one line, in a {@link LogFormat}: {@code ts}, {@code level}, {@code logger},
 * {@code thread}, {@code msg}, then the event's MDC entries and structured arguments ({@code
 * log.atInfo().addKeyValue("run", id)}), then {@code error} with the stack trace when there is one.
 * Secrets are masked here, whatever a caller handed the logger: every text goes through {@link
 * Secrets#maskText}, and the value of an entry whose name is a secret's ({@link Secrets#isSecretName})
 * is hidden whole.
 *
 * <p>Key-value lines quote a value holding a space, '=', a quote or a control character (and always the
 * message), escaping {@code \ " \n \r \t} and other control characters; JSON lines are Jackson's. Both
 * stay one line per event. The format may be switched while running ({@link #switchTo}, {@link
 * #useFormat}); encoding is thread-safe, as logback's appenders call it under their own lock anyway.
 */
public final class LogLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
    private static final Set<String> FIELDS = Set.of("ts", "level", "logger", "thread", "msg", "error");
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NOTHING = new byte[0];

    private volatile LogFormat format = LogFormat.KEY_VALUE;

    /**
     * The format by name, as logback's configuration sets it ({@code <format>key-value</format>}). An
     * unknown name is reported on logback's status and the key-value format kept.
     */
    public void setFormat(String name) {
        try {
            format = LogFormat.parse(name);
        } catch (IllegalArgumentException e) {
            addError("log format " + e.getMessage() + "; writing key-value lines");
            format = LogFormat.KEY_VALUE;
        }
    }

    /** Switches to {@code format}; events encoded from now on are written in it. */
    public void switchTo(LogFormat format) {
        this.format = format;
    }

    public LogFormat format() {
        return format;
    }

    /**
     * Switches every {@link LogLineEncoder} of the context's appenders to {@code format}; the launcher calls
     * this once the settings say which format is wanted.
     *
     * @return how many encoders were switched
     */
    public static int useFormat(LoggerContext context, LogFormat format) {
        int switched = 0;
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender
                        && appender.getEncoder() instanceof LogLineEncoder encoder) {
                    encoder.switchTo(format);
                    switched++;
                }
            }
        }
        return switched;
    }

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("ts", TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp())));
        fields.put("level", event.getLevel().toString());
        fields.put("logger", event.getLoggerName());
        fields.put("thread", event.getThreadName());
        fields.put("msg", Secrets.maskText(event.getFormattedMessage()));
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            mdc.forEach((key, value) -> putExtra(fields, key, value));
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                putExtra(fields, pair.key, pair.value == null ? null : String.valueOf(pair.value));
            }
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            fields.put("error", Secrets.maskText(ThrowableProxyUtil.asString(thrown)));
        }
        String line = format == LogFormat.JSON ? json(fields) : keyValue(fields);
        return line.getBytes(StandardCharsets.UTF_8);
    }

    private static void putExtra(Map<String, String> fields, String key, String value) {
        String name = key == null ? "_" : key.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (name.isEmpty()) {
            name = "_";
        }
        // A field named like a built-in one keeps its value under a prefixed name.
        while (FIELDS.contains(name) || fields.containsKey(name)) {
            name = "_" + name;
        }
        fields.put(name, value == null ? null : Secrets.isSecretName(key) ? Secrets.HIDDEN : Secrets.maskText(value));
    }

    private static String keyValue(Map<String, String> fields) {
        StringBuilder line = new StringBuilder(128);
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(field.getKey()).append('=');
            String value = field.getValue() == null ? "" : field.getValue();
            if (field.getKey().equals("msg") || needsQuotes(value)) {
                quote(line, value);
            } else {
                line.append(value);
            }
        }
        return line.append('\n').toString();
    }

    private static boolean needsQuotes(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static void quote(StringBuilder line, String value) {
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }

    private static String json(Map<String, String> fields) {
        StringWriter text = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            for (Map.Entry<String, String> field : fields.entrySet()) {
                json.writeStringField(field.getKey(), field.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.append('\n').toString();
    }
}
