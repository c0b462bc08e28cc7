/**
 * The RESP proxy applications connect to in place of their Redis: a listener, one session per
 * client with its own backend connection, routing of reads and writes by the migration state,
 * dual-write to the target and publishing of writes and traffic to Kafka. Stateless: every piece of
 * durable state lives in Kafka topics.
 */
package io.ferry.proxy;
