package io.ferry.control.api;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A RESP2 reply as JSON values: bulk and simple strings as strings (a bulk that is not UTF-8 as
 * {@code {"base64": "..."}}), integers as numbers, arrays as arrays, nulls as null, an error inside an array (EXEC)
 * as {@code {"error": "..."}}. At most {@link #MAX_BYTES} of strings are kept; past that the reply is cut and
 * {@link #truncated} says so, so a huge reply cannot exhaust the control plane.
 */
final class ReplyTree extends CommandOutput<byte[], byte[], Object> {
    static final int MAX_BYTES = 1024 * 1024;

    private final Deque<List<Object>> open = new ArrayDeque<>();
    private final Deque<Integer> remaining = new ArrayDeque<>();
    private Object root;
    private boolean rootSet;
    private long bytes;
    private boolean truncated;

    ReplyTree() {
        super(ByteArrayCodec.INSTANCE, null);
    }

    boolean truncated() {
        return truncated;
    }

    @Override
    public Object get() {
        return root;
    }

    @Override
    public void set(ByteBuffer value) {
        add(value == null ? null : text(value));
    }

    @Override
    public void setSingle(ByteBuffer value) {
        add(value == null ? null : text(value));
    }

    @Override
    public void set(long value) {
        add(value);
    }

    @Override
    public void set(double value) {
        add(value);
    }

    @Override
    public void set(boolean value) {
        add(value);
    }

    @Override
    public void setError(ByteBuffer error) {
        if (open.isEmpty()) {
            super.setError(error);
            return;
        }
        add(Map.of("error", StandardCharsets.UTF_8.decode(error).toString()));
    }

    @Override
    public void multi(int count) {
        if (count < 0) {
            add(null);
            return;
        }
        List<Object> list = new ArrayList<>(Math.min(count, 1024));
        open.push(list);
        remaining.push(count);
        if (count == 0) {
            close();
        }
    }

    private void add(Object value) {
        if (open.isEmpty()) {
            if (!rootSet) {
                root = value;
                rootSet = true;
            }
            return;
        }
        if (!truncated) {
            open.peek().add(value);
        }
        remaining.push(remaining.pop() - 1);
        if (remaining.peek() == 0) {
            close();
        }
    }

    private void close() {
        List<Object> done = open.pop();
        remaining.pop();
        add(done);
    }

    private Object text(ByteBuffer value) {
        bytes += value.remaining();
        if (bytes > MAX_BYTES) {
            truncated = true;
            return null;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(value.duplicate())
                    .toString();
        } catch (CharacterCodingException e) {
            byte[] raw = new byte[value.remaining()];
            value.duplicate().get(raw);
            Map<String, Object> binary = new LinkedHashMap<>();
            binary.put("base64", Base64.getEncoder().encodeToString(raw));
            return binary;
        }
    }
}
