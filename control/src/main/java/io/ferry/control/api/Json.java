package io.ferry.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Request bodies read strictly: unknown fields, wrong types, numbers for enums and nulls for numbers are refused with
 * a 400 that names the field by its path ({@code config.read_conn.port}) and never echoes a value (it may be a
 * password). Thread-safe.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

    private Json() {}

    static <T> T read(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("the request needs a JSON body");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw ApiException.badRequest("the request body is null; a JSON object is expected");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown field '" + path(e) + "'");
        } catch (InvalidFormatException e) {
            throw ApiException.badRequest("field '" + path(e) + "': expected " + expected(e.getTargetType()));
        } catch (MismatchedInputException e) {
            String field = path(e);
            throw ApiException.badRequest(
                    field.isEmpty()
                            ? "the body is not a JSON object of the expected shape"
                            : "field '" + field + "': expected " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw ApiException.badRequest("field '" + path(e) + "': " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }
}
