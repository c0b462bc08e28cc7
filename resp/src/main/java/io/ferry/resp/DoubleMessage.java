package io.ferry.resp;

import java.util.Locale;

/**
 * A RESP3 double ({@code ,3.14}, {@code ,inf}, {@code ,nan}). Immutable.
 *
 * <p>Kept as the text received rather than a parsed {@code double}, so a relayed reply keeps its exact
 * bytes (a server's {@code 1e+300} is not rewritten as {@code 1.0E300}); {@link #value()} parses it.
 *
 * @param text the ASCII text after the comma, validated against the RESP3 grammar
 */
public record DoubleMessage(String text) implements RespMessage {

    public DoubleMessage {
        if (!AsciiNumbers.isDouble(text)) {
            throw new IllegalArgumentException("Not a RESP3 double: " + text);
        }
    }

    /** The message for {@code value}; infinities and NaN become {@code inf}, {@code -inf} and {@code nan}. */
    public static DoubleMessage of(double value) {
        if (Double.isNaN(value)) {
            return new DoubleMessage("nan");
        }
        if (Double.isInfinite(value)) {
            return new DoubleMessage(value > 0 ? "inf" : "-inf");
        }
        return new DoubleMessage(Double.toString(value));
    }

    /** The parsed value. */
    public double value() {
        String lower = text.toLowerCase(Locale.ROOT);
        String unsigned = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        double sign = lower.startsWith("-") ? -1 : 1;
        return switch (unsigned) {
            case "inf" -> sign * Double.POSITIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    @Override
    public RespType type() {
        return RespType.DOUBLE;
    }
}
