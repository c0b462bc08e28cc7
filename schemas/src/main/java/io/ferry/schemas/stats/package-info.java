/**
 * The periodic stats events of Ferry's services on the events topic ({@code stats.proxy}, {@code stats.mover},
 * {@code stats.comparator}): their type names and attribute keys ({@link io.ferry.schemas.stats.StatsAttributes}),
 * shared by the services that publish them and the control plane that charts them, the one setting that paces them
 * ({@code stats.interval-seconds}) and the one publisher ({@link io.ferry.schemas.stats.StatsPublisher}). They live
 * here because their shape is part of the events topic's contract, which this module owns; the Avro schema is not
 * changed, the figures travel in the event's string attributes.
 */
package io.ferry.schemas.stats;
