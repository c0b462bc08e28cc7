/**
 * One Redis endpoint (source or target) as the workers reach it — mover, comparator and control —
 * through Lettuce: {@link io.ferry.endpoint.RedisEndpoint} turns a URI and its TLS settings into
 * connections, {@link io.ferry.endpoint.ServerFacts} says what the server can do. The proxy speaks
 * to its endpoints with its own Netty pipeline and does not use this module.
 */
package io.ferry.endpoint;
