/**
 * The control plane: REST API, the migration workflow engine whose state lives in the compacted control topic, compatibility checks, configuration replication and the dashboard.
 *
 * <p>Not built yet: see the project's issues for the work that fills this module.
 */
package io.ferry.control;
