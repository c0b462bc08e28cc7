package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes RESP2 and RESP3 from bytes into complete {@link RespMessage}s: an aggregate is emitted once
 * all its elements have arrived, so downstream handlers always see whole frames. Any number of frames
 * may share one buffer (pipelining) and a frame may be split across any number of buffers.
 *
 * <p>Two modes, chosen at construction:
 *
 * <ul>
 *   <li>{@link #forRequests(RespLimits)}, for a channel accepting clients: accepts what Redis accepts
 *       from a client and emits {@link CommandMessage}s. A frame starting with {@code *} must be an
 *       array of bulk strings; anything else is an inline command, split as Redis splits it. Empty
 *       commands ({@code *0}, {@code *-1}, blank lines) are skipped, as Redis skips them.
 *   <li>{@link #forReplies(RespLimits)}, for a channel to a server: accepts every RESP2 and RESP3 type,
 *       streamed strings and aggregates included (emitted as ordinary {@link BulkStringMessage}s and
 *       aggregates), and joins each RESP3 attribute with the value it annotates ({@link
 *       AttributeMessage}).
 * </ul>
 *
 * <p>Every length read from the wire is checked against {@link RespLimits} before anything is
 * allocated or awaited. Malformed input or a broken limit raises a {@link RespProtocolException}
 * (through {@code exceptionCaught}); the frames completed before it are still emitted, and from then on
 * the decoder discards all input, as the stream cannot be resynchronised: close the channel.
 *
 * <p>Payloads are {@code retainedSlice}s of the input, not copies. The one exception is a RESP3
 * streamed string, whose chunks are joined into one buffer.
 *
 * <p>Stateful: one instance per channel, called only from that channel's event loop. Partly decoded
 * frames are released when the channel goes inactive or the handler is removed.
 */
public final class RespDecoder extends ByteToMessageDecoder {

    /** Which side of the conversation this decoder reads. */
    public enum Mode {
        /** Commands from clients, RESP or inline. */
        REQUESTS,
        /** Replies and pushes from a server, any RESP2 or RESP3 type. */
        REPLIES
    }

    private enum State {
        /** Expecting the type byte of the next value. */
        TYPE,
        /** Reading an inline command line. */
        INLINE,
        /** Reading the rest of a typed line, after its type byte. */
        LINE,
        /** Reading a payload of known length and its CRLF. */
        PAYLOAD,
        /** After a protocol error: discarding everything. */
        FAILED
    }

    private static final byte STREAM_MARKER = '?';
    private static final byte STREAMED_CHUNK = ';';
    private static final byte STREAMED_END = '.';
    private static final int MAX_INITIAL_ARGS_CAPACITY = 16;
    private static final String TOO_BIG_INLINE = "Protocol error: too big inline request";

    private final Mode mode;
    private final RespLimits limits;

    private State state = State.TYPE;
    /** Type byte of the line being read. */
    private byte lineType;
    /** Bytes after the reader index already searched for LF, so a slowly arriving line is scanned once. */
    private int lineScanned;

    private byte payloadType;
    private int payloadLength;
    /** Wire bytes of the current top-level frame so far. */
    private long frameBytes;

    // Reply mode.
    private final AggregateAssembler assembler;
    private boolean inStreamedString;
    private ByteBuf streamedString;

    // Request mode: the arguments of the command being read.
    private List<ByteBuf> commandArgs;
    private int commandArgCount;

    public RespDecoder(Mode mode, RespLimits limits) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.assembler = new AggregateAssembler(limits);
    }

    /** A decoder for the commands clients send (the proxy's listening side). */
    public static RespDecoder forRequests(RespLimits limits) {
        return new RespDecoder(Mode.REQUESTS, limits);
    }

    /** A decoder for what servers send (the proxy's backend side, the capture, the comparator). */
    public static RespDecoder forReplies(RespLimits limits) {
        return new RespDecoder(Mode.REPLIES, limits);
    }

    public Mode mode() {
        return mode;
    }

    public RespLimits limits() {
        return limits;
    }

    /** True once a protocol error has been raised; all further input is discarded. */
    public boolean failed() {
        return state == State.FAILED;
    }

    /**
     * Bytes this decoder holds for frames not yet emitted: input not decoded yet, plus the wire bytes of
     * a partly assembled command, aggregate or streamed string. An upper bound on what a peer makes it
     * keep, for callers that hold many decoders under one memory budget (the pcap capture).
     */
    public long bufferedBytes() {
        boolean inFrame = commandArgs != null || !assembler.idle() || inStreamedString;
        return actualReadableBytes() + (inFrame ? frameBytes : 0);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            for (; ; ) {
                boolean progressed =
                        switch (state) {
                            case TYPE -> decodeType(in);
                            case INLINE -> decodeInline(ctx, in, out);
                            case LINE -> decodeLine(in, out);
                            case PAYLOAD -> decodePayload(ctx, in, out);
                            case FAILED -> {
                                in.skipBytes(in.readableBytes());
                                yield false;
                            }
                        };
                if (!progressed) {
                    return;
                }
            }
        } catch (Throwable t) {
            state = State.FAILED;
            releasePartialFrame();
            in.skipBytes(in.readableBytes());
            throw t;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx);
        } finally {
            releasePartialFrame();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releasePartialFrame();
    }

    private boolean decodeType(ByteBuf in) {
        if (!in.isReadable()) {
            return false;
        }
        byte type = in.getByte(in.readerIndex());
        if (mode == Mode.REQUESTS) {
            if (commandArgs == null) {
                frameBytes = 0;
                if (type != '*') {
                    // As in Redis: whatever does not start with '*' is an inline command.
                    state = State.INLINE;
                    return true;
                }
            } else if (type != '$') {
                throw new RespProtocolException("Protocol error: expected '$', got " + AsciiText.render(type), null);
            }
        } else {
            if (assembler.idle() && !inStreamedString) {
                frameBytes = 0;
            }
            if (inStreamedString) {
                if (type != STREAMED_CHUNK) {
                    throw new RespProtocolException(
                            "Protocol error: expected ';', got " + AsciiText.render(type), "inside a streamed string");
                }
            } else if (RespType.fromPrefix(type) == null && type != STREAMED_END) {
                throw new RespProtocolException("Protocol error: invalid type byte " + AsciiText.render(type), null);
            }
        }
        in.skipBytes(1);
        addFrameBytes(1);
        lineType = type;
        state = State.LINE;
        return true;
    }

    private boolean decodeLine(ByteBuf in, List<Object> out) {
        int lf = findLineEnd(in, tooBigLineMessage(lineType));
        if (lf < 0) {
            return false;
        }
        int start = in.readerIndex();
        if (lf == 0 || in.getByte(start + lf - 1) != '\r') {
            throw new RespProtocolException("Protocol error: expected CRLF line terminator", "found a bare LF");
        }
        int length = lf - 1;
        addFrameBytes(lf + 1);
        in.readerIndex(start + lf + 1);
        // The line stays readable at [start, start + length) until decode() returns.
        state = State.TYPE;
        if (mode == Mode.REQUESTS) {
            if (lineType == '*') {
                onCommandHeader(in, start, length);
            } else {
                onArgumentHeader(in, start, length);
            }
        } else {
            onReplyLine(in, start, length, out);
        }
        return true;
    }

    private boolean decodeInline(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int lf = findLineEnd(in, TOO_BIG_INLINE);
        if (lf < 0) {
            return false;
        }
        int start = in.readerIndex();
        // Redis accepts a bare LF after an inline command, not only CRLF.
        int length = lf > 0 && in.getByte(start + lf - 1) == '\r' ? lf - 1 : lf;
        if (length > limits.maxInlineLength()) {
            throw tooBigLine(TOO_BIG_INLINE);
        }
        addFrameBytes(lf + 1);
        in.readerIndex(start + lf + 1);
        state = State.TYPE;
        List<ByteBuf> args = InlineCommandSplitter.split(in, start, length, ctx.alloc(), limits.maxAggregateLength());
        if (!args.isEmpty()) {
            out.add(new CommandMessage(args));
        }
        return true;
    }

    private boolean decodePayload(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < payloadLength + 2) {
            return false;
        }
        int start = in.readerIndex();
        int end = start + payloadLength;
        if (in.getByte(end) != '\r' || in.getByte(end + 1) != '\n') {
            throw new RespProtocolException(
                    "Protocol error: expected CRLF after bulk payload", "found: " + AsciiText.render(in, end, 2));
        }
        // Frame size was checked when the length was read.
        frameBytes += payloadLength + 2L;
        in.readerIndex(end + 2);
        state = State.TYPE;
        switch (payloadType) {
            case '$' -> {
                ByteBuf content = retainedSlice(in, start, payloadLength);
                if (mode == Mode.REQUESTS) {
                    addArgument(content, out);
                } else {
                    assembler.deliver(new BulkStringMessage(content), out);
                }
            }
            case '!' -> assembler.deliver(new BulkErrorMessage(retainedSlice(in, start, payloadLength)), out);
            case '=' -> assembler.deliver(verbatimString(in, start, payloadLength), out);
            case STREAMED_CHUNK -> {
                if (streamedString == null) {
                    streamedString = ctx.alloc().buffer(payloadLength);
                }
                // The one copy in the decoder: chunks may be tiny, and a slice per chunk would cost more
                // memory than the bytes themselves.
                streamedString.writeBytes(in, start, payloadLength);
            }
            default -> throw new IllegalStateException("Unexpected payload type " + AsciiText.render(payloadType));
        }
        return true;
    }

    // ---- request mode

    private void onCommandHeader(ByteBuf in, int start, int length) {
        String error = "Protocol error: invalid multibulk length";
        long count = parseLength(in, start, length, error);
        if (count == 0 || count == -1) {
            return; // Redis skips an empty command
        }
        checkLength(error, count, false, limits.maxAggregateLength());
        commandArgs = new ArrayList<>((int) Math.min(count, MAX_INITIAL_ARGS_CAPACITY));
        commandArgCount = (int) count;
    }

    private void onArgumentHeader(ByteBuf in, int start, int length) {
        String error = lengthError('$');
        long bulkLength = parseLength(in, start, length, error);
        checkLength(error, bulkLength, false, limits.maxBulkLength());
        expectPayload('$', bulkLength);
    }

    private void addArgument(ByteBuf arg, List<Object> out) {
        commandArgs.add(arg);
        if (commandArgs.size() == commandArgCount) {
            List<ByteBuf> args = commandArgs;
            commandArgs = null;
            out.add(new CommandMessage(args));
        }
    }

    // ---- reply mode

    private void onReplyLine(ByteBuf in, int start, int length, List<Object> out) {
        switch (lineType) {
            case '+' -> assembler.deliver(simpleString(in, start, length), out);
            case '-' -> {
                requireSingleLine(in, start, length, "error");
                assembler.deliver(new ErrorMessage(retainedSlice(in, start, length)), out);
            }
            case ':' -> assembler.deliver(IntegerMessage.of(parseInteger(in, start, length)), out);
            case ',' -> {
                String text = in.toString(start, length, StandardCharsets.US_ASCII);
                if (!AsciiNumbers.isDouble(text)) {
                    throw new RespProtocolException(
                            "Protocol error: invalid double", "value: " + AsciiText.render(in, start, length));
                }
                assembler.deliver(new DoubleMessage(text), out);
            }
            case '(' -> {
                String text = in.toString(start, length, StandardCharsets.US_ASCII);
                if (!AsciiNumbers.isBigNumber(text)) {
                    throw new RespProtocolException(
                            "Protocol error: invalid big number", "value: " + AsciiText.render(in, start, length));
                }
                assembler.deliver(new BigNumberMessage(text), out);
            }
            case '#' -> assembler.deliver(booleanValue(in, start, length), out);
            case '_' -> {
                if (length != 0) {
                    throw new RespProtocolException(
                            "Protocol error: invalid null", "value: " + AsciiText.render(in, start, length));
                }
                assembler.deliver(NullMessage.RESP3, out);
            }
            case '$', '!', '=' -> onBulkHeader(in, start, length, out);
            case STREAMED_CHUNK -> onChunkHeader(in, start, length, out);
            case '*', '%', '~', '>', '|' -> onAggregateHeader(in, start, length, out);
            case STREAMED_END -> onStreamedEnd(length, out);
            default -> throw new IllegalStateException("Unexpected line type " + AsciiText.render(lineType));
        }
    }

    private RespMessage simpleString(ByteBuf in, int start, int length) {
        requireSingleLine(in, start, length, "simple string");
        SimpleStringMessage shared = SimpleStringMessage.shared(in, start, length);
        return shared != null ? shared : new SimpleStringMessage(retainedSlice(in, start, length));
    }

    private static RespMessage booleanValue(ByteBuf in, int start, int length) {
        byte value = length == 1 ? in.getByte(start) : 0;
        if (value == 't') {
            return BooleanMessage.TRUE;
        }
        if (value == 'f') {
            return BooleanMessage.FALSE;
        }
        throw new RespProtocolException(
                "Protocol error: invalid boolean", "value: " + AsciiText.render(in, start, length));
    }

    private void onBulkHeader(ByteBuf in, int start, int length, List<Object> out) {
        if (lineType == '$' && isStreamMarker(in, start, length)) {
            inStreamedString = true;
            return;
        }
        String error = lengthError(lineType);
        long bulkLength = parseLength(in, start, length, error);
        if (bulkLength == -1 && lineType == '$') {
            assembler.deliver(NullMessage.RESP2_BULK, out);
            return;
        }
        checkLength(error, bulkLength, lineType == '$', limits.maxBulkLength());
        if (lineType == '=' && bulkLength < VerbatimStringMessage.PREFIX_LENGTH) {
            throw new RespProtocolException(
                    error, "length: " + bulkLength + " (expected: >= " + VerbatimStringMessage.PREFIX_LENGTH + ")");
        }
        expectPayload(lineType, bulkLength);
    }

    private void onChunkHeader(ByteBuf in, int start, int length, List<Object> out) {
        String error = lengthError(STREAMED_CHUNK);
        long chunkLength = parseLength(in, start, length, error);
        checkLength(error, chunkLength, false, limits.maxBulkLength());
        if (chunkLength == 0) {
            ByteBuf content = streamedString != null ? streamedString : Unpooled.EMPTY_BUFFER;
            streamedString = null;
            inStreamedString = false;
            assembler.deliver(new BulkStringMessage(content), out);
            return;
        }
        long total = (streamedString == null ? 0 : streamedString.readableBytes()) + chunkLength;
        checkLength(lengthError('$'), total, false, limits.maxBulkLength());
        expectPayload(STREAMED_CHUNK, chunkLength);
    }

    private void onAggregateHeader(ByteBuf in, int start, int length, List<Object> out) {
        RespType type = RespType.fromPrefix(lineType);
        String error = lengthError(lineType);
        long elementsPerEntry = type == RespType.MAP || type == RespType.ATTRIBUTE ? 2 : 1;
        if (isStreamMarker(in, start, length)) {
            if (type != RespType.ARRAY && type != RespType.MAP && type != RespType.SET) {
                throw new RespProtocolException(
                        error, "RESP3 has no streamed " + type.name().toLowerCase());
            }
            assembler.open(type, -1, elementsPerEntry * limits.maxAggregateLength(), out);
            return;
        }
        long count = parseLength(in, start, length, error);
        if (count == -1 && type == RespType.ARRAY) {
            assembler.deliver(NullMessage.RESP2_ARRAY, out);
            return;
        }
        checkLength(error, count, type == RespType.ARRAY, limits.maxAggregateLength());
        assembler.open(type, elementsPerEntry * count, 0, out);
    }

    private void onStreamedEnd(int length, List<Object> out) {
        if (length != 0) {
            throw new RespProtocolException("Protocol error: unexpected '.'", "with content");
        }
        assembler.endStreamed(out);
    }

    private RespMessage verbatimString(ByteBuf in, int start, int length) {
        for (int i = start; i < start + VerbatimStringMessage.PREFIX_LENGTH - 1; i++) {
            byte b = in.getByte(i);
            if (b == ':' || b == '\r' || b == '\n') {
                throw invalidVerbatim(in, start);
            }
        }
        if (in.getByte(start + VerbatimStringMessage.PREFIX_LENGTH - 1) != ':') {
            throw invalidVerbatim(in, start);
        }
        String format = verbatimFormat(in, start);
        int prefix = VerbatimStringMessage.PREFIX_LENGTH;
        return new VerbatimStringMessage(format, retainedSlice(in, start + prefix, length - prefix));
    }

    private static RespProtocolException invalidVerbatim(ByteBuf in, int start) {
        return new RespProtocolException(
                "Protocol error: invalid verbatim string",
                "expected a three-byte format and ':', found "
                        + AsciiText.render(in, start, VerbatimStringMessage.PREFIX_LENGTH));
    }

    private static String verbatimFormat(ByteBuf in, int start) {
        // The two formats in use are shared, so a verbatim reply does not cost a String.
        if (in.getByte(start) == 't' && in.getByte(start + 1) == 'x' && in.getByte(start + 2) == 't') {
            return VerbatimStringMessage.TXT;
        }
        if (in.getByte(start) == 'm' && in.getByte(start + 1) == 'k' && in.getByte(start + 2) == 'd') {
            return VerbatimStringMessage.MKD;
        }
        return in.toString(start, 3, StandardCharsets.ISO_8859_1);
    }

    // ---- shared

    private void expectPayload(int type, long length) {
        if (length + 2 > limits.maxFrameSize() - frameBytes) {
            throw tooBigFrame(frameBytes + length + 2);
        }
        payloadType = (byte) type;
        payloadLength = (int) length;
        state = State.PAYLOAD;
    }

    private void addFrameBytes(int count) {
        frameBytes += count;
        if (frameBytes > limits.maxFrameSize()) {
            throw tooBigFrame(frameBytes);
        }
    }

    private RespProtocolException tooBigFrame(long size) {
        return new RespProtocolException(
                "Protocol error: too big frame", "size: " + size + " (expected: <= " + limits.maxFrameSize() + ")");
    }

    /**
     * The offset from the reader index of the LF ending the current line, or -1 when it has not arrived.
     * Searches at most {@code maxInlineLength + 2} bytes, and each byte only once.
     */
    private int findLineEnd(ByteBuf in, String tooBigMessage) {
        int readable = in.readableBytes();
        long window = limits.maxInlineLength() + 2L;
        int searchEnd = (int) Math.min(readable, window);
        if (lineScanned < searchEnd) {
            int from = in.readerIndex();
            int lf = in.indexOf(from + lineScanned, from + searchEnd, (byte) '\n');
            if (lf >= 0) {
                lineScanned = 0;
                return lf - from;
            }
            lineScanned = searchEnd;
        }
        if (readable >= window) {
            throw tooBigLine(tooBigMessage);
        }
        return -1;
    }

    private RespProtocolException tooBigLine(String message) {
        return new RespProtocolException(
                message,
                "length: more than " + limits.maxInlineLength() + " bytes (expected: <= " + limits.maxInlineLength()
                        + ")");
    }

    private static String tooBigLineMessage(byte type) {
        return switch (type) {
            case '*' -> "Protocol error: too big mbulk count string";
            case '$' -> "Protocol error: too big bulk count string";
            default -> "Protocol error: too big line";
        };
    }

    static String lengthError(int type) {
        return switch (type) {
            case '$' -> "Protocol error: invalid bulk length";
            case '*' -> "Protocol error: invalid multibulk length";
            case '!' -> "Protocol error: invalid bulk error length";
            case '=' -> "Protocol error: invalid verbatim string length";
            case '%' -> "Protocol error: invalid map length";
            case '~' -> "Protocol error: invalid set length";
            case '>' -> "Protocol error: invalid push length";
            case '|' -> "Protocol error: invalid attribute length";
            case STREAMED_CHUNK -> "Protocol error: invalid streamed string chunk length";
            default -> "Protocol error: invalid length";
        };
    }

    private static long parseLength(ByteBuf in, int start, int length, String error) {
        try {
            return AsciiNumbers.parseLength(in, start, length);
        } catch (NumberFormatException e) {
            throw new RespProtocolException(error, "length: " + AsciiText.render(in, start, length));
        }
    }

    private static long parseInteger(ByteBuf in, int start, int length) {
        try {
            return AsciiNumbers.parseInteger(in, start, length);
        } catch (NumberFormatException e) {
            throw new RespProtocolException(
                    "Protocol error: invalid integer", "value: " + AsciiText.render(in, start, length));
        }
    }

    private static void checkLength(String error, long length, boolean nullAllowed, long max) {
        if (length < 0) {
            throw new RespProtocolException(
                    error, "length: " + length + " (expected: " + (nullAllowed ? "-1 or " : "") + ">= 0)");
        }
        if (length > max) {
            throw new RespProtocolException(error, "length: " + length + " (expected: <= " + max + ")");
        }
    }

    private static void requireSingleLine(ByteBuf in, int start, int length, String what) {
        // The line ends at the first LF, but a lone CR inside would be re-sent as a line break.
        if (!AsciiText.isSingleLine(in, start, length)) {
            throw new RespProtocolException(
                    "Protocol error: CR inside " + what, "value: " + AsciiText.render(in, start, length));
        }
    }

    private static boolean isStreamMarker(ByteBuf in, int start, int length) {
        return length == 1 && in.getByte(start) == STREAM_MARKER;
    }

    /** A retained slice, or the shared empty buffer, which pins no input buffer. */
    private static ByteBuf retainedSlice(ByteBuf in, int start, int length) {
        return length == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(start, length);
    }

    private void releasePartialFrame() {
        assembler.release();
        if (streamedString != null) {
            streamedString.release();
            streamedString = null;
        }
        inStreamedString = false;
        if (commandArgs != null) {
            for (ByteBuf arg : commandArgs) {
                ReferenceCountUtil.release(arg);
            }
            commandArgs = null;
        }
    }
}
