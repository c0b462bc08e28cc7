/**
 * The data mover: a SCAN-based scanner publishing move tasks, workers copying keys with DUMP and RESTORE ABSTTL (chunked for big keys), a reconciler repairing keys from the writes topic, error replay and adaptive throttling.
 *
 * <p>Not built yet: see the project's issues for the work that fills this module.
 */
package io.ferry.mover;
