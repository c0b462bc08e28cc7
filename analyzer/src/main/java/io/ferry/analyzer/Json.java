package io.ferry.analyzer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Small JSON documents (analysis record details, the analyze report), written with jackson-core. Stateless. */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** What writes a document's content with a generator. */
    @FunctionalInterface
    interface Writer {
        void write(JsonGenerator json) throws IOException;
    }

    private Json() {}

    static String write(Writer writer) {
        return write(writer, false);
    }

    static String write(Writer writer, boolean pretty) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(text)) {
            if (pretty) {
                json.useDefaultPrettyPrinter();
            }
            writer.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return text.toString();
    }

    static JsonFactory factory() {
        return FACTORY;
    }
}
