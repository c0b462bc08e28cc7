package io.ferry.control.api;

import io.ferry.endpoint.EndpointException;
import io.ferry.endpoint.RedisEndpoint;
import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandKind;
import io.ferry.resp.command.CommandTable;
import io.ferry.schemas.Endpoint;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/v1/endpoints/{id}/read} and {@code /write}: one command run on the endpoint's read (or write)
 * connection, its reply returned as JSON. The read route runs only what the command table says is a read; neither
 * runs commands that would hold the connection (blocking, subscriptions, MONITOR) or change its state (SELECT,
 * AUTH, HELLO, MULTI). A connection per call: direct calls are for an operator's checks, not traffic.
 */
final class DirectCalls {
    private static final int MAX_ARGS = 1024;
    private static final CommandTable TABLE = CommandTable.bundled();

    /** The body: {@code {"command": ["GET", "key"]}}. */
    record Request(List<String> command) {}

    private final Endpoints endpoints;
    private final ClientResources resources;

    DirectCalls(Endpoints endpoints, ClientResources resources) {
        this.endpoints = endpoints;
        this.resources = resources;
    }

    Map<String, Object> run(String endpointId, Endpoints.Role role, Request request) {
        Endpoint endpoint = endpoints.get(endpointId);
        List<String> command = request.command();
        if (command == null || command.isEmpty()) {
            throw ApiException.badRequest("field 'command': required, an array such as [\"GET\", \"key\"]");
        }
        if (command.size() > MAX_ARGS) {
            throw ApiException.badRequest(
                    "field 'command': " + command.size() + " words (expected: <= " + MAX_ARGS + ")");
        }
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i) == null) {
                throw ApiException.badRequest("field 'command[" + i + "]': expected a string");
            }
        }
        check(command, role);
        RedisEndpoint target = endpoints.open(endpoint, role);
        try (RedisEndpoint.Client client = target.open(resources)) {
            StatefulRedisConnection<byte[], byte[]> connection = client.connect(ProtocolVersion.RESP2);
            ReplyTree reply = new ReplyTree();
            CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
            for (String word : command.subList(1, command.size())) {
                args.add(word.getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            try {
                out.put("reply", connection.sync().dispatch(keyword(command.get(0)), reply, args));
                if (reply.truncated()) {
                    out.put("truncated", true);
                }
            } catch (RedisCommandExecutionException e) {
                out.put("error", e.getMessage());
            }
            return out;
        } catch (EndpointException e) {
            throw new ApiException(502, e.getMessage());
        } catch (RedisException e) {
            throw new ApiException(502, "the " + target + " did not answer: " + e.getMessage());
        }
    }

    private static void check(List<String> command, Endpoints.Role role) {
        CommandMessage message = CommandMessage.of(command.toArray(String[]::new));
        try {
            CommandInfo info = TABLE.lookup(message);
            String name = command.get(0).toUpperCase(Locale.ROOT);
            CommandKind kind = info.kindOf(message);
            boolean harmless = name.equals("PING") || name.equals("ECHO");
            switch (kind) {
                case BLOCKING, PUBSUB, TRANSACTION ->
                    throw ApiException.badRequest(name + " is a " + kind.name().toLowerCase(Locale.ROOT)
                            + " command: direct calls run one self-contained command");
                case CONNECTION -> {
                    if (!harmless) {
                        throw ApiException.badRequest(
                                name + " changes the connection: direct calls run one self-contained command");
                    }
                }
                default -> {}
            }
            if (name.equals("MONITOR") || name.equals("SYNC") || name.equals("PSYNC")) {
                throw ApiException.badRequest(name + " would hold the connection: not a direct call");
            }
            if (role == Endpoints.Role.READ
                    && !harmless
                    && (info.isWrite()
                            || kind == CommandKind.UNKNOWN
                            || kind == CommandKind.WRITE
                            || kind == CommandKind.ADMIN
                            || kind == CommandKind.SCRIPTING)) {
                throw ApiException.badRequest(name + " is not a read"
                        + (kind == CommandKind.UNKNOWN ? " (unknown commands count as writes)" : "")
                        + ": the read route runs read commands only; use /write");
            }
        } finally {
            message.release();
        }
    }

    private static ProtocolKeyword keyword(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return new ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return bytes;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
