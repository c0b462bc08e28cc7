package io.ferry.control.store;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.schemas.Credentials;
import io.ferry.schemas.Endpoint;
import io.ferry.schemas.HostPort;
import io.ferry.settings.RedisUri;
import io.ferry.settings.TlsOptions;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A stored {@link Endpoint} opened for one role: the address of that role (a reader address for reads, an admin
 * address for administration, else the endpoint's own) and its credentials, unsealed here only. Stateless.
 */
public final class EndpointRoles {
    /** What a connection is for: reads (scan, dump, compare), writes (restore, dual-write), administration. */
    public enum Role {
        READ,
        WRITE,
        ADMIN
    }

    private EndpointRoles() {}

    public static RedisUri uri(Endpoint endpoint, Role role, Sealer sealer) {
        HostPort address =
                switch (role) {
                    case READ -> endpoint.getReadAddress();
                    case ADMIN -> endpoint.getAdminAddress();
                    case WRITE -> null;
                };
        Credentials credentials =
                switch (role) {
                    case READ -> endpoint.getReadCredentials();
                    case WRITE -> endpoint.getWriteCredentials();
                    case ADMIN ->
                        endpoint.getAdminCredentials() != null
                                ? endpoint.getAdminCredentials()
                                : endpoint.getWriteCredentials();
                };
        Optional<String> username =
                credentials == null ? Optional.empty() : Optional.ofNullable(credentials.getUsername());
        Optional<String> password = credentials == null || credentials.getSealedPassword() == null
                ? Optional.empty()
                : Optional.of(sealer.unseal(bytes(credentials.getSealedPassword())));
        return new RedisUri(
                endpoint.getTls(),
                address == null ? endpoint.getHost() : address.getHost(),
                address == null ? endpoint.getPort() : address.getPort(),
                endpoint.getDb(),
                username,
                password);
    }

    public static RedisEndpoint open(Endpoint endpoint, Role role, Sealer sealer) {
        return new RedisEndpoint(
                endpoint.getId() + " (" + role.name().toLowerCase(Locale.ROOT) + ")",
                uri(endpoint, role, sealer),
                TlsOptions.DEFAULTS,
                Duration.ofSeconds(10));
    }

    /** The URI as text, credentials percent-encoded, for settings that take a URI (the proxy's). Holds a secret. */
    public static String uriText(RedisUri uri) {
        StringBuilder text = new StringBuilder(uri.tls() ? "rediss://" : "redis://");
        if (uri.password().isPresent()) {
            uri.username().ifPresent(user -> text.append(encode(user)));
            text.append(':').append(encode(uri.password().get())).append('@');
        } else if (uri.username().isPresent()) {
            // "user@" would read as a password: an empty one says there is none (a nopass user).
            text.append(encode(uri.username().get())).append(":@");
        }
        String host = uri.host().contains(":") ? "[" + uri.host() + "]" : uri.host();
        return text.append(host)
                .append(':')
                .append(uri.port())
                .append('/')
                .append(uri.db())
                .toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
