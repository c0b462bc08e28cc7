package io.ferry.resp;

import java.nio.charset.StandardCharsets;

/**
 * A null reply, remembering its wire form so a relayed null reaches the client exactly as the server
 * sent it: a RESP2 client must get {@code $-1} or {@code *-1}, never the RESP3 {@code _}. Immutable
 * singletons.
 */
public enum NullMessage implements RespMessage {
    /** RESP2 null bulk string, {@code $-1}. */
    RESP2_BULK("$-1\r\n"),
    /** RESP2 null array, {@code *-1}. */
    RESP2_ARRAY("*-1\r\n"),
    /** RESP3 null, {@code _}. */
    RESP3("_\r\n");

    private final byte[] wire;

    NullMessage(String wire) {
        this.wire = wire.getBytes(StandardCharsets.US_ASCII);
    }

    /** The complete frame, CRLF included; a copy, as arrays cannot be shared read-only. */
    public byte[] wireBytes() {
        return wire.clone();
    }

    byte[] sharedWireBytes() {
        return wire;
    }

    @Override
    public RespType type() {
        return RespType.NULL;
    }
}
