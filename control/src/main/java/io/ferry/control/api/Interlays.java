package io.ferry.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ferry.control.store.ControlStore;
import io.ferry.schemas.Interlay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Interlays: the proxy listeners applications connect to in place of an endpoint. The control plane records them
 * in the control topic; proxy nodes following it open or close the listener. Thread-safe.
 */
final class Interlays {
    record Request(
            String id,
            String endpoint,
            Integer port,
            @JsonProperty("listen_host") String listenHost,
            Settings settings) {}

    record Settings(
            @JsonProperty("max_concurrent_connections") Integer maxConcurrentConnections) {}

    private final ControlStore store;

    Interlays(ControlStore store) {
        this.store = store;
    }

    Interlay create(Request request) {
        String id = Endpoints.id(request.id(), "id");
        if (store.interlay(id).isPresent()) {
            throw ApiException.conflict("interlay '" + id + "' exists; DELETE it first to change it");
        }
        String endpoint = Endpoints.id(request.endpoint(), "endpoint");
        if (store.endpoint(endpoint).isEmpty()) {
            throw ApiException.badRequest("field 'endpoint': no endpoint '" + endpoint + "'");
        }
        Integer port = request.port();
        if (port == null || port < 1 || port > 65535) {
            throw ApiException.badRequest(
                    "field 'port': " + (port == null ? "required" : port) + " (expected: 1 to 65535)");
        }
        for (Interlay other : store.interlays()) {
            if (other.getPort() == port) {
                throw ApiException.conflict("port " + port + " is taken by interlay '" + other.getId() + "'");
            }
        }
        int max = 10_000;
        if (request.settings() != null && request.settings().maxConcurrentConnections() != null) {
            max = request.settings().maxConcurrentConnections();
            if (max < 1 || max > 1_000_000) {
                throw ApiException.badRequest(
                        "field 'settings.max_concurrent_connections': " + max + " (expected: 1 to 1000000)");
            }
        }
        Interlay interlay = Interlay.newBuilder()
                .setId(id)
                .setEndpoint(endpoint)
                .setListenHost(request.listenHost() == null ? "0.0.0.0" : request.listenHost())
                .setPort(port)
                .setMaxConcurrentConnections(max)
                .setRunning(false)
                .build();
        store.put(ControlStore.interlayKey(id), interlay);
        return interlay;
    }

    Interlay get(String id) {
        return store.interlay(id).orElseThrow(() -> ApiException.notFound("no interlay '" + id + "'"));
    }

    Interlay setRunning(String id, boolean running) {
        Interlay current = get(id);
        Interlay next = Interlay.newBuilder(current).setRunning(running).build();
        store.put(ControlStore.interlayKey(id), next);
        return next;
    }

    void delete(String id) {
        Interlay current = get(id);
        if (current.getRunning()) {
            throw ApiException.conflict("interlay '" + id + "' is running: stop it first");
        }
        store.delete(ControlStore.interlayKey(id));
    }

    static Map<String, Object> view(Interlay interlay) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", interlay.getId());
        view.put("endpoint", interlay.getEndpoint());
        view.put("listen_host", interlay.getListenHost());
        view.put("port", interlay.getPort());
        view.put("settings", Map.of("max_concurrent_connections", interlay.getMaxConcurrentConnections()));
        view.put("running", interlay.getRunning());
        return view;
    }
}
