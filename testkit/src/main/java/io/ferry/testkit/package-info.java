/**
 * JUnit 5 extensions that give Ferry's integration tests real parts: {@link io.ferry.testkit.RedisServers}
 * runs real {@code redis-server} processes on free loopback ports, {@link io.ferry.testkit.RedisCluster} joins
 * some of them into a real Redis Cluster (with failover and live slot moves), {@link io.ferry.testkit.TestKafka} runs
 * Apache Kafka's own in-JVM KRaft cluster (or a Testcontainers broker where asked for and available).
 * Nothing here is a fake: tests talk to the same servers production does.
 */
package io.ferry.testkit;
