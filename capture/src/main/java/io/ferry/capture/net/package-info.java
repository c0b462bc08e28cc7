/**
 * From a captured frame to a TCP segment: link layers (Ethernet with VLAN tags, Linux cooked SLL and
 * SLL2, BSD loopback, raw IP), IPv4 (options; fragments counted and dropped) and IPv6 (extension
 * headers), then the TCP header. No allocation per packet.
 */
package io.ferry.capture.net;
