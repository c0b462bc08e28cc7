/**
 * Verification: shadow replay of captured reads against the target with a Redis-aware response comparison, and a keyspace verify that gates commit.
 *
 * <p>Not built yet: see the project's issues for the work that fills this module.
 */
package io.ferry.comparator;
