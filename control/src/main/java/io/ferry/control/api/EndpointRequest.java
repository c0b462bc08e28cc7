package io.ferry.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /api/v1/endpoints}, in one of the two shapes operators know: per-role connections
 * ({@code read_conn} + {@code write_conn}, optionally {@code admin_conn}), or one {@code target} with per-role
 * credentials ({@code read_credentials}, {@code write_credentials}, {@code admin_credentials}).
 */
record EndpointRequest(String id, String kind, Config config) {
    record Config(
            @JsonProperty("read_conn") Connection readConn,
            @JsonProperty("write_conn") Connection writeConn,
            @JsonProperty("admin_conn") Connection adminConn,
            Target target,
            @JsonProperty("read_credentials") Credentials readCredentials,
            @JsonProperty("write_credentials") Credentials writeCredentials,
            @JsonProperty("admin_credentials") Credentials adminCredentials,
            @JsonProperty("connection_pool") Pool connectionPool) {}

    record Connection(
            String host,
            Integer port,
            Boolean tls,
            @JsonProperty("protocol_version") Integer protocolVersion,
            Integer db,
            String username,
            String password) {}

    record Target(
            String host,
            Integer port,
            Boolean tls,
            @JsonProperty("protocol_version") Integer protocolVersion,
            Integer db) {}

    record Credentials(String username, String password) {}

    record Pool(@JsonProperty("multiplexed_connections") Integer multiplexedConnections) {}
}
