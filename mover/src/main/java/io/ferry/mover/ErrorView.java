package io.ferry.mover;

import io.ferry.resp.KeyText;
import io.ferry.schemas.ErrorRecord;
import io.ferry.settings.Secrets;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@link ErrorRecord} as the fields an operator reads in JSON (the export file, the control plane's API): the key
 * escaped and in base64, the error and context with any password masked. The one shape of an error key outside Kafka.
 */
public final class ErrorView {
    private ErrorView() {}

    /** The fields in a stable order; values are strings and numbers, the context a sorted map. */
    public static Map<String, Object> of(ErrorRecord error) {
        ByteBuffer key = error.getKey();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("runId", error.getRunId());
        view.put("db", error.getDb());
        view.put("key", KeyText.escaped(key));
        view.put("keyBase64", Base64.getEncoder().encodeToString(bytes(key)));
        view.put("stage", String.valueOf(error.getStage()));
        view.put("error", Secrets.mask(error.getError()));
        view.put("attempts", error.getAttempts());
        view.put("firstSeen", String.valueOf(error.getFirstSeenMicros()));
        view.put("lastSeen", String.valueOf(error.getLastSeenMicros()));
        view.put("sourceNode", error.getSourceNode());
        Map<String, String> context = new TreeMap<>();
        for (Map.Entry<String, String> entry : error.getContext().entrySet()) {
            context.put(entry.getKey(), Secrets.mask(entry.getValue()));
        }
        view.put("context", context);
        return view;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
