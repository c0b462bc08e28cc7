package io.ferry.analyzer;

/**
 * Usage that a zero-downtime migration through the proxy must plan for. Each traffic record raises at
 * most one risk per kind; the analyzer counts them and the {@link Recommender} turns them into
 * warnings and choices.
 */
public enum MigrationRisk {
    /** MULTI, EXEC, DISCARD: a transaction must run whole on one side, so ratio reads split it. */
    TRANSACTION("MULTI/EXEC transactions"),
    /** WATCH, UNWATCH: optimistic locks hold only on the server that saw the WATCH. */
    WATCH("WATCH optimistic locking"),
    /** EVAL, EVALSHA, FCALL, FUNCTION, SCRIPT: scripts touch keys the proxy cannot see. */
    SCRIPTING("Lua scripts and functions"),
    /** SUBSCRIBE, PUBLISH, ...: subscribers and publishers must be on the same side. */
    PUBSUB("Pub/Sub"),
    /** BLPOP, XREAD BLOCK, WAIT, ...: hold a connection until data comes. */
    BLOCKING("blocking commands"),
    /** SELECT of a database other than 0, or commands run in one: clusters and some services have db 0 only. */
    NON_ZERO_DB("databases other than 0"),
    /** The command table's {@code @dangerous} category: KEYS, FLUSHALL, FLUSHDB, DEBUG, ... */
    DANGEROUS("dangerous commands (KEYS, FLUSHALL, FLUSHDB, ...)"),
    /** Not in the command table at all: a module's command, a newer Redis's, or a typo. */
    UNKNOWN_COMMAND("commands unknown to the command table"),
    /** Refused by the target profile: disabled there, or newer than the target's version. */
    UNSUPPORTED_BY_TARGET("commands the target does not support");

    private final String description;

    MigrationRisk(String description) {
        this.description = description;
    }

    /** What the risk is, for reports. */
    public String description() {
        return description;
    }
}
