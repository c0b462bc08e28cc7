/**
 * Live figures of a run for the dashboard: the stats events its proxies, movers and comparators publish on the events
 * topic ({@link io.ferry.schemas.stats.StatsAttributes}), followed from a little before now ({@link
 * io.ferry.control.stats.LiveStats}) and summed across nodes per time bucket ({@link
 * io.ferry.control.stats.StatsWindow}).
 */
package io.ferry.control.stats;
