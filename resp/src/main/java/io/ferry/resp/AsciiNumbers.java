package io.ferry.resp;

import io.netty.buffer.ByteBuf;

/** Parses and writes the ASCII numbers of RESP straight from and into buffers, without Strings. */
final class AsciiNumbers {

    /** Digits of Long.MIN_VALUE, the one value whose magnitude does not fit in a long. */
    private static final byte[] LONG_MIN_VALUE =
            Long.toString(Long.MIN_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private AsciiNumbers() {}

    /**
     * Parses a length as Redis's {@code string2ll} does: an optional minus sign, then either {@code 0} or
     * digits without a leading zero; no plus sign, no spaces.
     *
     * @throws NumberFormatException when the bytes are not such a number or overflow a long
     */
    static long parseLength(ByteBuf buf, int index, int length) {
        int digitsStart = length > 0 && buf.getByte(index) == '-' ? 1 : 0;
        int digits = length - digitsStart;
        if (digits <= 0 || (buf.getByte(index + digitsStart) == '0' && (digits > 1 || digitsStart == 1))) {
            throw new NumberFormatException();
        }
        return parseDigits(buf, index + digitsStart, digits, digitsStart == 1);
    }

    /**
     * Parses a RESP integer: an optional {@code +} or {@code -}, then one or more digits.
     *
     * @throws NumberFormatException when the bytes are not such a number or overflow a long
     */
    static long parseInteger(ByteBuf buf, int index, int length) {
        byte first = length > 0 ? buf.getByte(index) : 0;
        int digitsStart = first == '-' || first == '+' ? 1 : 0;
        if (length - digitsStart <= 0) {
            throw new NumberFormatException();
        }
        return parseDigits(buf, index + digitsStart, length - digitsStart, first == '-');
    }

    // Accumulates negatively, as Long.parseLong does, so Long.MIN_VALUE parses without overflow.
    private static long parseDigits(ByteBuf buf, int index, int length, boolean negative) {
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multiplyMin = limit / 10;
        long result = 0;
        for (int i = index, end = index + length; i < end; i++) {
            int digit = buf.getByte(i) - '0';
            if (digit < 0 || digit > 9 || result < multiplyMin) {
                throw new NumberFormatException();
            }
            result *= 10;
            if (result < limit + digit) {
                throw new NumberFormatException();
            }
            result -= digit;
        }
        return negative ? result : -result;
    }

    /** Writes {@code value} in decimal ASCII. */
    static void writeLong(ByteBuf buf, long value) {
        if (value >= 0 && value < 10) {
            buf.writeByte('0' + (int) value);
            return;
        }
        if (value == Long.MIN_VALUE) {
            buf.writeBytes(LONG_MIN_VALUE);
            return;
        }
        if (value < 0) {
            buf.writeByte('-');
            value = -value;
        }
        int digits = digitCount(value);
        buf.ensureWritable(digits);
        int start = buf.writerIndex();
        for (int i = start + digits - 1; i >= start; i--) {
            buf.setByte(i, '0' + (int) (value % 10));
            value /= 10;
        }
        buf.writerIndex(start + digits);
    }

    private static int digitCount(long positive) {
        int digits = 1;
        for (long bound = 10; digits < 19 && positive >= bound; bound *= 10) {
            digits++;
        }
        return digits;
    }

    /**
     * True for a RESP3 double: {@code inf}, {@code -inf}, {@code nan} (any case, optional sign), or an
     * optional sign, digits, an optional fraction and an optional exponent.
     */
    static boolean isDouble(CharSequence text) {
        int i = 0;
        int n = text.length();
        if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
            i++;
        }
        String rest = text.subSequence(i, n).toString();
        if (rest.equalsIgnoreCase("inf") || rest.equalsIgnoreCase("nan")) {
            return true;
        }
        int integral = skipDigits(text, i);
        if (integral == i) {
            return false;
        }
        i = integral;
        if (i < n && text.charAt(i) == '.') {
            int fraction = skipDigits(text, i + 1);
            if (fraction == i + 1) {
                return false;
            }
            i = fraction;
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
                i++;
            }
            int exponent = skipDigits(text, i);
            if (exponent == i) {
                return false;
            }
            i = exponent;
        }
        return i == n;
    }

    /** True for a RESP3 big number: an optional sign and one or more digits. */
    static boolean isBigNumber(CharSequence text) {
        int start = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+') ? 1 : 0;
        int end = skipDigits(text, start);
        return end > start && end == text.length();
    }

    private static int skipDigits(CharSequence text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }
}
