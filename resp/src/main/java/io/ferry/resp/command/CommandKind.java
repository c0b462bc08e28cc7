package io.ferry.resp.command;

/**
 * What a command is, for routing, dual-write, capture filters and comparison: one kind per command,
 * decided once when the {@link CommandTable} is built.
 *
 * <p>A command gets the first kind of this list that applies (the order is the precedence):
 *
 * <ol>
 *   <li>{@link #UNKNOWN}: the table does not know the name.
 *   <li>{@link #TRANSACTION}: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *   <li>{@link #SCRIPTING}: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL, FCALL_RO and every FUNCTION and
 *       SCRIPT subcommand.
 *   <li>{@link #PUBSUB}: the {@code pubsub} flag, or SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their
 *       UNSUBSCRIBE forms, PUBLISH, SPUBLISH and every PUBSUB subcommand.
 *   <li>{@link #BLOCKING}: the {@code blocking} flag (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREAD, ...), or
 *       WAIT and WAITAOF, which block without the flag.
 *   <li>{@link #CONNECTION}: commands about the connection itself: SELECT, AUTH, HELLO, every CLIENT
 *       subcommand, RESET, QUIT, READONLY, READWRITE, ASKING, PING, ECHO.
 *   <li>{@link #ADMIN}: the {@code admin} flag.
 *   <li>{@link #WRITE}: the {@code write} flag.
 *   <li>{@link #READ}: the {@code readonly} flag.
 *   <li>{@link #SERVER}: every other known command: keyless server introspection such as INFO, TIME,
 *       ROLE, LASTSAVE, COMMAND, CLUSTER INFO, MEMORY STATS, ACL WHOAMI and the HELP subcommands.
 * </ol>
 *
 * <p>The name lists are Ferry's policy, not server metadata: they name the commands whose connection
 * semantics (invariant 4 of the design) a proxy must keep, whatever flags a server reports for them. A
 * container (CLIENT, CONFIG, ...) looked up with no known subcommand is {@link #UNKNOWN}, unless a name
 * rule above covers the whole container (CLIENT, FUNCTION, SCRIPT, PUBSUB).
 *
 * <p>{@link #BLOCKING} is what the command <em>may</em> do: XREAD and XREADGROUP only block with a
 * {@code BLOCK} option, which {@link CommandInfo#kindOf(io.ferry.resp.CommandMessage)} checks per
 * invocation.
 */
public enum CommandKind {
    /** Reads the keyspace and changes nothing. */
    READ,
    /** May change the keyspace. */
    WRITE,
    /** Server administration (the {@code admin} flag): CONFIG SET, DEBUG, SHUTDOWN, REPLICAOF, ... */
    ADMIN,
    /** Reads or changes the state of the client connection (database, name, protocol, auth, ...). */
    CONNECTION,
    /** Publish/subscribe: subscribing puts the connection in a push mode. */
    PUBSUB,
    /** MULTI/EXEC and optimistic locking: state that lives on one server connection. */
    TRANSACTION,
    /** Lua scripts and functions: may read and write keys the proxy cannot see. */
    SCRIPTING,
    /** May hold the connection until data arrives or a timeout passes. */
    BLOCKING,
    /** Known to the server, touches no data and needs no admin right: INFO, TIME, ROLE, COMMAND, ... */
    SERVER,
    /** Not in the command table; treated as a write (invariant 4 of the design). */
    UNKNOWN
}
