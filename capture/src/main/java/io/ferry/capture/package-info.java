/**
 * Passive capture: reads pcap/pcapng from a file or a pipe, reassembles TCP flows, parses RESP with the shared codec and publishes traffic records, learning a workload without touching the production path.
 *
 * <p>Not built yet: see the project's issues for the work that fills this module.
 */
package io.ferry.capture;
