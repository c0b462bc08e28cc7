package io.ferry.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Redis glob-style key pattern, matched exactly as Redis 7's {@code stringmatchlen}, in {@code
 * src/util.c}, matches a pattern of {@code KEYS}, {@code SCAN MATCH} or {@code PSUBSCRIBE},
 * case-sensitively, on bytes: {@code *} any run of bytes, {@code ?} one byte, {@code [abc]} one of
 * a set, {@code [^abc]} one not in the set, {@code [a-z]} a range (reversed ranges such as {@code
 * [z-a]} are the same range), {@code \} escaping the next byte, inside a set as well. Redis's
 * quirks are kept: a {@code [} that is never closed ends its set at the end of the pattern, a
 * {@code ]} right after {@code [} closes an empty set, a {@code -} just before the closing {@code ]}
 * makes a range up to {@code ]}, and range bounds compare as signed bytes, as Redis's {@code char}
 * does on x86-64.
 *
 * <p>One quirk differs from the commands: {@code stringmatchlen} never matches an empty key with a
 * pattern made of stars only, which {@code KEYS *} and {@code SCAN MATCH *} list because those
 * commands skip matching when the whole pattern is {@code *}. This class follows {@code
 * stringmatchlen}.
 *
 * <p>Matching cannot blow up: like Redis 7, the matcher gives up on longer matches for earlier stars
 * once a later star failed from every position, which keeps the work polynomial rather than
 * exponential in the number of stars. Patterns are at most {@value #MAX_LENGTH} bytes, so at most
 * 512 stars nest, below Redis's limit of {@value #MAX_NESTING}, which this class applies too. Plain literals ({@code user:42}) and literal prefixes followed by
 * stars ({@code user:42:*}) are compiled to a byte comparison.
 *
 * <p>Immutable and thread-safe. Matching a {@link ByteBuf} allocates nothing and reads the key
 * between its reader and writer index without moving them; matching a {@code byte[]} with a glob
 * allocates a small wrapper.
 */
public final class KeyPattern {
    /** The longest pattern accepted, in bytes of UTF-8. */
    public static final int MAX_LENGTH = 1024;

    /** Redis 7's guard against deep recursion on stars; unreachable within {@link #MAX_LENGTH}. */
    static final int MAX_NESTING = 1000;

    private static final int MATCH = 1;
    private static final int NO_MATCH = 0;
    // No match, and none of the enclosing stars can match by consuming more: Redis's
    // skipLongerMatches, which bounds the work on patterns like "*a*a*a*a*b".
    private static final int NO_MATCH_ANYWHERE = -1;

    /** How a pattern is matched. */
    public enum Kind {
        /** No metacharacter after unescaping: the key must equal {@link #literal}. */
        LITERAL,
        /** A literal then stars only: the key must start with {@link #literal} and not be empty. */
        PREFIX,
        /** Anything else: the general matcher. */
        GLOB
    }

    private final String source;
    private final byte[] pattern;
    private final Kind kind;
    private final byte[] literal;

    private KeyPattern(String source, byte[] pattern, Kind kind, byte[] literal) {
        this.source = source;
        this.pattern = pattern;
        this.kind = kind;
        this.literal = literal;
    }

    /**
     * Compiles {@code pattern}.
     *
     * @throws IllegalArgumentException if the pattern is empty, longer than {@value #MAX_LENGTH}
     *     bytes in UTF-8, or not valid text (an unpaired surrogate)
     */
    public static KeyPattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("key pattern must not be empty");
        }
        byte[] bytes = utf8(pattern);
        if (bytes.length > MAX_LENGTH) {
            throw new IllegalArgumentException("key pattern length: " + bytes.length + " bytes (expected: <= "
                    + MAX_LENGTH + "): " + quote(pattern));
        }
        return compile(pattern, bytes);
    }

    /**
     * Compiles a pattern given as bytes, which need not be UTF-8, as a pattern read from the wire.
     *
     * @throws IllegalArgumentException if the pattern is empty or longer than {@value #MAX_LENGTH}
     *     bytes
     */
    public static KeyPattern compile(byte[] pattern) {
        String source = new String(pattern, StandardCharsets.UTF_8);
        if (pattern.length == 0) {
            throw new IllegalArgumentException("key pattern must not be empty");
        }
        if (pattern.length > MAX_LENGTH) {
            throw new IllegalArgumentException("key pattern length: " + pattern.length + " bytes (expected: <= "
                    + MAX_LENGTH + "): " + quote(source));
        }
        return compile(source, pattern.clone());
    }

    private static KeyPattern compile(String source, byte[] bytes) {
        byte[] literal = new byte[bytes.length];
        int literalLength = 0;
        int i = 0;
        while (i < bytes.length && bytes[i] != '*') {
            byte b = bytes[i];
            if (b == '?' || b == '[') {
                return new KeyPattern(source, bytes, Kind.GLOB, null);
            }
            // A backslash escapes the next byte, except as the last byte, where it is itself.
            if (b == '\\' && i + 1 < bytes.length) {
                i++;
            }
            literal[literalLength++] = bytes[i++];
        }
        Kind kind = Kind.LITERAL;
        if (i < bytes.length) {
            kind = Kind.PREFIX;
            for (int j = i; j < bytes.length; j++) {
                if (bytes[j] != '*') {
                    return new KeyPattern(source, bytes, Kind.GLOB, null);
                }
            }
        }
        return new KeyPattern(source, bytes, kind, Arrays.copyOf(literal, literalLength));
    }

    /** Whether the key between {@code key}'s reader and writer index matches. Allocation-free. */
    public boolean matches(ByteBuf key) {
        int from = key.readerIndex();
        int to = key.writerIndex();
        return switch (kind) {
            case LITERAL -> to - from == literal.length && startsWith(key, from);
            case PREFIX -> to > from && to - from >= literal.length && startsWith(key, from);
            case GLOB -> match(pattern, 0, key, from, to, 0) == MATCH;
        };
    }

    /** Whether {@code key} matches. */
    public boolean matches(byte[] key) {
        return switch (kind) {
            case LITERAL -> Arrays.equals(key, literal);
            case PREFIX ->
                key.length > 0
                        && key.length >= literal.length
                        && Arrays.equals(key, 0, literal.length, literal, 0, literal.length);
            case GLOB -> matches(Unpooled.wrappedBuffer(key));
        };
    }

    /** The pattern as compiled; for a pattern of bytes, those bytes decoded as UTF-8. */
    public String pattern() {
        return source;
    }

    /** How this pattern is matched: a literal, a literal prefix, or a glob. */
    public Kind kind() {
        return kind;
    }

    /** A copy of the unescaped literal of a {@link Kind#LITERAL} or {@link Kind#PREFIX} pattern; else null. */
    public byte[] literal() {
        return literal == null ? null : literal.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyPattern that && Arrays.equals(pattern, that.pattern);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pattern);
    }

    @Override
    public String toString() {
        return source;
    }

    private boolean startsWith(ByteBuf key, int from) {
        for (int i = 0; i < literal.length; i++) {
            if (key.getByte(from + i) != literal[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Redis 7's {@code stringmatchlen_impl}, case-sensitive, over {@code pattern[p..]} and the key
     * bytes {@code [s, end)}. Where Redis reads the NUL after the pattern, this checks the end.
     */
    private static int match(byte[] pattern, int p, ByteBuf key, int s, int end, int nesting) {
        if (nesting > MAX_NESTING) {
            return NO_MATCH;
        }
        int patternEnd = pattern.length;
        while (p < patternEnd && s < end) {
            switch (pattern[p]) {
                case '*' -> {
                    while (p + 1 < patternEnd && pattern[p + 1] == '*') {
                        p++;
                    }
                    if (p + 1 == patternEnd) {
                        return MATCH;
                    }
                    for (; s < end; s++) {
                        int result = match(pattern, p + 1, key, s, end, nesting + 1);
                        if (result != NO_MATCH) {
                            return result;
                        }
                    }
                    // The rest failed from every position: a longer run for an earlier star
                    // would only try it from later positions, so no earlier star needs to.
                    return NO_MATCH_ANYWHERE;
                }
                case '?' -> s++;
                case '[' -> {
                    p++;
                    boolean negated = p < patternEnd && pattern[p] == '^';
                    if (negated) {
                        p++;
                    }
                    byte c = key.getByte(s);
                    boolean matched = false;
                    while (true) {
                        if (p + 1 < patternEnd && pattern[p] == '\\') {
                            p++;
                            if (pattern[p] == c) {
                                matched = true;
                            }
                        } else if (p == patternEnd) {
                            // Never closed: the set ends with the pattern.
                            p--;
                            break;
                        } else if (pattern[p] == ']') {
                            break;
                        } else if (p + 2 < patternEnd && pattern[p + 1] == '-') {
                            int low = Math.min(pattern[p], pattern[p + 2]);
                            int high = Math.max(pattern[p], pattern[p + 2]);
                            p += 2;
                            if (c >= low && c <= high) {
                                matched = true;
                            }
                        } else if (pattern[p] == c) {
                            matched = true;
                        }
                        p++;
                    }
                    if (matched == negated) {
                        return NO_MATCH;
                    }
                    s++;
                }
                default -> {
                    // A backslash escapes the next byte, except as the last byte, where it is itself.
                    if (pattern[p] == '\\' && p + 1 < patternEnd) {
                        p++;
                    }
                    if (pattern[p] != key.getByte(s)) {
                        return NO_MATCH;
                    }
                    s++;
                }
            }
            p++;
            if (s == end) {
                while (p < patternEnd && pattern[p] == '*') {
                    p++;
                }
                break;
            }
        }
        return p == patternEnd && s == end ? MATCH : NO_MATCH;
    }

    private static byte[] utf8(String pattern) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8
                    .newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(pattern));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "key pattern is not valid text (an unpaired surrogate): " + quote(pattern), e);
        }
    }

    public static String quote(String pattern) {
        String shown = pattern.length() > 80 ? pattern.substring(0, 80) + "..." : pattern;
        return '"' + shown + '"';
    }
}
