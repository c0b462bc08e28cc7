/**
 * The command table: what each Redis command is and where its keys are, built from real Redis metadata
 * ({@code COMMAND} and {@code COMMAND DOCS} replies) rather than a hand-written list.
 *
 * <p>{@link io.ferry.resp.command.CommandTable} is the entry point: {@code bundled()} at start-up,
 * {@code fromSource(...)} once the source has answered, then {@code lookup(command)} per command, which
 * gives a {@link io.ferry.resp.command.CommandInfo} with its {@link io.ferry.resp.command.CommandKind},
 * its flags and {@code findKeys(command, positions)} into a reused {@link
 * io.ferry.resp.command.KeyPositions}. Lookup, classification and key search allocate nothing.
 *
 * <p>Unknown commands are writes: {@code lookup} never fails, and what it does not know has kind
 * {@code UNKNOWN} and {@code isWrite()} true.
 */
package io.ferry.resp.command;
