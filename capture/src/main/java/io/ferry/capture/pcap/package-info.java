/**
 * Reading capture files: classic pcap and pcapng, from a file or a pipe, one packet at a time into a
 * reused {@link io.ferry.capture.pcap.Packet}, never the whole file in memory. Every length read from
 * the file is checked against a named limit before anything is read or allocated.
 */
package io.ferry.capture.pcap;
