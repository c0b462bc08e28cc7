package io.ferry.control.api;

import io.ferry.control.store.ControlStore;
import io.ferry.control.store.EndpointRoles;
import io.ferry.control.store.Sealer;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.Credentials;
import io.ferry.schemas.Endpoint;
import io.ferry.schemas.HostPort;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Endpoints: checked and turned into the control topic's {@link Endpoint} (passwords sealed), shown without
 * passwords, and opened as a {@link RedisEndpoint} for one role. Thread-safe.
 */
final class Endpoints {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Set<String> KINDS =
            Set.of("redis", "valkey", "elasticache", "memorydb", "azure", "memorystore", "keydb", "dragonfly");

    /** The role a connection is for: reads (scan, dump, compare), writes (restore, dual-write), administration. */
    enum Role {
        READ(EndpointRoles.Role.READ),
        WRITE(EndpointRoles.Role.WRITE),
        ADMIN(EndpointRoles.Role.ADMIN);

        final EndpointRoles.Role stored;

        Role(EndpointRoles.Role stored) {
            this.stored = stored;
        }
    }

    private final ControlStore store;
    private final Sealer sealer;

    Endpoints(ControlStore store, Sealer sealer) {
        this.store = store;
        this.sealer = sealer;
    }

    Endpoint create(EndpointRequest request) {
        String id = id(request.id(), "id");
        if (store.endpoint(id).isPresent()) {
            throw ApiException.conflict("endpoint '" + id + "' exists; DELETE it first to change it");
        }
        String kind = request.kind() == null ? "redis" : request.kind();
        if (!KINDS.contains(kind)) {
            throw ApiException.badRequest("field 'kind': '" + kind + "' (expected: one of " + KINDS + ")");
        }
        EndpointRequest.Config config = request.config();
        if (config == null) {
            throw ApiException.badRequest("field 'config' is required");
        }
        boolean connShape = config.readConn() != null || config.writeConn() != null || config.adminConn() != null;
        boolean targetShape = config.target() != null
                || config.readCredentials() != null
                || config.writeCredentials() != null
                || config.adminCredentials() != null;
        if (connShape && targetShape) {
            throw ApiException.badRequest(
                    "config mixes the two shapes: give read_conn and write_conn (and "
                            + "admin_conn), or target with read_credentials, write_credentials and admin_credentials, not both");
        }
        Endpoint.Builder endpoint = Endpoint.newBuilder().setId(id).setKind(kind);
        int pool = 1;
        if (config.connectionPool() != null && config.connectionPool().multiplexedConnections() != null) {
            pool = config.connectionPool().multiplexedConnections();
            if (pool < 1 || pool > 64) {
                throw ApiException.badRequest(
                        "field 'config.connection_pool.multiplexed_connections': " + pool + " (expected: 1 to 64)");
            }
        }
        endpoint.setMultiplexedConnections(pool);
        if (connShape) {
            if (config.readConn() == null || config.writeConn() == null) {
                throw ApiException.badRequest("config needs both read_conn and write_conn (admin_conn is optional)");
            }
            EndpointRequest.Connection write = config.writeConn();
            address(write.host(), write.port(), "config.write_conn");
            endpoint.setHost(write.host()).setPort(write.port());
            endpoint.setTls(Boolean.TRUE.equals(write.tls()));
            endpoint.setProtocolVersion(protocol(write.protocolVersion(), "config.write_conn"));
            endpoint.setDb(db(write.db(), "config.write_conn"));
            endpoint.setWriteCredentials(credentials(write.username(), write.password()));
            EndpointRequest.Connection read = config.readConn();
            address(read.host(), read.port(), "config.read_conn");
            sameTransport(read, write, "config.read_conn");
            if (!read.host().equals(write.host()) || !read.port().equals(write.port())) {
                endpoint.setReadAddress(new HostPort(read.host(), read.port()));
            }
            endpoint.setReadCredentials(credentials(read.username(), read.password()));
            EndpointRequest.Connection admin = config.adminConn();
            if (admin != null) {
                address(admin.host(), admin.port(), "config.admin_conn");
                sameTransport(admin, write, "config.admin_conn");
                if (!admin.host().equals(write.host()) || !admin.port().equals(write.port())) {
                    endpoint.setAdminAddress(new HostPort(admin.host(), admin.port()));
                }
                endpoint.setAdminCredentials(credentials(admin.username(), admin.password()));
            }
        } else if (targetShape) {
            EndpointRequest.Target target = config.target();
            if (target == null) {
                throw ApiException.badRequest("config.target is required with read_credentials/write_credentials");
            }
            address(target.host(), target.port(), "config.target");
            endpoint.setHost(target.host()).setPort(target.port());
            endpoint.setTls(Boolean.TRUE.equals(target.tls()));
            endpoint.setProtocolVersion(protocol(target.protocolVersion(), "config.target"));
            endpoint.setDb(db(target.db(), "config.target"));
            endpoint.setReadCredentials(credentials(config.readCredentials()));
            endpoint.setWriteCredentials(credentials(config.writeCredentials()));
            endpoint.setAdminCredentials(credentials(config.adminCredentials()));
        } else {
            throw ApiException.badRequest("config needs read_conn and write_conn, or target");
        }
        Endpoint built = endpoint.build();
        store.put(ControlStore.endpointKey(id), built);
        return built;
    }

    Endpoint get(String id) {
        return store.endpoint(id).orElseThrow(() -> ApiException.notFound("no endpoint '" + id + "'"));
    }

    /** The endpoint as the API shows it: every setting, and for each role whether a password is set, never which. */
    static Map<String, Object> view(Endpoint endpoint) {
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("host", endpoint.getHost());
        target.put("port", endpoint.getPort());
        target.put("tls", endpoint.getTls());
        target.put("protocol_version", endpoint.getProtocolVersion());
        target.put("db", endpoint.getDb());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("target", target);
        config.put("read_address", address(endpoint.getReadAddress()));
        config.put("admin_address", address(endpoint.getAdminAddress()));
        config.put("read_credentials", credentialsView(endpoint.getReadCredentials()));
        config.put("write_credentials", credentialsView(endpoint.getWriteCredentials()));
        config.put("admin_credentials", credentialsView(endpoint.getAdminCredentials()));
        config.put("connection_pool", Map.of("multiplexed_connections", endpoint.getMultiplexedConnections()));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", endpoint.getId());
        view.put("kind", endpoint.getKind());
        view.put("config", config);
        return view;
    }

    /** The endpoint opened for {@code role}: its address for that role, its credentials (unsealed here only). */
    RedisEndpoint open(Endpoint endpoint, Role role) {
        return EndpointRoles.open(endpoint, role.stored, sealer);
    }

    static String id(String id, String field) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badRequest("field '" + field + "': "
                    + (id == null ? "required" : "'" + id + "' is not an id")
                    + " (expected: letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)");
        }
        return id;
    }

    private static void address(String host, Integer port, String field) {
        if (host == null || host.isBlank() || host.length() > 255) {
            throw ApiException.badRequest("field '" + field + ".host' is required (a host name or address)");
        }
        if (port == null || port < 1 || port > 65535) {
            throw ApiException.badRequest(
                    "field '" + field + ".port': " + (port == null ? "required" : port) + " (expected: 1 to 65535)");
        }
    }

    private static void sameTransport(EndpointRequest.Connection conn, EndpointRequest.Connection write, String field) {
        if (Boolean.TRUE.equals(conn.tls()) != Boolean.TRUE.equals(write.tls())) {
            throw ApiException.badRequest("field '" + field + ".tls' differs from config.write_conn.tls: one endpoint "
                    + "speaks TLS on every connection or on none");
        }
        if (conn.db() != null && !conn.db().equals(write.db() == null ? 0 : write.db())) {
            throw ApiException.badRequest("field '" + field + ".db' differs from config.write_conn.db");
        }
    }

    private static int protocol(Integer version, String field) {
        if (version == null) {
            return 2;
        }
        if (version != 2 && version != 3) {
            throw ApiException.badRequest("field '" + field + ".protocol_version': " + version + " (expected: 2 or 3)");
        }
        return version;
    }

    private static int db(Integer db, String field) {
        if (db == null) {
            return 0;
        }
        if (db < 0 || db > 65535) {
            throw ApiException.badRequest("field '" + field + ".db': " + db + " (expected: 0 to 65535)");
        }
        return db;
    }

    private Credentials credentials(EndpointRequest.Credentials given) {
        return given == null ? null : credentials(given.username(), given.password());
    }

    private Credentials credentials(String username, String password) {
        if (username == null && password == null) {
            return null;
        }
        return Credentials.newBuilder()
                .setUsername(username)
                .setSealedPassword(password == null ? null : java.nio.ByteBuffer.wrap(sealer.seal(password)))
                .build();
    }

    private static Map<String, Object> address(HostPort address) {
        return address == null ? null : Map.of("host", address.getHost(), "port", address.getPort());
    }

    private static Map<String, Object> credentialsView(Credentials credentials) {
        if (credentials == null) {
            return null;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("username", credentials.getUsername());
        view.put("password_set", credentials.getSealedPassword() != null);
        return view;
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        java.nio.ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
