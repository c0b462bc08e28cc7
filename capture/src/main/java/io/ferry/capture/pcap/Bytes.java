package io.ferry.capture.pcap;

/** Reads unsigned 16- and signed 32-bit integers from byte arrays, in either byte order. Stateless. */
public final class Bytes {
    private Bytes() {}

    public static int shortBE(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    public static int shortLE(byte[] b, int at) {
        return ((b[at + 1] & 0xFF) << 8) | (b[at] & 0xFF);
    }

    public static int intBE(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    public static int intLE(byte[] b, int at) {
        return ((b[at + 3] & 0xFF) << 24) | ((b[at + 2] & 0xFF) << 16) | ((b[at + 1] & 0xFF) << 8) | (b[at] & 0xFF);
    }
}
