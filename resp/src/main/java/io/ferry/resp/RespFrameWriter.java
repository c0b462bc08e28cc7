package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes one message as RESP into a buffer. Headers and small payloads are copied into one buffer;
 * payloads of {@link #COPY_THRESHOLD} bytes or more are added as retained slices of a composite buffer
 * instead, so a large value is never copied on its way through the proxy. Single use, not thread-safe.
 */
final class RespFrameWriter {

    /** Below this a copy is cheaper than one more component in a composite buffer. */
    static final int COPY_THRESHOLD = 1024;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final int INITIAL_CAPACITY = 256;

    private final ByteBufAllocator alloc;
    private ByteBuf current;
    private CompositeByteBuf composite;
    /** Writing into a caller's buffer: every byte is copied, nothing becomes a composite. */
    private final boolean copyAll;

    RespFrameWriter(ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.current = alloc.ioBuffer(INITIAL_CAPACITY);
        this.copyAll = false;
    }

    private RespFrameWriter(ByteBuf out) {
        this.alloc = null;
        this.current = out;
        this.copyAll = true;
    }

    /** Appends {@code message} to {@code out}, copying every byte, without releasing the message. */
    static void encodeInto(ByteBuf out, RespMessage message) {
        new RespFrameWriter(out).write(message);
    }

    /** Encodes {@code message} without releasing it; the returned buffer is the caller's. */
    static ByteBuf encode(ByteBufAllocator alloc, RespMessage message) {
        RespFrameWriter writer = new RespFrameWriter(alloc);
        try {
            writer.write(message);
            return writer.finish();
        } catch (Throwable t) {
            writer.discard();
            throw t;
        }
    }

    void write(RespMessage message) {
        if (message instanceof CommandMessage command) {
            writeCommand(command);
            return;
        }
        switch (message.type()) {
            case SIMPLE_STRING -> writeLine(RespType.SIMPLE_STRING, ((SimpleStringMessage) message).content());
            case ERROR -> writeLine(RespType.ERROR, ((ErrorMessage) message).content());
            case INTEGER -> writeInteger(((IntegerMessage) message).value());
            case BULK_STRING -> writeBulk(RespType.BULK_STRING, ((BulkStringMessage) message).content());
            case BULK_ERROR -> writeBulk(RespType.BULK_ERROR, ((BulkErrorMessage) message).content());
            case VERBATIM_STRING -> writeVerbatim((VerbatimStringMessage) message);
            case NULL -> current.writeBytes(((NullMessage) message).sharedWireBytes());
            case BOOLEAN -> writeBoolean((BooleanMessage) message);
            case DOUBLE -> writeAsciiLine(RespType.DOUBLE, ((DoubleMessage) message).text());
            case BIG_NUMBER -> writeAsciiLine(RespType.BIG_NUMBER, ((BigNumberMessage) message).text());
            case ARRAY, SET, PUSH ->
                writeAggregate((AggregateMessage) message, message.type().prefix(), message.type());
            case MAP -> writeAggregate((MapMessage) message, RespType.MAP.prefix(), RespType.MAP);
            case ATTRIBUTE -> writeAttribute((AttributeMessage) message);
        }
    }

    private void writeCommand(CommandMessage command) {
        writeHeader(RespType.ARRAY.prefix(), command.argCount());
        for (ByteBuf arg : command.args()) {
            writeBulk(RespType.BULK_STRING, arg);
        }
    }

    private void writeLine(RespType type, ByteBuf content) {
        current.writeByte(type.prefix());
        writeContent(content);
        current.writeBytes(CRLF);
    }

    private void writeAsciiLine(RespType type, String text) {
        current.writeByte(type.prefix());
        current.writeCharSequence(text, StandardCharsets.US_ASCII);
        current.writeBytes(CRLF);
    }

    private void writeInteger(long value) {
        current.writeByte(RespType.INTEGER.prefix());
        AsciiNumbers.writeLong(current, value);
        current.writeBytes(CRLF);
    }

    private void writeBoolean(BooleanMessage value) {
        current.writeByte(RespType.BOOLEAN.prefix());
        current.writeByte(value.value() ? 't' : 'f');
        current.writeBytes(CRLF);
    }

    private void writeBulk(RespType type, ByteBuf content) {
        writeHeader(type.prefix(), content.readableBytes());
        writeContent(content);
        current.writeBytes(CRLF);
    }

    private void writeVerbatim(VerbatimStringMessage message) {
        ByteBuf content = message.content();
        writeHeader(RespType.VERBATIM_STRING.prefix(), VerbatimStringMessage.PREFIX_LENGTH + content.readableBytes());
        current.writeCharSequence(message.format(), StandardCharsets.ISO_8859_1);
        current.writeByte(':');
        writeContent(content);
        current.writeBytes(CRLF);
    }

    private void writeAggregate(AggregateMessage message, byte prefix, RespType type) {
        int count = type == RespType.MAP ? ((MapMessage) message).entryCount() : message.size();
        writeHeader(prefix, count);
        List<RespMessage> elements = message.elements();
        for (int i = 0; i < elements.size(); i++) {
            write(elements.get(i));
        }
    }

    private void writeAttribute(AttributeMessage message) {
        writeAggregate(message.attributes(), RespType.ATTRIBUTE.prefix(), RespType.MAP);
        write(message.value());
    }

    private void writeHeader(byte prefix, long count) {
        current.writeByte(prefix);
        AsciiNumbers.writeLong(current, count);
        current.writeBytes(CRLF);
    }

    private void writeContent(ByteBuf content) {
        int length = content.readableBytes();
        if (length < COPY_THRESHOLD || copyAll) {
            current.writeBytes(content, content.readerIndex(), length);
            return;
        }
        if (composite == null) {
            composite = alloc.compositeBuffer(Integer.MAX_VALUE);
        }
        if (current.isReadable()) {
            composite.addComponent(true, current);
        } else {
            current.release();
        }
        current = null;
        composite.addComponent(true, content.retainedSlice());
        current = alloc.ioBuffer(INITIAL_CAPACITY);
    }

    ByteBuf finish() {
        if (composite == null) {
            ByteBuf result = current;
            current = null;
            return result;
        }
        CompositeByteBuf result = composite;
        composite = null;
        if (current.isReadable()) {
            result.addComponent(true, current);
        } else {
            current.release();
        }
        current = null;
        return result;
    }

    void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
        if (composite != null) {
            composite.release();
            composite = null;
        }
    }
}
