package io.ferry.comparator.replay;

import java.util.Locale;

/** Why a traffic record was not replayed, or a replay not compared: each is counted apart. */
public enum SkipReason {
    /** The record is not a TrafficRecord Ferry can read (corrupt, another topic's, a newer schema). */
    UNDECODABLE,
    /** The record holds absurd values: a database or protocol out of range, too many keys or arguments. */
    INVALID,
    /** The command's arguments were cut at capture: it cannot be replayed exactly. */
    ARGS_TRUNCATED,
    /** No reply was seen for the command. */
    NO_REPLY,
    /** The recorded reply is an error: nothing to compare. */
    ERROR_REPLY,
    /** The recorded reply is {@code +QUEUED}: the command ran inside MULTI. */
    QUEUED,
    /** The command table does not know the command. */
    UNKNOWN_COMMAND,
    /** The command may change data, or is about the connection or the server: only reads are replayed. */
    NOT_READ,
    /** The command touches no key. */
    NO_KEYS,
    /** The command may block (BLPOP, XREAD BLOCK, WAIT). */
    BLOCKING,
    /** MULTI/EXEC/WATCH: state of one connection. */
    TRANSACTION,
    /** Scripts and functions. */
    SCRIPTING,
    /** Publish/subscribe. */
    PUBSUB,
    /** Two identical calls may answer differently (SRANDMEMBER, SCAN, OBJECT IDLETIME): the command table's tips. */
    NONDETERMINISTIC,
    /** The replayed reply is larger than the reply size limit. */
    REPLY_TOO_LARGE,
    /** The replay failed: a side unreachable, a timeout, a closed connection. */
    REPLAY_FAILED;

    /** The metric tag value: lower case with dashes. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
