/**
 * Traffic records built one way for every producer of the traffic topic: the proxy (commands it
 * forwards) and the pcap capture (commands it sees on the wire). What is copied from a command, where
 * arguments and reply bodies are cut, how the reply is digested and how a command is classified live
 * here, once, so the comparator and the analyzer read the same record whichever produced it.
 */
package io.ferry.traffic;
