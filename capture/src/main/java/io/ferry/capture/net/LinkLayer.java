package io.ferry.capture.net;

import io.ferry.capture.pcap.Bytes;

/**
 * The link layers Ferry reads, by {@code LINKTYPE_*} number: where the IP packet starts in a frame
 * and which IP version it is. Stateless.
 */
public final class LinkLayer {
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    public static final int RAW = 101;
    public static final int LOOP = 108;
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    /** The result of {@link #networkStart} when the frame holds no IP packet. */
    public static final int NOT_IP = -1;
    /** The result of {@link #networkStart} for a link type not read here. */
    public static final int UNSUPPORTED = -2;
    /** The result of {@link #networkStart} for a frame too short for its link header. */
    public static final int SHORT = -3;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_VLAN_OLD_QINQ = 0x9100;
    /** Most stacked VLAN tags followed. */
    static final int MAX_VLAN_TAGS = 4;

    private LinkLayer() {}

    /** True for the link types {@link #networkStart} reads. */
    public static boolean supported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /**
     * Where the IP packet starts in {@code frame[0 .. length)}, or {@link #NOT_IP}, {@link
     * #UNSUPPORTED} or {@link #SHORT}. The IP version is the high nibble of the byte there.
     */
    public static int networkStart(int linkType, byte[] frame, int length) {
        switch (linkType) {
            case ETHERNET -> {
                int at = 12;
                for (int tags = 0; ; tags++) {
                    if (length < at + 2) {
                        return SHORT;
                    }
                    int type = Bytes.shortBE(frame, at);
                    if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_VLAN_OLD_QINQ) {
                        if (tags == MAX_VLAN_TAGS) {
                            return NOT_IP;
                        }
                        at += 4;
                        continue;
                    }
                    return isIp(type) ? at + 2 : NOT_IP;
                }
            }
            case LINUX_SLL -> {
                return length < 16 ? SHORT : isIp(Bytes.shortBE(frame, 14)) ? 16 : NOT_IP;
            }
            case LINUX_SLL2 -> {
                return length < 20 ? SHORT : isIp(Bytes.shortBE(frame, 0)) ? 20 : NOT_IP;
            }
            case NULL, LOOP -> {
                if (length < 4) {
                    return SHORT;
                }
                // NULL: the family in the capturing host's byte order; LOOP: network order. Either way,
                // AF_INET is 2 everywhere and AF_INET6 is 10, 24, 28 or 30 depending on the system.
                int family = Bytes.intBE(frame, 0);
                if (linkType == NULL && (family & 0xFFFF) == 0) {
                    family = Bytes.intLE(frame, 0);
                }
                return switch (family) {
                    case 2, 10, 24, 28, 30 -> 4;
                    default -> NOT_IP;
                };
            }
            case RAW, IPV4, IPV6 -> {
                return 0;
            }
            default -> {
                return UNSUPPORTED;
            }
        }
    }

    private static boolean isIp(int etherType) {
        return etherType == ETHERTYPE_IPV4 || etherType == ETHERTYPE_IPV6;
    }
}
