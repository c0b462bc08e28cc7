package io.ferry.proxy.kafka;

/** What the proxy does with a write when the writes log cannot take its record. */
public enum WriteLogOverflow {
    /**
     * The write goes ahead; its keys are kept in a bounded set and published for repair (flags
     * REPAIR and OVERFLOW) once Kafka takes records again. The default: clients never wait for Kafka.
     */
    FLAG_KEYS,
    /** The write is refused with an error while the log is full: no write without its record. */
    REJECT_WRITES
}
