package io.ferry.app;

import io.ferry.resp.KeyText;
import io.ferry.schemas.ErrorRecord;
import io.ferry.settings.Secrets;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The fields of an {@link ErrorRecord} as text to print: one line each, control characters and secrets removed. */
final class ErrorFields {
    private ErrorFields() {}

    static String run(ErrorRecord error) {
        return oneLine(error.getRunId());
    }

    /** The key as redis-cli prints it, quoted. */
    static String key(ErrorRecord error) {
        return KeyText.quoted(error.getKey());
    }

    /** UTC, to the second: {@code 2024-05-01T10:00:00Z}. */
    static String time(Instant instant) {
        return instant == null ? "-" : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The server's or client's error, on one line, any password in it masked. */
    static String error(ErrorRecord error) {
        return oneLine(error.getError());
    }

    /** {@code text} with secrets masked and each control character (line breaks included) as a space. */
    static String oneLine(String text) {
        if (text == null) {
            return "-";
        }
        String masked = Secrets.mask(text);
        StringBuilder line = new StringBuilder(masked.length());
        for (int i = 0; i < masked.length(); i++) {
            char c = masked.charAt(i);
            line.append(Character.isISOControl(c) ? ' ' : c);
        }
        return line.toString();
    }
}
