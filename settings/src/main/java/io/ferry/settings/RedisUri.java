package io.ferry.settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A Redis endpoint written as a URI: {@code redis://[user:password@]host:port[/db]}, or {@code
 * rediss://} for TLS. The password never appears in {@link #toString()}.
 *
 * @param tls true for {@code rediss://}
 * @param host host name or address
 * @param port TCP port (default 6379)
 * @param db database index (default 0)
 * @param username ACL user name, if any
 * @param password password, if any (a user-info without ':' is a password, as Redis clients read it)
 */
public record RedisUri(
        boolean tls, String host, int port, int db, Optional<String> username, Optional<String> password) {
    public static final int DEFAULT_PORT = 6379;

    /**
     * Parses a Redis URI.
     *
     * @throws IllegalArgumentException saying what is wrong; the message never contains the password
     */
    public static RedisUri parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected redis://host:port, got nothing");
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "'" + Secrets.mask(text) + "' is not a URI (expected redis://host:port)");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss"))) {
            throw new IllegalArgumentException(
                    "'" + Secrets.mask(text) + "' must start with redis:// or rediss:// (for TLS)");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + Secrets.mask(text) + "' has no host");
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    "'" + Secrets.mask(text) + "' has port " + port + " (expected: 1..65535)");
        }
        int db = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + Secrets.mask(text) + "' has database '" + path.substring(1) + "' (expected a number)");
            }
            if (db < 0) {
                throw new IllegalArgumentException("'" + Secrets.mask(text) + "' has a negative database " + db);
            }
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException(
                    "'" + Secrets.mask(text) + "' has a query or fragment, which Ferry does not read");
        }
        Optional<String> username = Optional.empty();
        Optional<String> password = Optional.empty();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = Optional.of(decode(userInfo));
            } else {
                String user = decode(userInfo.substring(0, colon));
                username = user.isEmpty() ? Optional.empty() : Optional.of(user);
                password = Optional.of(decode(userInfo.substring(colon + 1)));
            }
        }
        String host = uri.getHost().startsWith("[")
                ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        return new RedisUri(scheme.equals("rediss"), host, port, db, username, password);
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URI with the password masked, safe to print. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(tls ? "rediss://" : "redis://");
        if (username.isPresent() || password.isPresent()) {
            username.ifPresent(text::append);
            if (password.isPresent()) {
                text.append(':').append(Secrets.HIDDEN);
            }
            text.append('@');
        }
        text.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port);
        if (db != 0) {
            text.append('/').append(db);
        }
        return text.toString();
    }
}
