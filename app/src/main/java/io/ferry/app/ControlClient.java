package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The control plane's API as {@code ferry migrate} calls it: JSON over HTTP with the bearer token. A refusal (4xx)
 * is a {@link Refused} carrying the API's message; an unreachable or failing control plane (5xx) an
 * {@link Unavailable}. Never prints the token.
 */
final class ControlClient {
    /** The API refused the request; the message is the API's. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** The control plane could not be reached or failed. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    ControlClient(String base, String token) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
    }

    JsonNode get(String path) throws Refused, Unavailable, InterruptedException {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) throws Refused, Unavailable, InterruptedException {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) throws Refused, Unavailable, InterruptedException {
        return send("PUT", path, body);
    }

    private JsonNode send(String method, String path, Object body) throws Refused, Unavailable, InterruptedException {
        HttpResponse<String> response;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofMinutes(5))
                    .header("Authorization", "Bearer " + token)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Unavailable("the control plane at " + base + " does not answer (is ferry control running?)");
        } catch (HttpTimeoutException e) {
            throw new Unavailable("the control plane at " + base + " did not answer in time");
        } catch (IOException | IllegalArgumentException e) {
            throw new Unavailable("the control plane at " + base + ": " + e.getMessage());
        }
        JsonNode json;
        try {
            json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new Unavailable(
                    "the control plane at " + base + " answered " + response.statusCode() + " without JSON");
        }
        int status = response.statusCode();
        String message = json != null && json.has("error") ? json.get("error").asText() : "HTTP " + status;
        if (status == 401) {
            throw new Refused("the token was refused (" + message + ")");
        }
        if (status >= 400 && status < 500) {
            throw new Refused(message);
        }
        if (status >= 500) {
            throw new Unavailable(message);
        }
        return json;
    }
}
