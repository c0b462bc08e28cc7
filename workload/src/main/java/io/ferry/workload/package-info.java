/**
 * A workload and its independent checker: {@link io.ferry.workload.Workload} writes and reads every data type
 * through several connections at a steady rate and records every write with its outcome in a {@link
 * io.ferry.workload.HistoryWriter history file}; {@link io.ferry.workload.Checker} compares two servers key by key
 * and replays the history into an {@link io.ferry.workload.ExpectedState} to prove no acknowledged write was lost.
 * Deliberately independent of Ferry's copy and compare code (mover, comparator, proxy): it reads both sides with
 * plain Lettuce commands, so a bug there cannot hide itself here.
 */
package io.ferry.workload;
