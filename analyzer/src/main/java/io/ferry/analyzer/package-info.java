/**
 * The workload analyzer: a Kafka Streams topology over the traffic topic producing the analysis topic, queryable stores and a target recommendation.
 *
 * <p>Not built yet: see the project's issues for the work that fills this module.
 */
package io.ferry.analyzer;
