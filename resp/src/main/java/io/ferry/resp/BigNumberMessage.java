package io.ferry.resp;

import java.math.BigInteger;

/**
 * A RESP3 big number ({@code (3492890328409238509324850943850943825024385}). Immutable; kept as the
 * text received so a relayed reply keeps its exact bytes.
 *
 * @param text an optional sign and one or more ASCII digits
 */
public record BigNumberMessage(String text) implements RespMessage {

    public BigNumberMessage {
        if (!AsciiNumbers.isBigNumber(text)) {
            throw new IllegalArgumentException("Not a RESP3 big number: " + text);
        }
    }

    public static BigNumberMessage of(BigInteger value) {
        return new BigNumberMessage(value.toString());
    }

    /** The parsed value. */
    public BigInteger value() {
        return new BigInteger(text);
    }

    @Override
    public RespType type() {
        return RespType.BIG_NUMBER;
    }
}
